"""`statement-room ca init|issue`: a unit's own CA for a unit without a bureau CA (decision 0015).

`ca init --unit U --out DIR` writes DIR/root.cert.pem and DIR/root.key.json (the root key
under Argon2id + AES-256-GCM; passphrase from `config.CA_PASSPHRASE` or asked twice)
and refuses to overwrite. `ca issue --root DIR --kind officer|seal|device --name N
[--certificate C] --unit U --out FILE.p12` issues a certificate and writes its .p12 (key,
certificate, root) under `config.P12_PASSPHRASE` or a passphrase asked twice (variables of
`desktop.config`). Neither needs a store.
"""

from __future__ import annotations

import argparse
from gettext import gettext as _
from pathlib import Path

from desktop import config
from desktop.cli.common import Subparsers, action, group, secret
from desktop.domain.errors import UserError
from desktop.i18n import os_error_text

ROOT_CERT = "root.cert.pem"
ROOT_KEY = "root.key.json"


def _passphrase(env: str, prompt: str, confirm: bool) -> bytes:
    return secret(env, prompt, confirm, passphrase=True).encode("utf-8")


def _write_new(path: Path, data: bytes) -> None:
    try:
        with open(path, "xb") as out:
            out.write(data)
    except FileExistsError:
        raise UserError(_("{path} exists; refusing to overwrite it.").format(path=path)) \
            from None
    except OSError as exc:
        raise UserError(_("Cannot write {path}: {error}").format(
            path=path, error=os_error_text(exc))) from exc
    path.chmod(0o600)


def cmd_ca_init(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives import serialization

    from desktop.documents import unit_ca  # the crypto stack loads only when a command runs
    from desktop.services import ca_root

    out: Path = args.out
    for name in (ROOT_CERT, ROOT_KEY):
        if (out / name).exists():
            raise UserError(_("{path} exists; refusing to overwrite it.").format(
                path=out / name))
    passphrase = _passphrase(config.CA_PASSPHRASE, _("Passphrase for the root key: "), True)
    root = unit_ca.create_unit_root(args.unit, years=args.years)
    sealed = ca_root.export_root_key(root, passphrase)
    out.mkdir(parents=True, exist_ok=True)
    _write_new(out / ROOT_KEY, sealed)
    _write_new(out / ROOT_CERT, root.certificate.public_bytes(serialization.Encoding.PEM))
    (out / ROOT_CERT).chmod(0o644)
    print(_("Unit root created: {cert}. Keep {key} and its passphrase offline.").format(
        cert=out / ROOT_CERT, key=out / ROOT_KEY))
    return 0


def cmd_ca_issue(args: argparse.Namespace) -> int:
    from desktop.documents import unit_ca
    from desktop.services import ca_root

    key_path: Path = args.root / ROOT_KEY
    try:
        data = key_path.read_bytes()
    except OSError as exc:
        raise UserError(_("Cannot read the root key {path}.").format(path=key_path)) from exc
    if args.out.exists():
        raise UserError(_("{path} exists; refusing to overwrite it.").format(path=args.out))
    root = ca_root.load_root_key(
        data, _passphrase(config.CA_PASSPHRASE, _("Passphrase for the root key: "), False))
    issued = unit_ca.issue(root, args.kind, name=args.name, unit=args.unit,
                           certificate_no=args.certificate, years=args.years)
    p12 = unit_ca.pkcs12_for(issued, issued.chain, _passphrase(
        config.P12_PASSPHRASE, _("Passphrase for the new key file: "), True))
    _write_new(args.out, p12)
    print(_("Issued {subject}; key file {path}.").format(
        subject=issued.certificate.subject.rfc4514_string(), path=args.out))
    return 0


def register(sub: Subparsers) -> None:
    """Add `ca init` and `ca issue` (no store: they work on files)."""
    ca = group(sub, "ca", _("a unit's own certificate authority"), "ca_command")
    init = action(ca, "init", cmd_ca_init, _("create the unit root certificate and its key file"))
    init.add_argument("--unit", required=True, help=_("the unit's name"))
    init.add_argument("--out", type=Path, required=True, help=_("folder for the root files"))
    init.add_argument("--years", type=int, default=20)
    issue = action(ca, "issue", cmd_ca_issue, _("issue a certificate and its .p12 key file"))
    issue.add_argument("--root", type=Path, required=True, help=_("folder of the root files"))
    issue.add_argument("--kind", choices=("officer", "seal", "device"), required=True)
    issue.add_argument("--name", help=_("officer's name, or device serial"))
    issue.add_argument("--certificate", help=_("enforcement certificate number"))
    issue.add_argument("--unit", required=True, help=_("the unit's name"))
    issue.add_argument("--out", type=Path, required=True, help=_("the .p12 file to write"))
    issue.add_argument("--years", type=int, default=5)
