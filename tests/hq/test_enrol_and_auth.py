"""A real HQ process: enrolment with one-time codes, and the signed requests that follow.

A device pins HQ's receipt key only from an answer whose MAC holds; a used, unknown or forged
code gets one and the same refusal; a lost answer is answered again, identically. After
enrolment every request is signed: a bad signature, a replayed nonce, an altered body, an
unknown or revoked device are refused, and a device whose clock is days off is not.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hq.enrolment import CODE_VALID_MS
from sync.protocol.canonical import canonical_json
from tests.hq.client import Device, enrolled
from tests.support.hq_server import RunningHQ


def test_a_device_enrols_once_with_a_code_and_pins_hqs_key(hq_server: RunningHQ) -> None:
    device = Device(hq_server)
    code = hq_server.enrol_code()
    first = device.enrol(code, name="interview room 2")
    assert first.status == 200, first.body
    info = hq_server.info()
    assert device.pinned is not None
    assert device.pinned.public_bytes_raw().hex() == info["receipt_key"]
    assert first.json()["device"] == device.id and first.json()["hq"] == info["hq"]
    # The answer was lost: the same code and key get the same answer, byte for byte.
    again = device.enrol(code, name="interview room 2")
    assert (again.status, again.body) == (200, first.body)
    # Anyone else with the used code is refused, exactly like an unknown code.
    stranger = Device(hq_server).enrol(code)
    unknown = Device(hq_server).enrol("0000000000-" + code.partition("-")[2])
    assert (stranger.status, stranger.error) == (401, "bad_code")
    assert (unknown.status, unknown.body) == (401, stranger.body)
    listed = hq_server.admin("devices")
    assert listed.returncode == 0 and device.id in listed.stdout
    assert "interview room 2" in listed.stdout


def test_a_wrong_mac_or_proof_enrols_nothing(hq_server: RunningHQ) -> None:
    code = hq_server.enrol_code()
    device = Device(hq_server)
    forged_mac = device.enrol(code, mac_secret="not-the-secret")
    assert (forged_mac.status, forged_mac.error) == (401, "bad_code")
    bad_proof = device.enrol(code, proof_key=Ed25519PrivateKey.generate())
    assert (bad_proof.status, bad_proof.error) == (401, "bad_signature")
    assert device.pinned is None
    assert device.id not in hq_server.admin("devices").stdout
    huge = device.raw("POST", "/v1/enrol", b"{" + b" " * (1024 * 1024) + b"}",
                      {"SR-Enrol-Code": code.partition("-")[0], "SR-Enrol-MAC": "00"})
    assert (huge.status, huge.error) == (413, "too_large")  # refused before it is read
    # The code was not spent by the failures.
    assert device.enrol(code).status == 200


def test_signed_requests_are_checked(hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    ok = device.call("GET", "/v1/log/head")
    assert ok.status == 200 and "sr-hq-time" in ok.headers and "date" in ok.headers

    forged = device.call("GET", "/v1/log/head", key=Ed25519PrivateKey.generate())
    assert (forged.status, forged.error) == (401, "bad_signature")

    other_path = device.raw("GET", "/v1/log/consistency?from=0&to=0",
                            headers=device.signed_headers("GET", "/v1/log/head", b""))
    assert (other_path.status, other_path.error) == (401, "bad_signature")

    headers = device.signed_headers("GET", "/v1/log/head", b"", nonce="nonce-1")
    assert device.raw("GET", "/v1/log/head", headers=headers).status == 200
    replayed = device.raw("GET", "/v1/log/head", headers=headers)
    assert (replayed.status, replayed.error) == (409, "replayed")

    body = canonical_json({"v": 1, "entries": []})
    headers = device.signed_headers("POST", "/v1/sync/manifest", body)
    altered = device.raw("POST", "/v1/sync/manifest", body.replace(b"[]", b"[ ]"), headers)
    assert (altered.status, altered.error) == (400, "body_mismatch")
    assert "sr-hq-time" in altered.headers  # refusals carry HQ's time too

    stranger = Device(hq_server).call("GET", "/v1/log/head")
    assert (stranger.status, stranger.error) == (401, "not_enrolled")


def test_a_clock_days_off_is_recorded_never_refused(hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    three_days = 3 * 24 * 3600 * 1000
    reply = device.call("GET", "/v1/log/head", time_ms=time.time_ns() // 1_000_000 - three_days)
    assert reply.status == 200
    offset = abs(int(reply.headers["sr-hq-time"]) - time.time_ns() // 1_000_000)
    assert offset < 60_000
    listed = hq_server.admin("devices").stdout
    skew = int(listed.split("clock offset ")[1].split(" ms")[0])
    assert -three_days - 60_000 < skew < -three_days + 60_000


def test_a_revoked_device_is_refused(hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    assert hq_server.admin("revoke-device", device.id).returncode == 0
    refused = device.call("GET", "/v1/log/head")
    assert (refused.status, refused.error) == (403, "device_revoked")
    assert "revoked" in hq_server.admin("devices").stdout
    unknown = hq_server.admin("revoke-device", "0123456789abcdef")
    assert unknown.returncode == 1 and "no device" in unknown.stderr
    # A new code does not bring a revoked key back.
    again = device.enrol(hq_server.enrol_code())
    assert (again.status, again.error) == (403, "device_revoked")


def test_an_expired_code_is_refused_like_an_unknown_one(hq_server: RunningHQ) -> None:
    code = hq_server.enrol_code()
    # A day passes: the code's expiry, as the administrator's CLI wrote it, is now behind us.
    db = hq_server.database()
    with db.transaction() as conn:
        conn.execute("UPDATE enrol_codes SET expires_ms = expires_ms - ?", (CODE_VALID_MS,))
    db.close()
    expired = Device(hq_server).enrol(code)
    unknown = Device(hq_server).enrol("0000000000-" + code.partition("-")[2])
    assert (expired.status, expired.body) == (401, unknown.body)


def test_the_admin_cli_says_what_went_wrong_in_its_exit_code(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "HQ_DATA"}
    root = Path(__file__).resolve().parents[2]
    no_data = subprocess.run([sys.executable, "-m", "hq", "devices"], cwd=root, env=env,
                             capture_output=True, text=True, check=False)
    assert no_data.returncode == 2 and "HQ_DATA" in no_data.stderr
    data = str(tmp_path / "hq")
    nothing = subprocess.run([sys.executable, "-m", "hq", "--data", data, "alerts"], cwd=root,
                             env=env, capture_output=True, text=True, check=False)
    assert (nothing.returncode, nothing.stdout.strip()) == (0, "no alerts")
