"""HQ on PostgreSQL keeps serving across a restart of the database server (decision 29): a
request that finds its connection gone is answered 503 with ``Retry-After`` (in words,
never a 500), the next one opens a new connection, and nothing is lost or received twice.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.protocol.records import RecordKind
from tests.hq.client import Reply, enrolled
from tests.support.hq_server import start_hq
from tests.support.postgres import PostgresServer


def test_a_postgresql_restart_costs_at_most_one_refused_request(
        pg_cluster: PostgresServer | None, tmp_path: Path) -> None:
    if pg_cluster is None or pg_cluster.restart is None:
        pytest.skip("needs the throwaway PostgreSQL cluster of tests/support/postgres.py")
    hq = start_hq(tmp_path / "hq", db_url=pg_cluster.create_database())
    try:
        device = enrolled(hq)
        sent = []
        for n in range(1, 4):
            if n == 2:
                pg_cluster.restart()  # every session HQ had is gone
            data = f"capture {n}".encode()
            entry = device.entry(RecordKind.SIGNATURE_CAPTURE, f"st-1/p/{n}", data)
            reply: Reply = device.send(entry, data)
            if reply.status == 503:  # the request that found the old connection dead
                assert reply.error == "unavailable" and reply.headers["retry-after"]
                reply = device.send(entry, data)
            assert reply.status == 200, reply.body
            sent.append(reply.receipt())
        assert [r.body.log_index for r in sent] == [0, 1, 2]
        assert hq.admin("gaps").returncode == 0
    finally:
        hq.stop()
    assert "Traceback" not in hq.log(), hq.log()
