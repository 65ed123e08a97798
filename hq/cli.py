"""``statement-room-hq`` (also ``python3 -m hq``): run the reference HQ and administer it.

    serve [--data DIR] [--host H] [--port P]   run HQ (uvicorn; httptools/uvloop if present)
    enrol-code                                 print a one-time code: <code_id>-<secret>
    devices | revoke-device DEVICE             list devices, revoke one
    officers | revoke-officer DEVICE|ALL ID    list officers' HQ keys, revoke an officer
    records | receipts [--device D]            what HQ holds and the receipts it gave
    alerts | quarantine | gaps                 what the operator must look at
    publish NAME FILE | datasets               publish reference data, list what is published

Every command takes ``--data DIR`` (or ``HQ_DATA``). Output is plain English (HQ has no
translations yet). Exit codes: 0 done and nothing to report; 1 the answer is a problem
(an unknown device to revoke, alerts, quarantined records or sequence gaps exist); 2 a usage
or configuration error.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from datetime import UTC, datetime

from hq import admin, officers
from hq.config import HQConfig
from hq.db import Database, open_database

__all__ = ["main"]


def _when(ms: object) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(int(str(ms)) / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="statement-room-hq",
                                     description="The reference HQ of Statement Room.")
    parser.add_argument("--data", help="data directory (default: $HQ_DATA)")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run HQ")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    for name in ("enrol-code", "devices", "officers", "alerts", "quarantine", "gaps"):
        commands.add_parser(name)
    commands.add_parser("revoke-device").add_argument("device")
    revoke_officer = commands.add_parser("revoke-officer", help="refuse an officer's requests")
    revoke_officer.add_argument("device", help="the device, or ALL for every device")
    revoke_officer.add_argument("officer", help="the officer's id (see `officers`)")
    for name in ("records", "receipts"):
        commands.add_parser(name).add_argument("--device")
    publish = commands.add_parser("publish", help="publish a reference dataset")
    publish.add_argument("name", help="roster, templates, revocations, laws or discretion")
    publish.add_argument("file")
    commands.add_parser("datasets")
    for sub in commands.choices.values():
        sub.add_argument("--data", default=argparse.SUPPRESS, help="data directory")
    return parser


def _serve(config: HQConfig) -> int:
    import uvicorn

    from hq.app import create_app

    try:
        app = create_app(config)
    except (ValueError, RuntimeError) as exc:  # another HQ's data, a newer schema, a bad key
        print(f"statement-room-hq: {exc}", file=sys.stderr)
        return 2
    print(f"HQ {app.state.hq.hq_id} serving http://{config.host}:{config.port}", flush=True)
    uvicorn.run(app, host=config.host, port=config.port, log_level="warning",
                http="httptools" if importlib.util.find_spec("httptools") else "h11",
                loop="uvloop" if importlib.util.find_spec("uvloop") else "asyncio")
    return 0


def _publish(config: HQConfig, name: str, file: str) -> int:
    from hq.refdata import publish
    from hq.state import open_hq

    try:
        with open(file, "rb") as source:
            data = source.read()
        state = open_hq(config)
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"statement-room-hq: {exc}", file=sys.stderr)
        return 2
    try:
        version, new = publish(state, name, data)
    except ValueError as exc:
        print(f"statement-room-hq: {exc}", file=sys.stderr)
        return 2
    finally:
        state.close()
    print(f"{name} version {version} " + ("published" if new else
                                          "unchanged: the same bytes are already published"))
    return 0


def _report(rows: list[str], empty: str) -> int:
    print("\n".join(rows) if rows else empty)
    return 1 if rows else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = HQConfig.from_env(args.data, host=getattr(args, "host", None),
                                   port=getattr(args, "port", None))
    except ValueError as exc:
        print(f"statement-room-hq: {exc}", file=sys.stderr)
        return 2
    if args.command == "serve":
        return _serve(config)
    if args.command == "publish":
        return _publish(config, args.name, args.file)
    db = open_database(config.db_path)
    try:
        return _admin(args, db)
    except BrokenPipeError:  # `records | head` closed the pipe: the reader has what it wants
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Python flushes stdout at exit
        return 0
    finally:
        db.close()


def _admin(args: argparse.Namespace, db: Database) -> int:
    command = args.command
    if command == "enrol-code":
        print(admin.new_enrol_code(db))
        return 0
    if command == "revoke-device":
        if admin.revoke_device(db, args.device):
            print(f"device {args.device} revoked")
            return 0
        print(f"no device {args.device} is enrolled", file=sys.stderr)
        return 1
    if command == "revoke-officer":
        device = officers.ALL_DEVICES if args.device.upper() == "ALL" else args.device
        known = officers.revoke_officer(db, device, args.officer)
        where = "every device" if device == officers.ALL_DEVICES else f"device {device}"
        print(f"officer {args.officer} revoked on {where}"
              + ("" if known else " (not registered there yet: refused if it ever is)"))
        return 0
    if command == "officers":
        for o in officers.list_officers(db):
            state = f"revoked {_when(o['revoked_ms'])}" if o["revoked_ms"] else "active"
            print(f"{o['device']}  {o['officer_id']}  {o['name']}  "
                  f"enforcement no. {o['enforcement_no'] or '-'}  key {o['key_id']}  "
                  f"registered {_when(o['registered_ms'])}  {state}"
                  + ("  (key replaced after a password reset)" if o["replaced_key"] else ""))
        return 0
    if command == "devices":
        for d in admin.devices(db):
            state = f"revoked {_when(d['revoked_ms'])}" if d["revoked_ms"] else "active"
            print(f"{d['device']}  {d['name'] or '-'}  enrolled {_when(d['enrolled_ms'])}  "
                  f"{state}  last seen {_when(d['last_seen_ms'])}  "
                  f"clock offset {d['last_skew_ms'] if d['last_skew_ms'] is not None else '-'} ms")
        return 0
    if command == "records":
        for r in admin.records(db, args.device):
            print(f"{r['device']} #{r['device_seq']}  {r['kind']} {r['entity_id']}  "
                  f"{r['size']} bytes  sha256 {r['sha256']}  receipt {r['log_index']}  "
                  f"{_when(r['received_ms'])}  officer {r['officer'] or '-'}")
        return 0
    if command == "receipts":
        for r in admin.receipts(db, args.device):
            print(f"{r['log_index']}  {r['device']}  {r['kind']} {r['entity_id']}  {r['receipt']}")
        return 0
    if command == "datasets":
        for row in admin.datasets(db):
            print(f"{row['name']} version {row['version']}  {row['size']} bytes  "
                  f"sha256 {row['sha256']}  published {_when(row['published_ms'])}")
        return 0
    if command == "alerts":
        return _report([f"{_when(a['raised_ms'])}  {a['kind']}  {a['message']}"
                        for a in admin.alerts(db)], "no alerts")
    if command == "quarantine":
        return _report([f"{_when(q['received_ms'])}  {q['device']} #{q['device_seq']}  "
                        f"{q['kind']} {q['entity_id']}  sha256 {q['sha256']}  {q['reason']}"
                        for q in admin.quarantine(db)], "nothing in quarantine")
    assert command == "gaps"
    return _report([f"device {device}: missing sequence numbers "
                    f"{', '.join(map(str, missing))}"
                    for device, missing in admin.gaps(db).items()], "no gaps")
