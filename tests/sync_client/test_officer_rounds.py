"""The engine acting for an officer against a real HQ (decision 27): it registers the
officer's HQ key once before the manifest, every record and medium is filed at HQ under that
officer, a device without an officer (an older client) is still served, and when HQ has lost
the officer's key the engine registers it again and the round completes."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.client.source import ActingOfficer
from sync.protocol.signing import Ed25519Signer
from tests.support.hq_server import RunningHQ
from tests.sync_client.e2e import device, engine, hq_db, records_and_video


def _officer(officer_id: str = "officer-a") -> ActingOfficer:
    key = Ed25519PrivateKey.generate()
    return ActingOfficer(officer_id=officer_id, name="队员乙", enforcement_no="OFF-002",
                         signer=Ed25519Signer(key),
                         public_key_hex=key.public_key().public_bytes_raw().hex(),
                         registered_key=None)


def _acting(hq: RunningHQ) -> list[str | None]:
    with hq_db(hq) as db:
        return [row["officer"] for row in db.all(
            "SELECT officer FROM records ORDER BY device_seq")]


def test_every_record_is_filed_under_the_officer_who_synced(hq_server: RunningHQ) -> None:
    source = device(hq_server)
    source.officer = _officer()
    records_and_video(source, video_chunks=1.5)
    result = engine(source).run_round()
    assert result.complete and result.sent == 5
    assert _acting(hq_server) == ["officer-a"] * 5
    registrations = [c for c in source.calls if c[0] == "save_officer_registration"]
    assert registrations == [("save_officer_registration", "officer-a")]
    assert source.officer is not None and source.officer.registered

    # Registered once: the next round does not register again.
    source.add_event()
    assert engine(source).run_round().complete
    assert [c for c in source.calls if c[0] == "save_officer_registration"] == registrations
    assert _acting(hq_server)[-1] == "officer-a"


def test_a_device_without_an_officer_is_still_served(hq_server: RunningHQ) -> None:
    source = device(hq_server)  # no officer: the requests an older client makes
    records_and_video(source, video_chunks=1.0)
    assert engine(source).run_round().complete
    assert _acting(hq_server) == [None] * 5
    assert "officer -" in hq_server.admin("records").stdout


def test_an_officer_hq_lost_is_registered_again(hq_server: RunningHQ) -> None:
    source = device(hq_server)
    source.officer = _officer()
    source.add_event()
    assert engine(source).run_round().complete
    # HQ's binding is gone (say, restored from a backup older than the registration).
    hq_server.kill()
    db = hq_server.database()
    with db.transaction() as conn:
        conn.execute("DELETE FROM officers")
    db.close()
    hq_server.restart()

    source.add_event()
    result = engine(source).run_round()
    assert result.complete and result.paused is None
    assert [c for c in source.calls if c[0] == "save_officer_registration"] == [
        ("save_officer_registration", "officer-a")] * 2
    assert _acting(hq_server) == ["officer-a"] * 2
