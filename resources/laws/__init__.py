"""Statute texts shipped as data: the seed of the law library HQ publishes (see SOURCE.md)."""
