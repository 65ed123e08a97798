"""The store and its officers: `init`, `officer list|add|unlock|reset-password|disable|enable|
role`, `password`, `recover` (a new password through HQ's escrow key) and `escrow keygen`
(HQ's key pair).

New passwords come from `config.NEW_PASSWORD` (the first administrator's from
`config.PASSWORD`) or a prompt asked twice; the escrow key's passphrase from
`config.ESCROW_PASSPHRASE` or a prompt.
"""

from __future__ import annotations

import argparse
import os
from gettext import gettext as _
from pathlib import Path

from desktop import config
from desktop.cli.common import (
    Subparsers,
    action,
    add_json,
    command,
    group,
    login_from_args,
    officer_login,
    print_json,
    report_failed_attempts,
    secret,
    target_officer,
)
from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import Officer, Role
from desktop.domain.security import check_password_strength


def cmd_init(args: argparse.Namespace) -> int:
    # The same use case as the GUI's first-run setup (desktop/services/setup.py).
    from desktop.services import setup
    from desktop.services.cases import normalize_certificate_number
    from desktop.store.store import StorePaths

    certificate = normalize_certificate_number(args.certificate)
    escrow = setup.read_escrow_key(args.escrow_public_key) if args.escrow_public_key else None
    password = secret(config.PASSWORD, _("New password: "), confirm=True)
    admin = setup.NewOfficer(name=args.name, certificate_no=certificate, password=password)
    store = setup.create_first_store(StorePaths(args.workdir), args.unit, admin, escrow=escrow)
    store.close()
    print(_("Store created at {path}.").format(path=args.workdir))
    return 0


def cmd_officer_add(args: argparse.Namespace) -> int:
    from desktop.services.cases import normalize_certificate_number

    certificate = normalize_certificate_number(args.certificate)
    with login_from_args(args) as store:
        officer = Officer(id=new_id(), name=args.name, certificate_no=certificate,
                          unit=args.unit, role=Role(args.role))
        store.add_officer(officer, secret(config.NEW_PASSWORD,
                                           _("Password for the new officer: "), confirm=True))
    print(_("Officer {name} added.").format(name=args.name))
    return 0


def _role_names() -> dict[str, str]:
    return {Role.ADMIN.value: _("administrator"), Role.OFFICER.value: _("officer"),
            Role.LEGAL_REVIEWER.value: _("legal reviewer")}


def cmd_officer_list(args: argparse.Namespace) -> int:
    from desktop.services.interview import list_officers

    with login_from_args(args) as store:
        found = list_officers(store)
    if args.json:
        print_json({"officers": [
            {"id": o.id, "name": o.name, "certificate": o.certificate_no, "unit": o.unit,
             "role": o.role.value, "disabled": not o.active,
             "disabled_at": o.disabled_at.isoformat() if o.disabled_at else None}
            for o in found]})
        return 0
    roles = _role_names()
    for o in found:
        state = _("disabled") if not o.active else _("active")
        print(f"{o.certificate_no}  {o.name}  {roles[o.role.value]}  {state}  {o.unit}")
    return 0


def cmd_officer_disable(args: argparse.Namespace) -> int:
    from desktop.store.officer_admin import disable_officer

    with login_from_args(args) as store:
        officer = disable_officer(store, target_officer(store, args.certificate).id)
    print(_("Officer {name} is disabled: they can no longer log in or sign, and their signing "
            "keys were removed. Their past statements and signatures are kept.").format(
                name=officer.name))
    return 0


def cmd_officer_enable(args: argparse.Namespace) -> int:
    from desktop.store.officer_admin import enable_officer

    with login_from_args(args) as store:
        officer = target_officer(store, args.certificate)
        enable_officer(store, officer.id, secret(
            config.NEW_PASSWORD, _("New password for {name}: ").format(name=officer.name),
            confirm=True))
    print(_("Officer {name} can log in again with the new password; an administrator imports "
            "their signing keys again.").format(name=officer.name))
    return 0


def cmd_officer_role(args: argparse.Namespace) -> int:
    from desktop.store.officer_admin import change_role

    with login_from_args(args) as store:
        officer = change_role(store, target_officer(store, args.certificate).id, Role(args.role))
    print(_("Officer {name} is now: {role}.").format(name=officer.name,
                                                     role=_role_names()[officer.role.value]))
    return 0


def cmd_password(args: argparse.Namespace) -> int:
    from desktop.store.store import StorePaths, unlock

    current = secret(config.PASSWORD, _("Current password: "))
    with report_failed_attempts(
            unlock(StorePaths(args.workdir), officer_login(args), current)) as store:
        store.change_password(current, secret(config.NEW_PASSWORD, _("New password: "),
                                               confirm=True))
    print(_("Password changed."))
    return 0


def cmd_officer_unlock(args: argparse.Namespace) -> int:
    with login_from_args(args) as store:
        officer = target_officer(store, args.certificate)
        store.unlock_officer(officer.id)
    print(_("Officer {name} can log in again.").format(name=officer.name))
    return 0


