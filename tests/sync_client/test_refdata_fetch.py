"""The client's reference-data fetcher against a real HQ process: the manifest comes back as
HQ sent it (verifying is the desktop's `refdata.accept`, not the fetcher's), a dataset's bytes
come back whole, HQ's refusal is the transport's `HqError`, and a name outside the protocol
never becomes part of a URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.client.refdata import RefdataFetcher, dataset_path
from sync.client.transport import HqConnection, HqError
from sync.protocol.refdata import RefManifest
from sync.protocol.signing import Signed
from tests.support.hq_server import RunningHQ
from tests.sync_client.e2e import device

ROSTER = '{"officers": [{"name": "王伟", "certificate": "11010001"}]}'.encode()


def test_the_fetcher_brings_the_manifest_and_bytes_hq_serves(hq_server: RunningHQ,
                                                              tmp_path: Path) -> None:
    source = device(hq_server)
    (tmp_path / "roster.json").write_bytes(ROSTER)
    assert hq_server.admin("publish", "roster", str(tmp_path / "roster.json")).returncode == 0
    enrolled = source.enrolled
    assert enrolled is not None
    with HqConnection(enrolled.hq_url, hq_id=enrolled.hq_id, device_key=source.key) as conn:
        fetcher = RefdataFetcher(conn)
        signed = Signed.from_json(fetcher.manifest(), RefManifest)
        assert signed.verify(enrolled.receipt_key)
        assert signed.body.datasets["roster"].version == 1
        assert fetcher.dataset("roster", 1) == ROSTER
        with pytest.raises(HqError) as refused:
            fetcher.dataset("roster", 2)
        assert (refused.value.status, refused.value.code) == (404, "unknown_dataset")


@pytest.mark.parametrize(("name", "version"), [("../uploads", 1), ("roster/1?x", 1),
                                               ("Roster", 1), ("roster", 0)])
def test_a_name_outside_the_protocol_is_not_fetched(name: str, version: int) -> None:
    with pytest.raises(ValueError, match="is not a reference dataset version"):
        dataset_path(name, version)
