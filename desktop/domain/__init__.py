"""Pure domain model and rules of a statement (笔录): frozen dataclasses, no I/O, no Qt, no SQL."""
