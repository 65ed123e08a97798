"""Helpers several test packages share (a real HQ process, …)."""
