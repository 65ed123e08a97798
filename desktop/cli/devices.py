"""The device subcommands of `statement-room`: `devices list|read-id|read-mrz` and `emulate`.

`emulate KIND` serves an emulated ID-card reader, MRZ reader, GNSS receiver or body-worn
recorder on a pseudo-terminal and prints its path as the first line of stdout.

Wherever a port is asked for, a device path (`/dev/ttyUSB0`, `COM3`, a pseudo-terminal such
as `/dev/pts/5`) works as well as a URL (`socket://…`, `emu-idcard://`, …). Device errors
arrive as the hardware layer's typed errors and leave as translated `UserError`s.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from gettext import gettext as _
from typing import Any

from desktop.cli.common import Subparsers, action, add_json, group, print_json
from desktop.domain.errors import UserError
from desktop.services.identity import read_identity
from hardware.bodycam.emulator import BodycamEmulator
from hardware.discovery import list_candidate_ports, probe
from hardware.idcard.errors import IdCardError
from hardware.idcard.payload import IdCardRead
from hardware.mrz import Framing, MrzError
from hardware.mrz.reader import MrzReader
from hardware.pty import serve_on_pty
from hardware.transport import PortError, open_port
from hardware.urlhandlers import build_emulator

EMULATED = ("idcard", "mrz", "gnss", "bodycam")
DEFAULT_OPTIONS = {"idcard": {"card": "resident"}, "mrz": {"doc": "td3", "repeat": "3"}}


@contextlib.contextmanager
def device_errors() -> Iterator[None]:
    """Turn the hardware layer's typed errors into messages for the officer."""
    try:
        yield
    except (PortError, IdCardError, MrzError) as exc:
        raise UserError(exc.message) from exc


def cmd_devices_list(args: argparse.Namespace) -> int:
    ports = list_candidate_ports()
    rows = []
    for port in ports:
        found = None
        if args.probe:
            with contextlib.suppress(PortError):
                kind = probe(port.device)
                found = kind.value if kind else None
        rows.append({"device": port.device, "description": port.description,
                     "vid": port.vid, "pid": port.pid, "bridge": port.bridge,
                     "hint": port.hint.value if port.hint else None, "answers_as": found})
    if args.json:
        print_json({"ports": rows})
        return 0
    if not rows:
        print(_("No serial ports found. A pseudo-terminal or URL can still be given with "
                "--port (for example emu-idcard://)."))
    for row in rows:
        extra = f"  [{row['bridge']}]" if row["bridge"] else ""
        answer = f"  -> {row['answers_as']}" if row["answers_as"] else ""
        print(f"{row['device']}  {row['description']}{extra}{answer}")
    return 0


def mrz_json(record: Any) -> dict[str, Any]:
    return {
        "layout": str(record.layout), "document_type": record.document_type,
        "issuing_state": record.issuing_state, "surname": record.surname,
        "given_names": record.given_names, "document_number": record.document_number,
        "nationality": record.nationality, "birth_date": record.birth_date,
        "sex": record.sex, "expiry_date": record.expiry_date, "valid": record.valid,
        "checks": record.checks.as_dict(), "warnings": [str(w) for w in record.warnings],
    }


def cmd_read_mrz(args: argparse.Namespace) -> int:
    with device_errors():
        port = open_port(args.port, timeout=0.1)
        try:
            record = MrzReader(port, Framing(args.framing)).read_document(args.timeout)
        finally:
            port.close()
    result = mrz_json(record)
    if args.json:
        print_json(result)
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    if not record.valid:
        print(_("Warning: check digits failed for {fields}.").format(
            fields=", ".join(record.checks.failed())), file=sys.stderr)
    return 0


def identity_json(card: IdCardRead) -> dict[str, Any]:
    record = card.record
    return {
        "kind": record.kind.name.lower(), "name": record.name,
        "english_name": record.english_name, "nationality": record.nationality,
        "sex": record.sex_name,
        "nation": record.nation_name, "birth_date": record.birth_date,
        "id_number": record.id_number, "address": record.address,
        "authority": record.authority, "valid_from": record.valid_from,
        "valid_until": record.valid_until or "长期", "photo_sha256": card.photo_sha256,
        "warnings": list(record.warnings),
    }


def cmd_read_id(args: argparse.Namespace) -> int:
    result = identity_json(read_identity(args.port, wait=args.timeout))
    if args.json:
        print_json(result)
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    for warning in result["warnings"]:
        print(_("Warning: {warning}").format(warning=warning), file=sys.stderr)
    return 0


def cmd_emulate(args: argparse.Namespace) -> int:
    malformed = [option for option in args.option if "=" not in option]
    if malformed:
        raise UserError(_("Bad emulator option: {detail}").format(
            detail=_("{option} is not KEY=VALUE").format(option=malformed[0])))
    given = dict(option.split("=", 1) for option in args.option)
    # Served for people trying the program: a card on the reader, a document swiped
    # every few seconds, unless options say otherwise.
    params = {**DEFAULT_OPTIONS.get(args.kind, {}), **given}
    try:
        emulator = build_emulator(f"emu-{args.kind}", params)
    except ValueError as exc:
        raise UserError(_("Bad emulator option: {detail}").format(detail=exc)) from exc
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_args: done.set())
    with serve_on_pty(emulator) as server:
        print(server.path, flush=True)  # first line: the path a driver opens
        if isinstance(emulator, BodycamEmulator) and emulator.volume_root is not None:
            # Without -o root=DIR it is a new temporary directory: say where the files are.
            print(_("The recorder's storage is in {root}.").format(root=emulator.volume_root),
                  file=sys.stderr, flush=True)
        print(_("Emulated {kind} device on {path}; Ctrl+C stops it.").format(
            kind=args.kind, path=server.path), file=sys.stderr, flush=True)
        done.wait()
    return 0


def register(sub: Subparsers) -> None:
    """Add `devices list|read-id|read-mrz` and `emulate` (no store: they talk to devices)."""
    devices = group(sub, "devices", _("ID-card, MRZ and GNSS devices"), "devices_command")
    listing = action(devices, "list", cmd_devices_list,
                     _("list serial ports that may be devices"))
    listing.add_argument("--probe", action="store_true",
                         help=_("ask each port which device answers"))
    add_json(listing)
    read_id = action(devices, "read-id", cmd_read_id, _("read the ID card on an ID-card reader"))
    read_id.add_argument("--port", required=True, help=_("device path or URL"))
    read_id.add_argument("--timeout", type=float, default=10.0,
                         help=_("seconds to wait for a card"))
    add_json(read_id)
    mrz = action(devices, "read-mrz", cmd_read_mrz, _("read one document from an MRZ reader"))
    mrz.add_argument("--port", required=True, help=_("device path or URL"))
    mrz.add_argument("--framing", choices=[f.value for f in Framing], default=Framing.DESKO.value)
    mrz.add_argument("--timeout", type=float, default=30.0)
    add_json(mrz)
    emulate = action(sub, "emulate", cmd_emulate,
                     _("serve an emulated device on a pseudo-terminal"))
    emulate.add_argument("kind", choices=EMULATED)
    # A pseudo-terminal is the only way it serves; --pty is accepted to say so explicitly.
    emulate.add_argument("--pty", action="store_true",
                         help=_("serve on a pseudo-terminal (always; accepted for clarity)"))
    emulate.add_argument("-o", "--option", action="append", default=[],
                         help=_("emulator option KEY=VALUE, as in the emu-KIND:// URL"))