def cmd_officer_reset_password(args: argparse.Namespace) -> int:
    with login_from_args(args) as store:
        officer = target_officer(store, args.certificate)
        if not officer.active:
            raise UserError(_("Officer {name} is disabled: `statement-room officer enable "
                              "{number}` gives them a new password.").format(
                                  name=officer.name, number=officer.certificate_no))
        store.reset_password(officer.id, secret(
            config.NEW_PASSWORD, _("New password for {name}: ").format(name=officer.name),
            confirm=True))
    print(_("Officer {name} can log in with the new password.").format(name=officer.name))
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    from desktop.store.escrow_file import is_encrypted_escrow_file, load_escrow_key_file
    from desktop.store.store import StorePaths, recover

    try:
        data = args.escrow_key.read_bytes()
    except OSError as exc:
        raise UserError(_("Cannot read the escrow private key {path}.").format(
            path=args.escrow_key)) from exc
    passphrase = (secret(config.ESCROW_PASSPHRASE, _("Escrow key passphrase: "))
                  if is_encrypted_escrow_file(data) else None)
    try:
        private = load_escrow_key_file(data, passphrase)
    except UserError as exc:
        raise UserError(_("Cannot read the escrow private key {path}: {reason}").format(
            path=args.escrow_key, reason=exc.message)) from exc
    officer = recover(StorePaths(args.workdir), private, args.certificate,
                      secret(config.NEW_PASSWORD, _("New password: "), confirm=True))
    print(_("Officer {name} can log in with the new password.").format(name=officer.name))
    return 0


def cmd_escrow_keygen(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from desktop.store.escrow_file import encrypt_escrow_private_key

    private_path, public_path = args.out / "escrow-private.key", args.out / "escrow-public.pem"
    if private_path.exists():
        raise UserError(_("{path} exists; refusing to overwrite a key.").format(path=private_path))
    passphrase = secret(config.ESCROW_PASSPHRASE, _("Passphrase for the escrow private key: "),
                         confirm=True)
    check_password_strength(passphrase)
    private = X25519PrivateKey.generate()
    encrypted = encrypt_escrow_private_key(private, passphrase)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    args.out.mkdir(parents=True, exist_ok=True)
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(encrypted)
        handle.flush()
        os.fsync(handle.fileno())
    public_path.write_bytes(public_pem)
    print(_("Escrow key pair written: keep {private} at HQ, give {public} to each store.").format(
        private=private_path, public=public_path))
    return 0


def register(sub: Subparsers) -> None:
    """Add `init`, `officer …`, `password`, `recover` and `escrow keygen`."""
    init = command(sub, "init", cmd_init, _("create a new store with its first administrator"))
    init.add_argument("--name", required=True)
    init.add_argument("--certificate", required=True)
    init.add_argument("--unit", required=True)
    init.add_argument("--escrow-public-key", type=Path)
    officer = group(sub, "officer", _("manage officers"), "officer_command")
    add = command(officer, "add", cmd_officer_add, _("add an officer"), login=True)
    add.add_argument("--name", required=True)
    add.add_argument("--certificate", required=True)
    add.add_argument("--unit", required=True)
    add.add_argument("--role", choices=[r.value for r in Role], default=Role.OFFICER.value)
    listing = command(officer, "list", cmd_officer_list, _("list the officers"), login=True)
    add_json(listing)
    command(sub, "password", cmd_password, _("change your password"), login=True)
    unlock = command(officer, "unlock", cmd_officer_unlock,
                     _("clear an officer's lockout (administrators)"), login=True)
    unlock.add_argument("certificate", help=_("certificate number of the locked officer"))
    reset = command(officer, "reset-password", cmd_officer_reset_password,
                    _("give an officer a new password (administrators)"), login=True)
    reset.add_argument("certificate", help=_("certificate number of the officer"))
    disable = command(officer, "disable", cmd_officer_disable,
                      _("stop an officer from logging in and signing (administrators)"),
                      login=True)
    disable.add_argument("certificate", help=_("certificate number of the officer"))
    enable = command(officer, "enable", cmd_officer_enable,
                     _("let a disabled officer log in again with a new password "
                       "(administrators)"), login=True)
    enable.add_argument("certificate", help=_("certificate number of the officer"))
    role = command(officer, "role", cmd_officer_role,
                   _("change an officer's role (administrators)"), login=True)
    role.add_argument("certificate", help=_("certificate number of the officer"))
    role.add_argument("role", choices=[r.value for r in Role], help=_("the new role"))
    recover = command(sub, "recover", cmd_recover, _("set a new password using HQ's escrow key"))
    recover.add_argument("--escrow-key", type=Path, required=True)
    recover.add_argument("--certificate", required=True)
    escrow = group(sub, "escrow", _("HQ escrow keys"), "escrow_command")
    keygen = action(escrow, "keygen", cmd_escrow_keygen, _("create an escrow key pair"))
    keygen.add_argument("--out", type=Path, required=True)
