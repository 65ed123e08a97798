"""The sync round's JSON endpoints (docs/protocols/sync.md §4, §6): the manifest, records,
and HQ's receipt log.

- ``POST /v1/sync/manifest``: for each announced entry, its receipt if HQ holds it, or
  ``missing``, or ``conflicts`` (HQ holds other content under that id), plus the device's last
  countersigned audit head and HQ's signed receipt-log head.
- ``POST /v1/records``: one signed entry and its payload (base64), checked and kept by the
  `Receiver`; a tree head comes with its consistency proof and the last of its audit leaves.
- ``POST /v1/audit/leaves``: audit leaves ahead of their tree head, when there are more than
  one call carries (`hq.audittrail`).
- ``GET /v1/log/head``, ``GET /v1/log/consistency?from=&to=``: anyone enrolled may hold HQ to
  its log.
"""

from __future__ import annotations

import base64
import binascii
import errno
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from hq import restores
from hq.audittrail import MAX_LEAVES_PER_CALL, LeafBatch
from hq.auth import SignedCaller, authenticate
from hq.errors import HQError, read_body
from hq.receiver import AuditInconsistent, Conflict, Consistency, Refused
from hq.state import HQState
from sync.protocol.canonical import canonical_json, parse_canonical
from sync.protocol.records import OutboxEntry, RecordKind, parse_kind
from sync.protocol.signing import Signed
from sync.protocol.wire import HEX64

__all__ = ["MAX_MANIFEST_ENTRIES", "disk_full", "get_log_consistency", "get_log_head",
           "get_log_restores", "is_disk_full", "json_response", "post_audit_leaves",
           "post_manifest", "post_record", "refusal", "signed_entry"]

MAX_MANIFEST_ENTRIES = 1000
_MAX_RECORD_BODY = 96 * 1024 * 1024  # a record travels whole; media go by tus
_MAX_LEAVES_BODY = 8 * 1024 * 1024  # a device sends at most 4 MiB of leaf bytes per call


def json_response(value: object, status: int = 200) -> Response:
    return Response(canonical_json(value), status_code=status, media_type="application/json")


def refusal(exc: Refused) -> HQError:
    """The wire error for a refusal of the `Receiver`."""
    if isinstance(exc, AuditInconsistent):
        return HQError(409, "audit_inconsistent", exc.reason)
    if isinstance(exc, Conflict):
        return HQError(409, "conflict", exc.reason)
    return HQError(422, "refused", exc.reason)


def is_disk_full(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, errno.EDQUOT)


def disk_full() -> HQError:
    return HQError(507, "insufficient_storage", "HQ's disk is full; try again later",
                   {"Retry-After": "300"})


async def _json_body(state: HQState, request: Request, limit: int
                     ) -> tuple[SignedCaller, Mapping[str, object]]:
    body = await read_body(request, limit)
    caller = authenticate(state, request, body)
    try:
        value = parse_canonical(body)
    except ValueError as exc:
        raise HQError(400, "bad_request", f"the body is not canonical JSON: {exc}") from None
    if not isinstance(value, dict) or value.get("v") != 1:
        raise HQError(400, "bad_request", "the body must be a version 1 JSON object")
    return caller, value


def signed_entry(value: object, device: str) -> Signed[OutboxEntry]:
    """A submitted entry, parsed strictly, that the authenticated device may send."""
    try:
        submitted = Signed.from_json(value, OutboxEntry)
    except ValueError as exc:
        raise HQError(400, "bad_request", f"malformed outbox entry: {exc}") from None
    if submitted.body.device != device:
        raise HQError(400, "bad_request", f"device {device} cannot send the entries of "
                      f"device {submitted.body.device}")
    return submitted


def _consistency(value: object) -> Consistency | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"from_size", "proof"}:
        raise HQError(400, "bad_request", "consistency is {from_size, proof}")
    size, proof = value["from_size"], value["proof"]
    if (type(size) is not int or size < 0 or not isinstance(proof, list)
            or not all(isinstance(p, str) and HEX64.fullmatch(p) for p in proof)):
        raise HQError(400, "bad_request", "consistency.from_size is a size, proof hex hashes")
    return Consistency(size, tuple(bytes.fromhex(p) for p in proof))


def _leaf_batch(start: object, leaves: object) -> LeafBatch:
    if (type(start) is not int or start < 0 or not isinstance(leaves, list)
            or not all(isinstance(leaf, str) for leaf in leaves)):
        raise HQError(400, "bad_request", "audit leaves are a start index and a list of base64")
    if len(leaves) > MAX_LEAVES_PER_CALL:
        raise HQError(400, "bad_request", f"at most {MAX_LEAVES_PER_CALL} audit leaves per call")
    try:
        return LeafBatch(start, tuple(base64.b64decode(leaf, validate=True) for leaf in leaves))
    except binascii.Error:
        raise HQError(400, "bad_request", "an audit leaf is not base64") from None


