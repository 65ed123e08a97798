"""The real HQ process for the end-to-end tests (tests/support/hq_server.py)."""

from tests.support.hq_server import hq_server

__all__ = ["hq_server"]
