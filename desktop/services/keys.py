"""A real unit's signing keys: trust roots, imports, retirement, and unlocking a signer.

An administrator adds the unit's (or bureau's) root certificate, then imports each identity
from the PKCS#12 file the CA issued: the statement room's device, the unit seal, each officer.
Every certificate is checked first (validity, usage, chain to a stored root, the officer's
enforcement number). An officer's private key is wrapped under that officer's own password,
asked at import, and the seal's under the password of each seal custodian: the store's data
key, which every officer's login opens, opens neither. A key on a hardware token is kept as a
reference and unlocked with its PIN at signing time.

`unlock_signer` and `unlock_seal` are the only ways to a signer of a person: each takes the
credential of the officer who signs, checks it against the lockout like a login, and returns
an `AuthenticatedSigner` that says who authenticated, how and when, for the audit trail.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from gettext import gettext as _
from pathlib import Path
from typing import Any, cast

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from desktop.documents import certcheck
from desktop.documents.certcheck import fingerprint
from desktop.documents.signer import Signer, SoftwareSigner, load_pkcs12
from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import Action, Officer, Outcome, Role
from desktop.i18n import os_error_text
from desktop.store import officer_auth, officers
from desktop.store import signing_keys as repo
from desktop.store.keys import UnwrapError, unwrap_with_password, wrap_with_password
from desktop.store.lockout import AccountLocked
from desktop.store.signing_keys import DEVICE, OFFICER, SEAL, SigningIdentity, TrustRoot
from desktop.store.store import Store
from verification.certificates import common_name
from verification.roles import Role as CertificateRole
from verification.roles import certificate_number

PEM = serialization.Encoding.PEM


@dataclass(frozen=True)
class SignerAuthentication:
    """Who authenticated for a signature, how, and when (kept with each signature's event)."""

    officer_id: str
    method: str  # 'password' or 'token'
    at: datetime
    token_serial: str | None = None


@dataclass
class AuthenticatedSigner:
    """A signer unlocked by its own officer's credential, for one signing session."""

    signer: Signer
    identity: SigningIdentity
    auth: SignerAuthentication
    handwriting_png: bytes | None = None  # the officer's own signature from the pad, optional
    _closer: Any = field(default=None, repr=False)

    def close(self) -> None:
        """Log out of a token; a software key is simply dropped."""
        if self._closer is not None:
            self._closer()
            self._closer = None

    def audit_details(self) -> dict[str, str | None]:
        return {"signer": self.auth.officer_id, "method": self.auth.method,
                "token_serial": self.auth.token_serial,
                "authenticated_at": self.auth.at.isoformat(timespec="milliseconds"),
                "identity": self.identity.id,
                "certificate_sha256": fingerprint(load_certificate(self.identity.cert_pem))}


@dataclass(frozen=True)
class KeyListing:
    """One identity as `keys list` and the administrators' page show it."""

    identity: SigningIdentity
    subject: str
    serial: str
    fingerprint: str
    not_before: datetime
    not_after: datetime
    holders: tuple[str, ...]  # names of the officers whose credential opens it
    chain: tuple[str, ...]  # subjects from the certificate up to its root


def load_certificate(pem: bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem)


def _pem_chain(certs: Sequence[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(PEM) for c in certs)


def _load_chain(pem: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(pem) if pem.strip() else []


def may_manage_keys(officer: Officer) -> bool:
    """Only an administrator manages the unit's signing keys and trust roots."""
    return officer.role is Role.ADMIN


def _require_admin(store: Store) -> None:
    if not may_manage_keys(store.officer):
        raise UserError(_("Only an administrator can manage signing keys."))


def read_key_file(path: Path) -> bytes:
    """A certificate or PKCS#12 file's bytes, or a UserError naming it and why not."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UserError(_("Cannot read {path} ({error}).").format(
            path=path, error=os_error_text(exc))) from exc


def _now() -> datetime:
    # Certificates are judged against the real time, whatever clock the store runs on.
    return datetime.now(UTC)


# --- trust roots ---

def trust_root_certificates(store: Store) -> list[x509.Certificate]:
    return [load_certificate(root.cert_pem) for root in repo.trust_roots(store.conn)]


def _check_root(cert: x509.Certificate) -> None:
    """A root to trust is a self-signed CA certificate that is valid now."""
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        is_ca = constraints.ca
    except x509.ExtensionNotFound:
        is_ca = False
    self_signed = cert.issuer == cert.subject
    if self_signed and is_ca:
        try:
            cert.verify_directly_issued_by(cert)
        except (ValueError, TypeError, InvalidSignature):
            self_signed = False
    if not (self_signed and is_ca):
        raise UserError(_("{subject} is not a root certificate (a self-signed CA): trust the "
                          "root that issued it.").format(subject=common_name(cert)))
    now = _now()
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise UserError(_("The root certificate {subject} is not valid now (valid {start} to "
                          "{end}).").format(subject=common_name(cert),
                                            start=cert.not_valid_before_utc.date(),
                                            end=cert.not_valid_after_utc.date()))


def add_trust_root(store: Store, data: bytes, **why: str | None) -> TrustRoot:
    """Trust a root certificate (PEM or DER) for the unit's signing certificates; `why`
    (audited) says where it came from when not from an administrator's file."""
    _require_admin(store)
    try:
        cert = (x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data
                else x509.load_der_x509_certificate(data))
    except ValueError as exc:
        raise UserError(_("The file is not a certificate (PEM or DER).")) from exc
    _check_root(cert)
    pem = cert.public_bytes(PEM)
    with store.transaction() as tx:
        repo.add_trust_root(tx, fingerprint(cert), pem, cert.subject.rfc4514_string(), **why)
    return next(r for r in repo.trust_roots(store.conn) if r.fingerprint == fingerprint(cert))


# --- credentials of officers ---

def verify_officer_password(store: Store, officer_id: str, password: str) -> None:
    """Check an officer's login password, counted by the lockout like a login."""
    officer_auth.authenticate(store, officer_id, password)


def _pkcs8(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


# --- imports ---

def _checked(store: Store, cert: x509.Certificate, chain: Sequence[x509.Certificate],
             role: str, officer: Officer | None, key: Any = None) -> list[x509.Certificate]:
    roots = trust_root_certificates(store)
    if not roots:
        raise UserError(_("No trust root is set up yet: an administrator adds the unit's root "
                          "certificate first (statement-room keys add-root)."))
    checked = certcheck.check_certificate(cert, chain, roots, role=cast(CertificateRole, role),
                                          at=_now(), key=key)
    if officer is not None:
        number = certificate_number(cert)
        if number is None and common_name(cert) != officer.name:
            raise UserError(_("The certificate names {subject}, not officer {name}.").format(
                subject=common_name(cert), name=officer.name))
        if number is not None and number.upper() != officer.certificate_no.upper():
            raise UserError(_("The certificate belongs to certificate number {number}, not to "
                              "officer {name} ({certificate}).").format(
                number=number, name=officer.name, certificate=officer.certificate_no))
    return [c for c in checked.path if c != cert]


def import_pkcs12(store: Store, data: bytes, passphrase: bytes | None, *, role: str,
                  officer_id: str | None = None,
                  holder_passwords: Mapping[str, str] | None = None) -> SigningIdentity:
    """Import one identity from a PKCS#12 file issued by the unit's CA.

    `role` is 'device', 'seal' or 'officer' (then `officer_id` names the officer).
    `holder_passwords` maps officer id -> login password of every officer who may use the key:
    the officer themselves, or the seal's custodians. Each password is checked like a login.
    """
    _require_admin(store)
    key, cert, extra = load_pkcs12(data, passphrase)
    return import_identity(store, key, cert, extra, role=role, officer_id=officer_id,
                           holder_passwords=holder_passwords)


def import_identity(store: Store, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
                    cert: x509.Certificate, extra: Sequence[x509.Certificate], *, role: str,
                    officer_id: str | None = None,
                    holder_passwords: Mapping[str, str] | None = None) -> SigningIdentity:
    """Import one identity, a key and its certificate (with `extra` certificates for its
    chain), checked as `import_pkcs12` says; the active identity in that role is retired."""
    _require_admin(store)
    holder_passwords = dict(holder_passwords or {})
    officer = None
    if role == OFFICER:
        if officer_id is None:
            raise UserError(_("Name the officer whose key this is."))
        officer = officers.require_active(store.conn, officer_id)
        if set(holder_passwords) != {officer_id}:
            raise UserError(_("An officer's key is protected by that officer's own password: "
                              "{name} must enter it.").format(name=officer.name))
    elif role == SEAL:
        if not holder_passwords:
            raise UserError(_("Name at least one seal custodian, who enters their password."))
    elif role == DEVICE:
        holder_passwords = {}
    else:
        raise UserError(_("Unknown key role {role}.").format(role=role))
    chain = _checked(store, cert, extra, role, officer, key)
    for holder_id, password in holder_passwords.items():
        officers.require_active(store.conn, holder_id)
        verify_officer_password(store, holder_id, password)
    identity = SigningIdentity(
        id=new_id(), role=role, officer_id=officer_id if role == OFFICER else None,
        kind="software", cert_pem=cert.public_bytes(PEM), chain_pem=_pem_chain(chain),
        token_ref=None, status="active", created_at=store.clock(), retired_at=None)
    secret = _pkcs8(key)
    wraps = {holder_id: wrap_with_password(secret, password,
                                           repo.wrap_context(identity.id, holder_id))
             for holder_id, password in holder_passwords.items()}
    device_pem = key.private_bytes(PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()) if role == DEVICE else None
    with store.transaction() as tx:
        repo.add_identity(tx, identity, fingerprint=fingerprint(cert), device_key_pem=device_pem)
        for holder_id, wrap in wraps.items():
            repo.put_wrap(tx, identity.id, holder_id, wrap)
            if role == SEAL:
                tx.audit(Action.SEAL_CUSTODIAN_ADDED, identity.id, custodian=holder_id)
    return identity


def import_token_key(store: Store, officer_id: str, token_ref: Mapping[str, Any],
                     certificate: x509.Certificate, chain: Sequence[x509.Certificate] = ()
                     ) -> SigningIdentity:
    """Register an officer's key that lives on a hardware token (a reference, no key bytes)."""
    _require_admin(store)
    officer = officers.require_active(store.conn, officer_id)
    full_chain = _checked(store, certificate, chain, OFFICER, officer)
    identity = SigningIdentity(
        id=new_id(), role=OFFICER, officer_id=officer_id, kind="pkcs11",
        cert_pem=certificate.public_bytes(PEM), chain_pem=_pem_chain(full_chain),
        token_ref=json.dumps({**token_ref, "cert_sha256": fingerprint(certificate)},
                             sort_keys=True), status="active",
        created_at=store.clock(), retired_at=None)
    with store.transaction() as tx:
        repo.add_identity(tx, identity, fingerprint=fingerprint(certificate))
    return identity


def provision_from_unit_root(store: Store, root: Any, team: Sequence[Officer],
                             passwords: Mapping[str, str], *, custodian_id: str,
                             device_serial: str, p12_rounds: int | None = None) -> None:
    """A unit without a CA: issue from its root (`unit_ca`) and import, as `ca issue` and
    `keys import` would, the device's, the seal's (custodian `custodian_id`) and each of
    `team`'s keys. `passwords` maps officer id -> that officer's own login password."""
    import os

    from desktop.documents import unit_ca

    unit = root.unit
    add_trust_root(store, root.certificate.public_bytes(PEM))
    passphrase = os.urandom(16).hex().encode()
    extra = {} if p12_rounds is None else {"rounds": p12_rounds}

    def p12(issued: unit_ca.Issued) -> bytes:
        return unit_ca.pkcs12_for(issued, [root.certificate], passphrase, **extra)

    device = unit_ca.issue(root, "device", name=device_serial, unit=unit)
    import_pkcs12(store, p12(device), passphrase, role=DEVICE)
    seal = unit_ca.issue(root, "seal", unit=unit)
    import_pkcs12(store, p12(seal), passphrase, role=SEAL,
                  holder_passwords={custodian_id: passwords[custodian_id]})
    for officer in team:
        issued = unit_ca.issue(root, "officer", name=officer.name, unit=unit,
                               certificate_no=officer.certificate_no)
        import_pkcs12(store, p12(issued), passphrase, role=OFFICER, officer_id=officer.id,
                      holder_passwords={officer.id: passwords[officer.id]})


def retire_identity(store: Store, identity_id: str) -> SigningIdentity:
    """Retire a key: it signs no more; its certificate stays for verifying old documents."""
    _require_admin(store)
    identity = repo.get_identity(store.conn, identity_id)
    if identity is None:
        matches = [i for i in repo.list_identities(store.conn)
                   if fingerprint(load_certificate(i.cert_pem)).startswith(identity_id.lower())]
        if len(matches) != 1 or len(identity_id) < 8:
            raise UserError(_("No signing key {id}.").format(id=identity_id))
        identity = matches[0]
    if not identity.active:
        raise UserError(_("This key is already retired."))
    with store.transaction() as tx:
        repo.retire(tx, identity.id)
    retired = repo.get_identity(store.conn, identity.id)
    assert retired is not None
    return retired


def list_keys(store: Store) -> list[KeyListing]:
    names = {o.id: o.name for o in officers.list_officers(store.conn)}
    listings = []
    for identity in repo.list_identities(store.conn):
        cert = load_certificate(identity.cert_pem)
        chain = [cert, *_load_chain(identity.chain_pem)]
        listings.append(KeyListing(
            identity=identity, subject=common_name(cert), serial=format(cert.serial_number, "X"),
            fingerprint=fingerprint(cert), not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            holders=tuple(names.get(h, h) for h in repo.holders(store.conn, identity.id)),
            chain=tuple(common_name(c) for c in chain)))
    return listings


@dataclass(frozen=True)
class KeysOverview:
    """What the administrators' page shows: every identity, the trusted roots, the officers."""

    keys: list[KeyListing]
    roots: list[TrustRoot]
    officers: list[Officer]


def overview(store: Store) -> KeysOverview:
    return KeysOverview(list_keys(store), repo.trust_roots(store.conn),
                        officers.list_officers(store.conn))


# --- signers ---

def device_signer(store: Store) -> SoftwareSigner:
    """The statement room's own key: certifies documents and signs the party's handwriting."""
    identity = repo.active_identity(store.conn, DEVICE)
    key_pem = None if identity is None else repo.device_key_pem(store.conn, identity.id)
    if identity is None or key_pem is None:
        raise UserError(_("The statement room has no device key; an administrator imports it "
                          "(statement-room keys import --role device)."))
    return SoftwareSigner.from_pem(key_pem, identity.cert_pem, identity.chain_pem)


def _unlock(store: Store, identity: SigningIdentity, officer_id: str, secret: str
            ) -> AuthenticatedSigner:
    """Open `identity`'s key with `officer_id`'s credential, counted like a login attempt.

    A wrong secret is recorded in the audit log at once (the session is open) and counts
    toward that officer's lockout.
    """
    # A disabled officer signs nothing, not even with their own token (decision 24).
    officers.require_active(store.conn, officer_id)
    certificate = load_certificate(identity.cert_pem)
    now = _now()
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise UserError(_("The signing certificate of {name} is valid from {start} to {end}, "
                          "not now; an administrator imports a current one.").format(
            name=common_name(certificate), start=certificate.not_valid_before_utc.date(),
            end=certificate.not_valid_after_utc.date()))
    if identity.kind == "pkcs11":
        from desktop.documents.token_signer import TokenPinIncorrect, TokenRef, open_token_signer

        def open_token(_attempt: object) -> Any:
            try:
                return open_token_signer(
                    TokenRef.from_json(json.loads(identity.token_ref or "{}")), secret,
                    tuple(_load_chain(identity.chain_pem)))
            except TokenPinIncorrect as exc:
                raise officer_auth.CredentialRejected(exc.message) from exc

        token = _audited(store, officer_id, identity, "token", open_token)
        auth = SignerAuthentication(officer_id, "token", store.clock(), token.token_serial)
        return AuthenticatedSigner(token, identity, auth, _closer=token.close)
    wrap = repo.wrap_for(store.conn, identity.id, officer_id)
    if wrap is None:
        raise UserError(_("Officer {name} cannot open this key: it was not wrapped for them, or "
                          "their password was reset since. An administrator imports it again.")
                        .format(name=officers.get_officer(store.conn, officer_id).name))

    def open_key(_attempt: object) -> bytes:
        try:
            return unwrap_with_password(wrap, secret, repo.wrap_context(identity.id, officer_id))
        except UnwrapError as exc:
            raise officer_auth.CredentialRejected() from exc

    secret_key = _audited(store, officer_id, identity, "password", open_key)
    key = serialization.load_der_private_key(secret_key, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey)
    signer = SoftwareSigner(key, load_certificate(identity.cert_pem),
                            _load_chain(identity.chain_pem))
    return AuthenticatedSigner(signer, identity,
                               SignerAuthentication(officer_id, "password", store.clock()))


def _audited(store: Store, officer_id: str, identity: SigningIdentity, method: str,
             check: Any) -> Any:
    try:
        return officer_auth.counted(store, officer_id, check)
    except UserError as exc:
        if isinstance(exc.__cause__, officer_auth.CredentialRejected) or \
                isinstance(exc, AccountLocked):
            with store.transaction() as tx:
                tx.audit(Action.SIGNER_AUTH_FAILED, identity.id, Outcome.DENIED,
                         signer=officer_id, method=method)
        raise


def unlock_signer(store: Store, officer_id: str, secret: str) -> AuthenticatedSigner:
    """The signer of `officer_id`, opened with that officer's password (or token PIN)."""
    identity = repo.active_identity(store.conn, OFFICER, officer_id)
    if identity is None:
        officer = officers.get_officer(store.conn, officer_id)
        raise UserError(_("Officer {name} ({certificate}) has no signing key; an administrator "
                          "imports it (statement-room keys import).").format(
            name=officer.name, certificate=officer.certificate_no))
    return _unlock(store, identity, officer_id, secret)


def seal_custodians(store: Store) -> list[Officer]:
    identity = repo.active_identity(store.conn, SEAL)
    if identity is None:
        return []
    return [officers.get_officer(store.conn, h) for h in repo.holders(store.conn, identity.id)]


def unlock_seal(store: Store, custodian_id: str, secret: str) -> AuthenticatedSigner:
    """The unit seal, opened by a seal custodian's own password."""
    identity = repo.active_identity(store.conn, SEAL)
    if identity is None:
        raise UserError(_("The unit seal has no key; an administrator imports it "
                          "(statement-room keys import --role seal)."))
    if custodian_id not in repo.holders(store.conn, identity.id):
        name = officers.get_officer(store.conn, custodian_id).name
        raise UserError(_("{name} is not a custodian of the unit seal.").format(name=name))
    return _unlock(store, identity, custodian_id, secret)


def missing_keys(store: Store, officer_ids: Sequence[str]) -> list[str]:
    """Who cannot sign yet for want of a key, in words for people."""
    missing: list[str] = []
    device = repo.active_identity(store.conn, DEVICE)
    if device is None or repo.device_key_pem(store.conn, device.id) is None:
        missing.append(_("the statement room's device key"))
    for officer_id in dict.fromkeys(officer_ids):
        identity = repo.active_identity(store.conn, OFFICER, officer_id)
        if identity is None or (identity.kind == "software" and repo.wrap_for(
                store.conn, identity.id, officer_id) is None):
            officer = officers.get_officer(store.conn, officer_id)
            missing.append(_("officer {name} ({certificate})").format(
                name=officer.name, certificate=officer.certificate_no))
    if not seal_custodians(store):
        missing.append(_("the unit seal"))
    return missing