async def post_record(state: HQState, request: Request) -> Response:
    caller, body = await _json_body(state, request, _MAX_RECORD_BODY)
    device = caller.device
    if not set(body) <= {"v", "entry", "payload_b64", "consistency", "leaves_from",
                         "leaves"} or not isinstance(body.get("payload_b64"), str):
        raise HQError(400, "bad_request", "a record is {v, entry, payload_b64[, consistency, "
                      "leaves_from, leaves]}")
    submitted = signed_entry(body.get("entry"), device)
    is_head = submitted.body.kind is RecordKind.TREE_HEAD
    if is_head != ("leaves" in body) or ("leaves" in body) != ("leaves_from" in body):
        raise HQError(400, "bad_request", "a tree head, and only a tree head, comes with "
                      "leaves_from and leaves")
    leaves = _leaf_batch(body["leaves_from"], body["leaves"]) if is_head else None
    try:
        payload = base64.b64decode(str(body["payload_b64"]), validate=True)
    except binascii.Error:
        raise HQError(400, "bad_request", "payload_b64 is not base64") from None
    try:
        receipt = state.receiver.accept(submitted, payload, _consistency(body.get("consistency")),
                                        leaves, officer=caller.officer)
    except Refused as exc:
        raise refusal(exc) from None
    except OSError as exc:
        if is_disk_full(exc):
            raise disk_full() from None
        raise
    return json_response({"receipt": receipt.to_json()})


async def post_audit_leaves(state: HQState, request: Request) -> Response:
    """``{v, from, leaves}`` → ``{v, leaves: how many HQ now holds}``."""
    caller, body = await _json_body(state, request, _MAX_LEAVES_BODY)
    device = caller.device
    if set(body) != {"v", "from", "leaves"}:
        raise HQError(400, "bad_request", "audit leaves are {v, from, leaves}")
    batch = _leaf_batch(body["from"], body["leaves"])
    try:
        held = state.receiver.stage_leaves(device, batch)
    except Refused as exc:
        raise refusal(exc) from None
    except OSError as exc:
        if is_disk_full(exc):
            raise disk_full() from None
        raise
    return json_response({"v": 1, "leaves": held})


async def post_manifest(state: HQState, request: Request) -> Response:
    caller, body = await _json_body(state, request, 4 * 1024 * 1024)
    device = caller.device
    entries = body.get("entries")
    if set(body) != {"v", "entries"} or not isinstance(entries, list):
        raise HQError(400, "bad_request", "a manifest is {v, entries}")
    if len(entries) > MAX_MANIFEST_ENTRIES:
        raise HQError(400, "bad_request", f"at most {MAX_MANIFEST_ENTRIES} entries per call")
    receipts: list[object] = []
    missing: list[str] = []
    conflicts: list[str] = []
    for item in entries:
        if not isinstance(item, dict) or not {"op_id", "kind", "entity_id", "sha256"} <= set(item):
            raise HQError(400, "bad_request", "each entry names op_id, kind, entity_id, sha256")
        try:
            kind = parse_kind(str(item["kind"]))
        except ValueError as exc:
            raise HQError(400, "bad_request", str(exc)) from None
        held = state.receiver.held(device, kind, str(item["entity_id"]))
        if held is None:
            missing.append(str(item["op_id"]))
        elif held[0] == item["sha256"]:
            receipts.append(held[1].to_json())
        else:
            conflicts.append(str(item["op_id"]))
    head = state.receiver.audit_head(device)
    audit = None if head is None else {"tree_size": head[0], "root_hash": head[1].hex(),
                                       "leaves": state.receiver.trails.verified(device).size}
    return json_response({"v": 1, "receipts": receipts, "missing": missing,
                          "conflicts": conflicts, "audit": audit,
                          "log": state.receiver.log.head().to_json()})


async def get_log_head(state: HQState, request: Request) -> Response:
    authenticate(state, request, b"")
    return json_response(state.receiver.log.head().to_json())


async def get_log_restores(state: HQState, request: Request) -> Response:
    """Every restore statement HQ signed (hq/restores.py): how a device learns, in HQ's
    signed words, that receipts it holds were lost in a restore."""
    authenticate(state, request, b"")
    return json_response({"v": 1, "restores": [s.to_json() for s in restores.statements(state)]})


async def get_log_consistency(state: HQState, request: Request) -> Response:
    authenticate(state, request, b"")
    try:
        old, new = int(request.query_params["from"]), int(request.query_params["to"])
        proof = state.receiver.log.consistency(old, new)
    except (KeyError, ValueError) as exc:
        raise HQError(400, "bad_request", f"from and to must be sizes of the log: {exc}"
                      ) from None
    return json_response({"proof": [p.hex() for p in proof]})
