"""Sync: wire protocol, client engine and reference HQ server (no Qt, no desktop import)."""
