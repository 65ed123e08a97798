"""The HQ tests run against a real HQ process (`tests.support.hq_server`)."""

from tests.support.hq_server import hq_server

__all__ = ["hq_server"]
