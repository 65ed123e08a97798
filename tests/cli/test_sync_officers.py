"""Every request to HQ is the device's and, in an officer's session, that officer's too
(decision 27), on a store made with `statement-room init` and two officers, against a real
HQ process: each officer's rounds are filed at HQ under that officer; one officer cannot sign
as the other; an officer-signed request replayed does nothing; an officer HQ revoked is told
so in words while the other officer on the same device still syncs; a password change keeps
the officer's key, an administrator's reset brings a new one HQ accepts with an alert; and a
request that names no officer (an older client) is still served."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop.store import audit, sync_state
from desktop.store.store import Store, StorePaths, unlock
from sync.client.officers import register_officer
from sync.client.source import ActingOfficer, Enrolment
from sync.client.transport import HqConnection, HqError, OfficerSigner
from sync.protocol.canonical import canonical_json
from sync.protocol.signing import Ed25519Signer
from tests.cli.helpers import last_json, run_cli
from tests.cli.test_cli_end_to_end import ADMIN, FIRST, SECOND, UNIT, login, ok
from tests.support.hq_server import RunningHQ, hq_server

__all__ = ["hq_server"]

MANIFEST = canonical_json({"v": 1, "entries": []})


def _init_with_two_officers(tmp_path: Path, hq: RunningHQ) -> Path:
    store = tmp_path / "store"
    ok(run_cli("init", "--workdir", str(store), "--name", ADMIN[0], "--certificate", ADMIN[1],
               "--unit", UNIT, env=login(ADMIN)))
    for name, number, password in (FIRST, SECOND):
        ok(run_cli("officer", "add", "--workdir", str(store), "--name", name, "--certificate",
                   number, "--unit", UNIT,
                   env={**login(ADMIN), "STATEMENT_ROOM_NEW_PASSWORD": password}))
    ok(run_cli("sync", "enrol", "--workdir", str(store), "--hq", hq.url, "--code",
               hq.enrol_code(), env=login(ADMIN)))
    return store


def _officer_ids(store: Path) -> dict[str, str]:
    listed = last_json(ok(run_cli("officer", "list", "--workdir", str(store), "--json",
                                  env=login(ADMIN))).stdout)["officers"]
    return {o["certificate"]: o["id"] for o in listed}


def _sync(store: Path, person: tuple[str, str, str]) -> dict[str, object]:
    return last_json(run_cli("sync", "--workdir", str(store), "--json", env=login(person)).stdout)


def _acting(hq: RunningHQ) -> list[str]:
    """The acting officer of each record HQ holds, in the device's order."""
    lines = hq.admin("records").stdout.splitlines()
    return [line.rsplit("officer ", 1)[1] for line in lines if line.strip()]


@contextmanager
def _session(store: Path, person: tuple[str, str, str]) -> Iterator[tuple[Store, Enrolment]]:
    session = unlock(StorePaths(store), person[1], person[2])
    try:
        with session.reading() as conn:
            enrolled = sync_state.enrolment(conn)
        assert enrolled is not None
        yield session, enrolled
    finally:
        session.close(sign=False)


def _connection(session: Store, enrolled: Enrolment, officer: OfficerSigner | None
                ) -> HqConnection:
    with session.reading() as conn:
        device_key = audit.device_private_key(conn)
    return HqConnection(enrolled.hq_url, hq_id=enrolled.hq_id, device_key=device_key,
                        officer=officer)


