"""``statement-room-hq`` (also ``python3 -m hq``): run the reference HQ and administer it.

    serve [--data DIR] [--host H] [--port P]   run HQ (uvicorn; httptools/uvloop if present)
    enrol-code                                 print a one-time code: <code_id>-<secret>
    devices | revoke-device DEVICE             list devices (with their audit trails), revoke one
    officers | revoke-officer DEVICE|ALL ID    list officers' HQ keys, revoke an officer
    records | receipts [--device D]            what HQ holds and the receipts it gave
    alerts | quarantine | gaps                 what the operator must look at
    janitor [--dry-run] | ack-alert ID         maintenance (`hq.opscli`)
    backup DEST | restore SRC                  backup and restore (`hq.backup`)
    publish NAME FILE | datasets               publish reference data, list what is published
    laws import PATH... [--edition E] [--compiled DATE] [--collection C] [--snapshot S]
                        [--origin O] [--level FILE=LEVEL]
                                               read statute texts and publish the law library
                                               (`hq.laws`)
    discretion import FILE --id … [--example]  check the bureau's discretion table and publish it
                                               (`hq.discretion`)
    ca init --unit U | ca import ROOT_KEY_FILE --passphrase-file F | ca show
                                               HQ as the unit CA: devices enrolling then
                                               receive their signing certificate
    users add NAME --role R | users list | users disable NAME
                                               the supervision room's users (`hq.web`)

Every command takes ``--data DIR`` (or ``HQ_DATA``) and ``--lang zh_CN|en`` (or ``HQ_LANG``;
Chinese by default, `hq.i18n`): help, listings and messages are in the operator's language,
while what HQ keeps and sends (alerts' and quarantine reasons, wire errors) stays English. The
code `enrol-code` prints is alone on stdout (scripts read it). Exit codes: 0 done and nothing
to report; 1 the answer is a problem (an unknown device to revoke, alerts, quarantined records
or sequence gaps exist); 2 a usage or configuration error.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from datetime import UTC, datetime
from gettext import gettext as _
from gettext import ngettext

from hq import admin, officers, opscli
from hq import discretion as discretion_cli
from hq.config import HQConfig
from hq.db import Database, open_database
from hq.enrolment import CODE_VALID_MS
from hq.i18n import LANGUAGES, peek_language, set_language
from hq.laws import add_laws_parser, run_laws
from hq.web.cli import add_users_parser, run_users

__all__ = ["main"]


def _when(ms: object) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(int(str(ms)) / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="statement-room-hq",
                                     description=_("The reference HQ server of Statement Room."))
    parser.add_argument("--data", help=_("data directory (default: $HQ_DATA)"))
    parser.add_argument("--db-url", help=_("a postgresql:// database instead of the SQLite "
                                           "file in the data directory (default: $HQ_DB_URL)"))
    language = _("the operator's language (default: $HQ_LANG, else zh_CN)")
    parser.add_argument("--lang", choices=LANGUAGES, help=language)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help=_("run the HQ server"))
    serve.add_argument("--host", help=_("the address to listen on (default: $HQ_HOST, else "
                                        "127.0.0.1)"))
    serve.add_argument("--port", type=int, help=_("the port to listen on (default: $HQ_PORT, "
                                                  "else 8470)"))
    helps = {"enrol-code": _("print a one-time enrolment code for a device: "
                             "<code_id>-<secret>"),
             "devices": _("list the enrolled devices"),
             "officers": _("list the officers each device acts for, with their HQ keys"),
             "alerts": _("list the alerts the operator must look at"),
             "quarantine": _("list the records set aside for review (same id, other content)"),
             "gaps": _("list the sequence numbers missing per device")}
    for name in ("enrol-code", "devices", "officers", "alerts", "quarantine", "gaps"):
        commands.add_parser(name, help=helps[name])
    commands.add_parser("revoke-device", help=_("revoke a device: it is refused from now on")
                        ).add_argument("device", help=_("the device's id (see devices)"))
    helps = {"records": _("list the records HQ holds"),
             "receipts": _("list the receipts HQ gave")}
    revoke_officer = commands.add_parser("revoke-officer",
                                         help=_("refuse an officer's requests from now on"))
    revoke_officer.add_argument("device", help=_("the device, or ALL for every device"))
    revoke_officer.add_argument("officer", help=_("the officer's id (see officers)"))
    for name in ("records", "receipts"):
        commands.add_parser(name, help=helps[name]).add_argument(
            "--device", help=_("only this device's"))
    publish = commands.add_parser("publish", help=_("publish a reference dataset"))
    publish.add_argument("name", help=_("roster, templates, revocations, laws or discretion"))
    publish.add_argument("file", help=_("the dataset's file"))
    commands.add_parser("datasets", help=_("list every published version of the reference "
                                           "datasets"))
    ca = commands.add_parser("ca", help=_("HQ as the unit CA (certificates at enrolment)"))
    ca_commands = ca.add_subparsers(dest="ca_command", required=True)
    ca_commands.add_parser("init", help=_("make a new unit root")).add_argument(
        "--unit", required=True, help=_("the unit's name (O= of every certificate)"))
    imported = ca_commands.add_parser(
        "import", help=_("take the root key file `statement-room ca init` wrote"))
    imported.add_argument("root_key_file", help=_("the root key file"))
    imported.add_argument("--passphrase-file", required=True,
                          help=_("a file holding the root key's passphrase (one line)"))
    ca_commands.add_parser("show", help=_("the root and the certificates issued"))
    opscli.add_commands(commands)
    discretion_commands = discretion_cli.add_commands(commands)
    users_commands = add_users_parser(commands)
    laws_commands = add_laws_parser(commands)
    for sub in (*commands.choices.values(), *ca_commands.choices.values(), *users_commands,
                *laws_commands, *discretion_commands):
        sub.add_argument("--data", default=argparse.SUPPRESS, help=_("data directory"))
        sub.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS, help=language)
    return parser


def _serve(config: HQConfig) -> int:
    import uvicorn

    from hq.app import create_app
    from hq.opsconfig import OpsSettings
    from hq.requestlog import configure_logging

    try:
        settings = OpsSettings.from_env()
        configure_logging(settings)
        app = create_app(config, settings)
    except (ValueError, RuntimeError, OSError) as exc:  # another HQ's data, a newer schema,
        print(f"statement-room-hq: {exc}", file=sys.stderr)  # a bad key or setting
        return 2
    print(_("HQ server {hq} serving http://{host}:{port}").format(
        hq=app.state.hq.hq_id, host=config.host, port=config.port), flush=True)
    # uvicorn's own messages go through HQ's log handler (`hq.requestlog`), in its format.
    uvicorn.run(app, host=config.host, port=config.port, log_level="warning",
                log_config=None, access_log=False,
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
    print((_("{name} version {version} published") if new else
           _("{name} version {version} unchanged: the same bytes are already published")
           ).format(name=name, version=version))
    return 0


def _revoke(config: HQConfig, device: str) -> int:
    """Revoke a device and its certificates, and publish those in ``revocations``."""
    from hq.revocations import publish_revoked_certificates
    from hq.state import open_hq

    try:
        state = open_hq(config)
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"statement-room-hq: {exc}", file=sys.stderr)
        return 2
    try:
        if not admin.revoke_device(state.db, device):
            print(_("no device {device} is enrolled").format(device=device), file=sys.stderr)
            return 1
        print(_("device {device} revoked, with the certificates HQ issued it").format(
            device=device))
        try:
            version = publish_revoked_certificates(state)
        except ValueError as exc:  # a hand-published list HQ cannot read: say so, keep it
            print(_("statement-room-hq: the revoked certificates were not published: {reason}"
                    ).format(reason=exc), file=sys.stderr)
            return 1
        if version is not None:
            print(_("revocations version {version} published with its certificates").format(
                version=version))
        return 0
    finally:
        state.close()


def _passphrase(path: str) -> bytes:
    """The passphrase in `path`: its first line, without the line ending an editor adds."""
    with open(path, "rb") as source:
        return source.read().split(b"\n", 1)[0].removesuffix(b"\r")


def _ca(config: HQConfig, args: argparse.Namespace) -> int:
    from hq import unit_ca

    config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        if args.ca_command == "init":
            ca = unit_ca.init_ca(config.data_dir, args.unit)
        elif args.ca_command == "import":
            with open(args.root_key_file, "rb") as source:
                data = source.read()
            ca = unit_ca.import_ca(config.data_dir, data, _passphrase(args.passphrase_file))
        else:
            held = unit_ca.load_ca(config.data_dir)
            if held is None:
                print(_("HQ holds no unit CA: devices enrol without a certificate"))
                return 0
            ca = held
    except (OSError, ValueError) as exc:
        print(f"statement-room-hq: {exc}", file=sys.stderr)
        return 2
    cert = ca.certificate
    print(_("unit CA of {unit}: {subject}\n  sha256 {sha256}\n  valid {start} to {end}").format(
        unit=ca.unit, subject=cert.subject.rfc4514_string(), sha256=unit_ca.fingerprint(cert),
        start=f"{cert.not_valid_before_utc:%Y-%m-%d}", end=f"{cert.not_valid_after_utc:%Y-%m-%d}"))
    if args.ca_command != "show":
        print(_("devices enrolling from now on receive their signing certificate; give "
                "devices that enrolled before a new code"))
        return 0
    db = open_database(config.database)
    try:
        issued = admin.device_certificates(db)
    finally:
        db.close()
    print(ngettext("{n} device certificate issued", "{n} device certificates issued",
                   len(issued)).format(n=len(issued)))
    for row in issued:
        state = (_("revoked {when}").format(when=_when(row["revoked_ms"]))
                 if row["revoked_ms"] else _("valid"))
        print(_("  serial {serial}  device {device}  issued {issued}  until {until}  {state}"
                ).format(serial=row["serial"], device=row["device"],
                         issued=_when(row["issued_ms"]), until=_when(row["not_after_ms"]),
                         state=state))
    return 0


def _report(rows: list[str], empty: str) -> int:
    print("\n".join(rows) if rows else empty)
    return 1 if rows else 0


def main(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    set_language(peek_language(arguments))
    args = _parser().parse_args(arguments)
    try:
        config = HQConfig.from_env(args.data, host=getattr(args, "host", None),
                                   port=getattr(args, "port", None), db_url=args.db_url)
    except ValueError as exc:
        print(f"statement-room-hq: {exc}", file=sys.stderr)
        return 2
    if args.command == "serve":
        return _serve(config)
    if args.command == "publish":
        return _publish(config, args.name, args.file)
    if args.command == "ca":
        return _ca(config, args)
    if args.command == "revoke-device":
        return _revoke(config, args.device)
    if args.command in opscli.COMMANDS:
        return opscli.run(config, args)
    if args.command in discretion_cli.COMMANDS:
        return discretion_cli.run(config, args)
    if args.command == "users":
        return run_users(config, args)
    if args.command == "laws":
        return run_laws(config, args)
    db = open_database(config.database)
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
        # stdout holds the code alone (scripts read it); the operator's note goes to stderr.
        print(_("A one-time enrolment code, valid for {hours} hours: give it to the "
                "administrator of the device to enrol.").format(
                    hours=CODE_VALID_MS // 3_600_000), file=sys.stderr)
        return 0
    if command == "revoke-officer":
        device = officers.ALL_DEVICES if args.device.upper() == "ALL" else args.device
        known = officers.revoke_officer(db, device, args.officer)
        if device == officers.ALL_DEVICES:
            done = _("officer {officer} revoked on every device").format(officer=args.officer)
        else:
            done = _("officer {officer} revoked on device {device}").format(
                officer=args.officer, device=device)
        print(done if known else done + _(" (not registered there yet: refused if it ever is)"))
        return 0
    if command == "officers":
        for o in officers.list_officers(db):
            state = (_("revoked {when}").format(when=_when(o["revoked_ms"]))
                     if o["revoked_ms"] else _("active"))
            print(_("{device}  {officer}  {name}  enforcement no. {number}  key {key}  "
                    "registered {when}  {state}").format(
                device=o["device"], officer=o["officer_id"], name=o["name"],
                number=o["enforcement_no"] or "-", key=o["key_id"],
                when=_when(o["registered_ms"]), state=state)
                  + (_("  (key replaced after a password reset)") if o["replaced_key"] else ""))
        return 0
    if command == "devices":
        for d in admin.devices(db):
            state = (_("revoked {when}").format(when=_when(d["revoked_ms"]))
                     if d["revoked_ms"] else _("active"))
            head = (_("no head countersigned") if d["audit_size"] is None else
                    _("head countersigned at {size} (root {root}) {when}").format(
                        size=d["audit_size"], root=d["audit_root"][:16],
                        when=_when(d["countersigned_ms"])))
            print(_("{device}  {name}  enrolled {enrolled}  {state}  certificate {serial}  "
                    "last seen {seen}  clock offset {offset} ms  audit trail {leaves} events "
                    "held, {head}").format(
                device=d["device"], name=d["name"] or "-", enrolled=_when(d["enrolled_ms"]),
                state=state, serial=d["certificate_serial"] or "-", seen=_when(d["last_seen_ms"]),
                offset=d["last_skew_ms"] if d["last_skew_ms"] is not None else "-",
                leaves=d["audit_leaves"], head=head))
        return 0
    if command == "records":
        for r in admin.records(db, args.device):
            print(_("{device} #{seq}  {kind} {id}  {size} bytes  sha256 {sha256}  "
                    "receipt {index}  {received}  officer {officer}").format(
                device=r["device"], seq=r["device_seq"], kind=r["kind"], id=r["entity_id"],
                size=r["size"], sha256=r["sha256"], index=r["log_index"],
                received=_when(r["received_ms"]), officer=r["officer"] or "-"))
        return 0
    if command == "receipts":
        for r in admin.receipts(db, args.device):
            print(f"{r['log_index']}  {r['device']}  {r['kind']} {r['entity_id']}  {r['receipt']}")
        return 0
    if command == "datasets":
        for row in admin.datasets(db):
            print(_("{name} version {version}  {size} bytes  sha256 {sha256}  "
                    "published {when}").format(
                name=row["name"], version=row["version"], size=row["size"],
                sha256=row["sha256"], when=_when(row["published_ms"])))
        return 0
    if command == "alerts":
        alerts = admin.alerts(db)
        if not alerts:
            print(_("no alerts"))
        for a in alerts:
            acked = a["acknowledged_ms"]
            print(f"{a['id']}  {_when(a['raised_ms'])}  {a['kind']}  {a['message']}"
                  + (_("  (acknowledged {when})").format(when=_when(acked)) if acked else ""))
        # A problem to report while an alert is open; acknowledged ones are only listed.
        return 1 if any(not a["acknowledged_ms"] for a in alerts) else 0
    if command == "quarantine":
        return _report([f"{_when(q['received_ms'])}  {q['device']} #{q['device_seq']}  "
                        f"{q['kind']} {q['entity_id']}  sha256 {q['sha256']}  {q['reason']}"
                        for q in admin.quarantine(db)], _("nothing in quarantine"))
    assert command == "gaps"
    return _report([_("device {device}: missing sequence numbers {numbers}").format(
                        device=device, numbers=", ".join(map(str, missing)))
                    for device, missing in admin.gaps(db).items()], _("no gaps"))
