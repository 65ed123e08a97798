"""The device subcommands of `statement-room`: `devices list|read-id|read-mrz|read-gnss` and
`emulate`.

`emulate KIND` serves an emulated ID-card reader, MRZ reader, GNSS receiver, fingerprint
reader or body-worn recorder on a pseudo-terminal and prints its path as the first line of
stdout. The ID-card reader's card is lifted with `l` and put back with `p` on standard input
(a key in a terminal, a line from a pipe). `devices list --probe` also lists the emulators
served so (`desktop.services.device_tools`), or says that none was found. `read-id` and
`read-mrz` print each field under its translated name; `--json` keeps the field keys.

Wherever a port is asked for, a device path (`/dev/ttyUSB0`, `COM3`, a pseudo-terminal such
as `/dev/pts/5`) works as well as a URL (`socket://…`, `emu-idcard://`, …). Every command goes
through the device service (`desktop.services.devices`), as the GUI does; device errors leave
it as translated `UserError`s. The commands print what the device itself says (the card's own
kind, the MRZ's check digits), so `read-id` and `read-mrz` show the hardware record.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import re
import signal
import sys
import threading
from gettext import gettext as _
from typing import TYPE_CHECKING, Any

from desktop.cli.common import Subparsers, action, add_json, group, print_json
from desktop.domain.errors import UserError
from desktop.services.device_kinds import EMULATED, Device
from hardware.mrz import Framing, MrzRecord

if TYPE_CHECKING:
    # The device service loads the store and every driver: each handler imports it when it
    # runs, not every start of the program (the parser imports every command module).
    from desktop.services import devices as device_service
    from hardware.idcard.payload import IdCardRead


def cmd_devices_list(args: argparse.Namespace) -> int:
    from desktop.services import devices as device_service
    from desktop.services.device_tools import served_emulators

    rows = [dataclasses.asdict(row) for row in device_service.list_ports(probe_each=args.probe)]
    emulators: list[dict[str, Any]] = [
        {"device": e.path, "kind": e.kind, "pid": e.pid} for e in served_emulators()
    ] if args.probe else []
    if args.json:
        print_json({"ports": rows, "emulators": emulators})
        return 0
    if not rows:
        print(_("No serial ports found. A pseudo-terminal or URL can still be given with "
                "--port (for example emu-idcard://)."))
    for row in rows:
        extra = f"  [{row['bridge']}]" if row["bridge"] else ""
        answer = f"  -> {row['answers_as']}" if row["answers_as"] else ""
        print(f"{row['device']}  {row['description']}{extra}{answer}")
    if args.probe and not emulators:
        print(_("No emulator was found on a pseudo-terminal (start one with "
                "`statement-room emulate KIND`)."))
    for emulator in emulators:
        print(_("{path}  emulated {device} (process {pid})").format(
            path=emulator["device"], device=device_service.device_name(
                Device(emulator["kind"])), pid=emulator["pid"]))
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
    from desktop.services import devices as device_service

    record = device_service.read_mrz(args.port, timeout=args.timeout,
                                     framing=Framing(args.framing))
    result = mrz_json(record)
    if args.json:
        print_json(result)
    else:
        _print_fields(result, mrz_labels())
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


def identity_labels() -> dict[str, str]:
    """What each field of `read-id` is called on screen (translated now)."""
    return {"kind": _("Card kind"), "name": _("Full name"), "english_name": _("English name"),
            "nationality": _("Nationality"), "sex": _("Sex"), "nation": _("Ethnic group"),
            "birth_date": _("Date of birth"), "id_number": _("ID number"),
            "address": _("Address"), "authority": _("Issuing authority"),
            "valid_from": _("Valid from"), "valid_until": _("Valid until"),
            "photo_sha256": _("Photo SHA-256"), "warnings": _("Warnings")}


def card_kind_names() -> dict[str, str]:
    """The card kinds `read-id` names (its JSON keeps the hardware's own name)."""
    return {"resident": _("Resident ID card"),
            "hmt_residence": _("HK/Macau/Taiwan residence permit"),
            "foreigner_2017": _("Foreigner permanent residence card (2017)"),
            "foreigner_2023": _("Foreigner permanent residence card (2023)")}


def mrz_labels() -> dict[str, str]:
    """What each field of `read-mrz` is called on screen (translated now)."""
    return {"layout": _("Layout"), "document_type": _("Document type"),
            "issuing_state": _("Issuing state"), "surname": _("Surname"),
            "given_names": _("Given names"), "document_number": _("Document number"),
            "nationality": _("Nationality"), "birth_date": _("Date of birth"),
            "sex": _("Sex"), "expiry_date": _("Date of expiry"), "valid": _("Check digits"),
            "checks": _("Check digit of each field"), "optional_data": _("Optional data"),
            "composite": _("Composite"), "warnings": _("Warnings")}


def _shown(value: Any) -> str:
    """A value as people read it: yes/no, lists and checks spelled out, never a repr."""
    if value is None or value == "" or value == [] or value == {}:
        return "-"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return "; ".join(_shown(v) for v in value)
    return str(value)


def _print_fields(result: dict[str, Any], labels: dict[str, str]) -> None:
    for key, value in result.items():
        if key == "valid":
            value = _("correct") if value else _("FAILED")
        elif key == "kind":
            value = card_kind_names().get(value, value)
        elif isinstance(value, dict):  # the MRZ's check of each field: named, yes/no
            value = "; ".join(f"{labels.get(name, name)} {_shown(ok)}"
                              for name, ok in value.items())
        print(f"{labels.get(key, key)}: {_shown(value)}")


def cmd_read_id(args: argparse.Namespace) -> int:
    from desktop.services import devices as device_service

    result = identity_json(device_service.read_id_card(args.port, wait=args.timeout))
    if args.json:
        print_json(result)
    else:
        _print_fields(result, identity_labels())
    for warning in result["warnings"]:
        print(_("Warning: {warning}").format(warning=warning), file=sys.stderr)
    return 0


def _option_problem(exc: ValueError) -> str:
    """An emulator's own (English) complaint about an option, in the officer's language."""
    text = str(exc)
    for pattern, message in (
        (r"unknown (?:emu-\w+ )?options?(?:\(s\))?: (.+)", _("unknown option(s): {0}")),
        (r"unknown card kind '(.+)'", _("unknown card kind {0}; use resident, hmt, "
                                        "foreigner2017 or foreigner2023")),
        (r"invalid literal for int\(\) with base 10: '(.*)'", _("{0} is not a whole number")),
        (r"could not convert string to float: '(.*)'", _("{0} is not a number")),
    ):
        found = re.fullmatch(pattern, text)
        if found:
            return message.format(*found.groups())
    return _("a value is not accepted ({detail})").format(detail=text)


def _control_card(served: device_service.Served, command_text: str) -> None:
    """One control typed to the ID-card emulator: lift the card or put it back."""
    from hardware.idcard.emulator import IdCardReaderEmulator

    emulator = served.emulator
    if not isinstance(emulator, IdCardReaderEmulator):
        return
    command_text = command_text.strip().lower()
    if command_text in ("l", "lift"):
        said = (_("The card is lifted off the reader.") if emulator.lift()
                else _("There is no card on the reader."))
    elif command_text in ("p", "place"):
        said = (_("The card is back on the reader.") if emulator.put_back()
                else _("No lifted card to put back (or a card is on the reader)."))
    elif command_text:
        said = _("Type l to lift the card, p to put it back.")
    else:
        return
    print(said, file=sys.stderr, flush=True)


def _read_controls(served: device_service.Served, done: threading.Event) -> None:
    """Controls from standard input: one key in a terminal, one line from a pipe."""
    stream = sys.stdin
    if stream is None:
        return
    if stream.isatty():
        import termios
        import tty

        saved = termios.tcgetattr(stream.fileno())
        tty.setcbreak(stream.fileno())  # a key acts at once; Ctrl+C still stops
        try:
            while not done.is_set():
                key = stream.read(1)
                if not key:
                    return
                _control_card(served, key)
        finally:
            termios.tcsetattr(stream.fileno(), termios.TCSADRAIN, saved)
        return
    for line in stream:
        _control_card(served, line)


def cmd_emulate(args: argparse.Namespace) -> int:
    from desktop.services import devices as device_service
    from desktop.services.device_tools import announce_emulator
    from hardware.idcard.emulator import IdCardReaderEmulator

    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_args: done.set())
    with contextlib.ExitStack() as stack:
        try:
            served = stack.enter_context(device_service.serve_emulator(Device(args.kind),
                                                                       args.option))
        except UserError as exc:
            if isinstance(exc.__cause__, ValueError):
                raise UserError(_("Bad emulator option: {detail}").format(
                    detail=_option_problem(exc.__cause__))) from exc
            raise
        stack.enter_context(announce_emulator(args.kind, served.path))
        print(served.path, flush=True)  # first line: the path a driver opens
        if served.storage is not None:
            # Without -o root=DIR it is a new temporary directory: say where the files are.
            print(_("The recorder's storage is in {root}.").format(root=served.storage),
                  file=sys.stderr, flush=True)
        print(_("{device} (emulated) on {path}; Ctrl+C stops it.").format(
            device=device_service.device_name(Device(args.kind)), path=served.path),
            file=sys.stderr, flush=True)
        if isinstance(served.emulator, IdCardReaderEmulator):
            print(_("Type l to lift the card, p to put it back."), file=sys.stderr, flush=True)
            threading.Thread(target=_read_controls, args=(served, done), daemon=True,
                             name="emulator-controls").start()
        done.wait()
    return 0


