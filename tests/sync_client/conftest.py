"""The real HQ process for the end-to-end tests (tests/support/hq_server.py), on both lanes."""

import pytest

from tests.support.hq_server import hq_server, parametrize_hq_lanes
from tests.support.postgres import pg_cluster

__all__ = ["hq_server", "pg_cluster"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parametrize_hq_lanes(metafunc)  # every test using `hq_server` on SQLite and PostgreSQL
