"""The officers a device acts for: registration of their HQ keys, and their revocation.

``POST /v1/officers`` (docs/protocols/sync.md §1, decision 27) is signed by the device and by
the officer's own HQ key, whose public half the body brings with a proof of possession over
`officer_proof_bytes` (HQ, device, officer, key). HQ binds (device, officer) to that key on
the first registration; the same key again only refreshes the name. Another key for the same
(device, officer) is refused (409 ``officer_key_conflict``, with an alert) unless the body
names the bound key as the one it ``replaces`` (an administrator's password reset on the
device lost the old key): then HQ binds the new key and alerts its operator, who can revoke
the officer if nobody expected that reset.

The administrator revokes an officer on one device or on every device (``*``); revoked
officers are refused on every request (`hq.auth`) and cannot register again.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from starlette.requests import Request
from starlette.responses import Response

from hq.auth import authenticate
from hq.db import Database, Row
from hq.errors import HQError, read_body
from hq.records_api import json_response
from hq.state import HQState, now_ms
from sync.protocol.canonical import parse_canonical
from sync.protocol.requests import HEADER_OFFICER, officer_proof_bytes
from sync.protocol.signing import Signature, key_id_for, verify_bytes
from sync.protocol.wire import HEX64, fields, opt_str, req_str

__all__ = ["ALL_DEVICES", "list_officers", "post_officer", "revoke_officer"]

ALL_DEVICES = "*"
_MAX_BODY = 16 * 1024
_FIELDS = frozenset({"v", "officer_id", "name", "enforcement_no", "officer_key", "proof",
                     "replaces"})


def _public_key(what: str, value: str) -> Ed25519PublicKey:
    if not HEX64.fullmatch(value):
        raise HQError(400, "bad_request", f"{what} is 64 lowercase hex characters")
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(value))


async def post_officer(state: HQState, request: Request) -> Response:
    """Register (or confirm) the HQ key of the officer a device acts for."""
    body = await read_body(request, _MAX_BODY)
    try:
        d = fields("officer registration", parse_canonical(body), _FIELDS)
        officer = req_str("officer registration", d, "officer_id")
        name = req_str("officer registration", d, "name")
        enforcement_no = opt_str("officer registration", d, "enforcement_no")
        key_hex = req_str("officer registration", d, "officer_key")
        proof_hex = req_str("officer registration", d, "proof")
        replaces = opt_str("officer registration", d, "replaces")
    except ValueError as exc:
        raise HQError(400, "bad_request", str(exc)) from None
    if d["v"] != 1 or not officer or len(officer) > 64:
        raise HQError(400, "bad_request", "a registration is version 1 and names an officer")
    if request.headers.get(HEADER_OFFICER) != officer:
        raise HQError(400, "bad_request", "a registration is signed by the officer it names")
    key = _public_key("officer_key", key_hex)
    caller = authenticate(state, request, body, officer_key=key)
    try:
        proof = Signature.from_hex(key_id_for(key), proof_hex)
    except ValueError:
        raise HQError(401, "bad_officer_signature", "the registration's proof is malformed"
                      ) from None
    if not verify_bytes(officer_proof_bytes(state.hq_id, caller.device, officer, key_hex,
                                            replaces), proof, key):
        raise HQError(401, "bad_officer_signature", "the registration's proof does not verify")
    registered = _bind(state, caller.device, officer, key_hex, name, enforcement_no, replaces)
    return json_response({"v": 1, "officer": officer, "device": caller.device,
                          "key_id": key_id_for(key), "registered_ms": registered})


def _bind(state: HQState, device: str, officer: str, key_hex: str, name: str,
          enforcement_no: str | None, replaces: str | None) -> int:
    """Bind the key (first time), confirm it, or replace the bound one; the registered time."""
    key_id = key_id_for(_public_key("officer_key", key_hex))
    now = now_ms()
    with state.db.transaction() as conn:
        row = conn.execute("SELECT public_key, registered_ms FROM officers WHERE device = ? "
                           "AND officer_id = ?", (device, officer)).fetchone()
        if row is None:
            conn.execute("INSERT INTO officers (device, officer_id, public_key, key_id, name, "
                         "enforcement_no, registered_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (device, officer, key_hex, key_id, name, enforcement_no, now))
            return now
        if row["public_key"] == key_hex:
            conn.execute("UPDATE officers SET name = ?, enforcement_no = ? WHERE device = ? "
                         "AND officer_id = ?", (name, enforcement_no, device, officer))
            return int(row["registered_ms"])
        bound = str(row["public_key"])
        if replaces == bound:
            conn.execute("UPDATE officers SET public_key = ?, key_id = ?, name = ?, "
                         "enforcement_no = ?, registered_ms = ?, replaced_key = ? "
                         "WHERE device = ? AND officer_id = ?",
                         (key_hex, key_id, name, enforcement_no, now, bound, device, officer))
    if replaces == bound:
        state.receiver.alert("officer_key_replaced", device, f"officer {officer} ({name}) on "
                             f"device {device} has a new HQ key {key_id} (a password reset on "
                             "the device); revoke the officer if nobody expected it")
        return now
    state.receiver.alert("officer_key_conflict", device, f"officer {officer} ({name}) on "
                         f"device {device} came with another HQ key {key_id} than the one "
                         "registered; refused", key=f"officer-conflict/{device}/{officer}/"
                         f"{key_id}")
    raise HQError(409, "officer_key_conflict", f"officer {officer} has another HQ key "
                  f"registered for device {device}")


def revoke_officer(db: Database, device: str, officer: str) -> bool:
    """Revoke ``officer`` on ``device`` (``*``: on every device, also those it registers on
    later); False when no device registered that officer (the revocation is kept anyway)."""
    with db.transaction() as conn:
        conn.execute("INSERT INTO officer_revocations (device, officer_id, revoked_ms) "
                     "VALUES (?, ?, ?) ON CONFLICT (device, officer_id) DO NOTHING",
                     (device, officer, now_ms()))
        known = conn.execute("SELECT 1 FROM officers WHERE officer_id = ? AND (? = '*' OR "
                             "device = ?)", (officer, device, device)).fetchone()
    return known is not None


def list_officers(db: Database) -> list[Row]:
    """Every registered (device, officer) with its key and, if revoked, since when."""
    return db.all(
        "SELECT o.device, o.officer_id, o.name, o.enforcement_no, o.key_id, o.registered_ms, "
        "o.replaced_key, (SELECT MIN(r.revoked_ms) FROM officer_revocations r "
        "WHERE r.officer_id = o.officer_id AND r.device IN (o.device, '*')) AS revoked_ms "
        "FROM officers o ORDER BY o.device, o.registered_ms")