def test_each_officer_acts_as_themselves_and_nobody_else(tmp_path: Path,
                                                         hq_server: RunningHQ) -> None:
    store = _init_with_two_officers(tmp_path, hq_server)
    ids = _officer_ids(store)
    first, second = ids[FIRST[1]], ids[SECOND[1]]

    done = _sync(store, FIRST)
    assert done["complete"] and done["failed"] == 0, done
    acting = _acting(hq_server)
    assert acting and set(acting) == {first}  # the round by the first officer, all of it
    before = len(acting)
    assert _sync(store, SECOND)["complete"]
    assert set(_acting(hq_server)[before:]) == {second}
    listed = hq_server.admin("officers").stdout
    assert FIRST[0] in listed and SECOND[0] in listed and "active" in listed

    with _session(store, SECOND) as (session, enrolled):
        own_key = session.officer_hq_key
        assert own_key is not None
        # The second officer names the first but can only sign with their own key.
        forged = _connection(session, enrolled, OfficerSigner(first, Ed25519Signer(own_key)))
        try:
            with pytest.raises(HqError) as refused:
                forged.request("POST", "/v1/sync/manifest", MANIFEST)
        finally:
            forged.close()
        assert (refused.value.status, refused.value.code) == (401, "bad_officer_signature")

        # Nor can they register their key as the first officer's, or bind themselves a
        # second key without naming the one it replaces: HQ refuses and alerts its operator.
        for claimed, key in ((first, own_key), (second, Ed25519PrivateKey.generate())):
            claim = ActingOfficer(
                officer_id=claimed, name=SECOND[0], enforcement_no=SECOND[1],
                signer=Ed25519Signer(key),
                public_key_hex=key.public_key().public_bytes_raw().hex(), registered_key=None)
            connection = _connection(session, enrolled, OfficerSigner(claimed,
                                                                      Ed25519Signer(key)))
            try:
                with pytest.raises(HqError) as conflict:
                    register_officer(connection, enrolled, claim)
            finally:
                connection.close()
            assert (conflict.value.status, conflict.value.code) == (409, "officer_key_conflict")
        assert hq_server.admin("alerts").stdout.count("officer_key_conflict") == 2

        # An officer-signed request sent twice does nothing the second time.
        honest = _connection(session, enrolled, OfficerSigner(second, Ed25519Signer(own_key)))
        headers = {"Content-Type": "application/json", "Content-Length": str(len(MANIFEST)),
                   **honest.signature_headers("POST", "/v1/sync/manifest", MANIFEST)}
        raw = http.client.HTTPConnection("127.0.0.1", hq_server.port, timeout=10)
        try:
            statuses = []
            for _ in range(2):
                raw.request("POST", "/v1/sync/manifest", MANIFEST, headers)
                answer = raw.getresponse()
                statuses.append((answer.status, answer.read()))
        finally:
            raw.close()
        assert statuses[0][0] == 200
        assert statuses[1][0] == 409 and b'"replayed"' in statuses[1][1]

        # An older client names no officer: its device signature alone is still served.
        old = _connection(session, enrolled, None)
        try:
            assert old.request("POST", "/v1/sync/manifest", MANIFEST).status == 200
        finally:
            old.close()


def test_a_revoked_officer_is_told_while_the_other_still_syncs(tmp_path: Path,
                                                               hq_server: RunningHQ) -> None:
    store = _init_with_two_officers(tmp_path, hq_server)
    ids = _officer_ids(store)
    assert _sync(store, FIRST)["complete"]
    device = hq_server.admin("devices").stdout.split()[0]
    revoked = hq_server.admin("revoke-officer", device, ids[FIRST[1]])
    assert revoked.returncode == 0 and "revoked" in revoked.stdout

    refused = run_cli("sync", "--workdir", str(store), env=login(FIRST))
    assert refused.returncode == 1
    assert "HQ has revoked your permission to sync from this device" in refused.stderr
    before = len(_acting(hq_server))
    still = _sync(store, SECOND)
    assert still["complete"], still
    assert set(_acting(hq_server)[before:]) == {ids[SECOND[1]]}
    assert "revoked" in hq_server.admin("officers").stdout


def test_a_password_change_keeps_the_key_and_a_reset_replaces_it_with_an_alert(
        tmp_path: Path, hq_server: RunningHQ) -> None:
    store = _init_with_two_officers(tmp_path, hq_server)
    ids = _officer_ids(store)
    assert _sync(store, FIRST)["complete"] and _sync(store, SECOND)["complete"]

    # The first officer changes their own password: the same key, re-wrapped.
    changed = (FIRST[0], FIRST[1], "Officer2026changed")
    ok(run_cli("password", "--workdir", str(store),
               env={**login(FIRST), "STATEMENT_ROOM_NEW_PASSWORD": changed[2]}))
    before = len(_acting(hq_server))
    assert _sync(store, changed)["complete"]
    assert set(_acting(hq_server)[before:]) == {ids[FIRST[1]]}

    # An administrator resets the second officer's password: the old key cannot be opened
    # any more; the next login makes a new one, which HQ takes as its replacement, alerting.
    reset = (SECOND[0], SECOND[1], "Officer2026renewed")
    ok(run_cli("officer", "reset-password", "--workdir", str(store), SECOND[1],
               env={**login(ADMIN), "STATEMENT_ROOM_NEW_PASSWORD": reset[2]}))
    before = len(_acting(hq_server))
    done = _sync(store, reset)
    assert done["complete"], done
    assert set(_acting(hq_server)[before:]) == {ids[SECOND[1]]}
    assert "officer_key_replaced" in hq_server.admin("alerts").stdout
    assert "key replaced after a password reset" in hq_server.admin("officers").stdout
