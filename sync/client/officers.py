"""Registering the acting officer's HQ key with HQ (``POST /v1/officers``, decision 27).

Once per HQ (and again when HQ answers ``401 officer_unknown``, or after an administrator's
password reset gave the officer a new key) the engine sends the officer's name, enforcement
number and HQ public key with a proof of possession. The request itself is signed by the
device and by that key (`transport.OfficerSigner`), so HQ learns the key from a request it
can already check. A new key names the one it replaces, which HQ accepts with an alert.
"""

from __future__ import annotations

from sync.client.source import ActingOfficer, Enrolment
from sync.client.transport import HqConnection, NetworkError
from sync.protocol.canonical import canonical_json
from sync.protocol.requests import officer_proof_bytes

__all__ = ["register_officer"]


def register_officer(conn: HqConnection, enrolment: Enrolment, officer: ActingOfficer) -> None:
    """Register ``officer``'s HQ key for this device; `HqError` when HQ refuses."""
    replaces = None if officer.registered_key in (None, officer.public_key_hex) \
        else officer.registered_key
    proof = officer.signer.sign_bytes(officer_proof_bytes(
        enrolment.hq_id, enrolment.device_id, officer.officer_id, officer.public_key_hex,
        replaces))
    body = canonical_json({"v": 1, "officer_id": officer.officer_id, "name": officer.name,
                           "enforcement_no": officer.enforcement_no,
                           "officer_key": officer.public_key_hex,
                           "proof": proof.value.hex(), "replaces": replaces})
    answer = conn.request("POST", "/v1/officers", body,
                          headers={"Content-Type": "application/json"}).json()
    if not isinstance(answer, dict) or answer.get("officer") != officer.officer_id:
        raise NetworkError("HQ's answer to the officer's registration is not one")