def cmd_read_gnss(args: argparse.Namespace) -> int:
    from desktop.services.device_tools import read_gnss

    fix = read_gnss(args.port, timeout=args.timeout)
    result = {"lat": fix.lat, "lon": fix.lon,
              "utc": fix.utc.isoformat() if fix.utc else None, "altitude": fix.altitude,
              "satellites": fix.satellites, "hdop": fix.hdop, "talker": fix.talker}
    if args.json:
        print_json(result)
        return 0
    labels = {"lat": _("Latitude"), "lon": _("Longitude"), "utc": _("Time (UTC)"),
              "altitude": _("Altitude (m)"), "satellites": _("Satellites"),
              "hdop": _("HDOP"), "talker": _("System")}
    for key, value in result.items():
        print(f"{labels[key]}: {_shown(value)}")
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
    read_gnss = action(devices, "read-gnss", cmd_read_gnss,
                       _("read one position from a GNSS receiver"))
    read_gnss.add_argument("--port", required=True, help=_("device path or URL"))
    read_gnss.add_argument("--timeout", type=float, default=10.0,
                           help=_("seconds to wait for a position"))
    add_json(read_gnss)
    emulate = action(sub, "emulate", cmd_emulate,
                     _("serve an emulated device on a pseudo-terminal"))
    emulate.add_argument("kind", choices=EMULATED)
    # A pseudo-terminal is the only way it serves; --pty is accepted to say so explicitly.
    emulate.add_argument("--pty", action="store_true",
                         help=_("serve on a pseudo-terminal (always; accepted for clarity)"))
    emulate.add_argument("-o", "--option", action="append", default=[],
                         help=_("emulator option KEY=VALUE, as in the emu-KIND:// URL"))
