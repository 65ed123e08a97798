"""The HQ tests run against a real HQ process (`tests.support.hq_server`), on both lanes
(SQLite and a folder; PostgreSQL and SeaweedFS)."""

import pytest

from tests.support.hq_server import hq_server, parametrize_hq_lanes
from tests.support.postgres import pg_cluster
from tests.support.seaweedfs import seaweedfs

__all__ = ["hq_server", "pg_cluster", "seaweedfs"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parametrize_hq_lanes(metafunc)  # every test using `hq_server` on both lanes
