"""A device syncing through Debian's nginx to two HQ processes on one PostgreSQL and one
SeaweedFS bucket (issue 16, decision 33): the deployment that scales out. Round robin sends
the requests of one round, and the PATCHes of one upload, to both processes in turn; every
record is received once, the receipt log stays one log, and a medium larger than nginx's
default body limit goes through in chunks the proxy streams.

PostgreSQL lane only: two HQ processes need a shared database (decision 29), which the
embedded SQLite lane does not offer.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.client.enrol import enrol
from tests.support.hq_server import RunningHQ, start_hq
from tests.support.nginx import RunningNginx, nginx_binary
from tests.support.postgres import PostgresServer
from tests.support.seaweedfs import RunningSeaweedFS, seaweedfs
from tests.sync_client.e2e import assert_delivered_once, engine, hq_db, stop_clean
from tests.sync_client.memory_source import MemorySource

__all__ = ["seaweedfs"]

CHUNK = 2 * 1024 * 1024  # above nginx's default client_max_body_size (1 MiB)


@pytest.fixture
def balanced(pg_cluster: PostgresServer | None, seaweedfs: RunningSeaweedFS, tmp_path: Path
             ) -> Iterator[tuple[RunningNginx, RunningHQ, RunningHQ]]:
    """nginx over two HQ processes: one database, one bucket, the same keys, each process
    a data directory of its own (as on two machines)."""
    if pg_cluster is None:
        pytest.skip("no PostgreSQL here (CI installs it; see tests/support/postgres.py)")
    if nginx_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed: .ci/run installs Debian's nginx-light")
        pytest.skip("no nginx here (CI installs nginx-light)")
    url = pg_cluster.create_database()
    env = seaweedfs.hq_env(seaweedfs.new_place())
    first = start_hq(tmp_path / "hq-a", env, db_url=url)  # makes the keys and the schema
    other = tmp_path / "hq-b"
    other.mkdir(mode=0o700)
    (other / "keys").symlink_to(first.data_dir / "keys")
    second = start_hq(other, env, db_url=url)
    balancer = RunningNginx(tmp_path / "nginx", [first.port, second.port])
    try:
        balancer.start()
        yield balancer, first, second
    finally:
        balancer.stop()
        second.stop()
        stop_clean(first)
        assert "Traceback" not in second.log(), second.log()


def test_a_round_through_nginx_to_two_processes_is_received_once(
        balanced: tuple[RunningNginx, RunningHQ, RunningHQ]) -> None:
    balancer, first, second = balanced
    source = MemorySource()
    source.enrolled = enrol(balancer.url, first.enrol_code(), source.key, "desk-nginx")
    for _ in range(5):
        source.add_event()
    source.add_tree_head()
    clip = os.urandom(5 * CHUNK + 12_345)  # six PATCHes, taken by both processes in turn
    source.add_media(clip)
    for _ in range(3):
        source.add_event()
    source.add_tree_head()
    source.add_media(os.urandom(300_000))

    result = engine(source, chunk_size=CHUNK, read_timeout=30.0).run_round()

    assert result.complete, (result.failed, result.pause_message)
    assert result.sent == len(source.entries)
    assert_delivered_once(source, first)  # every record once, its receipt, the logs agree
    with hq_db(second) as db:
        per_record = db.all("SELECT kind, entity_id, count(*) AS n FROM records "
                            "GROUP BY kind, entity_id")
        indexes = [r["log_index"] for r in db.all(
            "SELECT log_index FROM receipt_log ORDER BY log_index")]
    assert sorted((r["kind"], r["entity_id"]) for r in per_record) == sorted(
        (e.kind.value, e.entity_id) for e in source.entries)
    assert {r["n"] for r in per_record} == {1}
    assert indexes == list(range(len(source.entries)))
    # Both processes did the work, the PATCHes of the clip among them (at least 6 + 1).
    patches = balancer.upstream_counts("PATCH")
    assert set(patches) == {f"127.0.0.1:{first.port}", f"127.0.0.1:{second.port}"}, patches
    assert sum(patches.values()) >= 7
    assert set(balancer.upstream_counts("POST")) == set(patches)
