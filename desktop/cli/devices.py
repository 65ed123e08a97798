"""The device subcommands of `statement-room`: `devices list|read-id|read-mrz` and `emulate`.

`emulate KIND` serves an emulated ID-card reader, MRZ reader, GNSS receiver or body-worn
recorder on a pseudo-terminal and prints its path as the first line of stdout.

Wherever a port is asked for, a device path (`/dev/ttyUSB0`, `COM3`, a pseudo-terminal such
as `/dev/pts/5`) works as well as a URL (`socket://…`, `emu-idcard://`, …). Every command goes
through the device service (`desktop.services.devices`), as the GUI does; device errors leave
it as translated `UserError`s. The commands print what the device itself says (the card's own
kind, the MRZ's check digits), so `read-id` and `read-mrz` show the hardware record.
"""

from __future__ import annotations

import argparse
import dataclasses
import signal
import sys
import threading
from gettext import gettext as _
from typing import Any

from desktop.cli.common import Subparsers, action, add_json, group, print_json
from desktop.services import devices as device_service
from desktop.services.devices import EMULATED, Device
from hardware.idcard.payload import IdCardRead
from hardware.mrz import Framing, MrzRecord


def cmd_devices_list(args: argparse.Namespace) -> int:
    rows = [dataclasses.asdict(row) for row in device_service.list_ports(probe_each=args.probe)]
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


def mrz_json(record: MrzRecord) -> dict[str, Any]:
    return {
        "layout": str(record.layout), "document_type": record.document_type,
        "issuing_state": record.issuing_state, "surname": record.surname,
        "given_names": record.given_names, "document_number": record.document_number,
        "nationality": record.nationality, "birth_date": record.birth_date,
        "sex": record.sex, "expiry_date": record.expiry_date, "valid": record.valid,
        "checks": record.checks.as_dict(), "warnings": [str(w) for w in record.warnings],
    }


def cmd_read_mrz(args: argparse.Namespace) -> int:
    record = device_service.read_mrz(args.port, timeout=args.timeout,
                                     framing=Framing(args.framing))
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
    result = identity_json(device_service.read_id_card(args.port, wait=args.timeout))
    if args.json:
        print_json(result)
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    for warning in result["warnings"]:
        print(_("Warning: {warning}").format(warning=warning), file=sys.stderr)
    return 0


def cmd_emulate(args: argparse.Namespace) -> int:
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_args: done.set())
    with device_service.serve_emulator(Device(args.kind), args.option) as served:
        print(served.path, flush=True)  # first line: the path a driver opens
        if served.storage is not None:
            # Without -o root=DIR it is a new temporary directory: say where the files are.
            print(_("The recorder's storage is in {root}.").format(root=served.storage),
                  file=sys.stderr, flush=True)
        print(_("Emulated {kind} device on {path}; Ctrl+C stops it.").format(
            kind=args.kind, path=served.path), file=sys.stderr, flush=True)
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
