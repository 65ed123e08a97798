"""The starter discretion standard: an example for the bureau to replace (see README.md)."""
