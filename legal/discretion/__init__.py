"""Discretion standards as data and the engine that applies them."""
