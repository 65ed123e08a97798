"""A real unit's keys on a store made like `statement-room init`: imported, checked, wrapped
under each officer's own password, and usable only by the officer who authenticates."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import load_pem_x509_certificate
from cryptography.x509.oid import NameOID

from desktop.documents import unit_ca
from desktop.domain.errors import UserError
from desktop.domain.model import Action, StatementState
from desktop.services import interview, keys, signing
from desktop.services.demo_login import DEMO_MARKER
from desktop.services.demo_pki import install_demo_keys
from desktop.store import audit, documents, signing_keys
from desktop.store.store import WrongCredentials, unlock
from tests.conftest import (
    PASSWORD,
    SECOND_PASSWORD,
    World,
    make_officer,
    provision_world_keys,
    sign_as_team,
)
from tests.poppler import all_trusted, certificate_verdicts, pdfsig_trusting
from tests.services.test_signing import all_pages_signed, ready_for_signing
from verification.pdf import verify_pdf

P12_PASS = b"p12-Passphrase-2026"


def p12(root: unit_ca.CaIdentity, issued: unit_ca.Issued) -> bytes:
    return unit_ca.pkcs12_for(issued, [root.certificate], P12_PASS, rounds=2048)


@pytest.fixture
def root(world: World) -> unit_ca.CaIdentity:
    unit_root = unit_ca.create_unit_root(world.admin.unit)
    keys.add_trust_root(world.store, unit_root.certificate.public_bytes(
        serialization.Encoding.PEM))
    return unit_root


def officer_p12(world: World, root: unit_ca.CaIdentity, officer_number: str | None = None
                ) -> tuple[unit_ca.Issued, bytes]:
    issued = unit_ca.issue(root, "officer", name=world.second.name, unit=world.second.unit,
                           certificate_no=officer_number or world.second.certificate_no)
    return issued, p12(root, issued)


def every_cell(world: World) -> list[bytes]:
    cells: list[bytes] = []
    for (table,) in world.store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        if "search" in table:
            continue
        for row in world.store.conn.execute(f'SELECT * FROM "{table}"').fetchall():
            cells.extend(c if isinstance(c, bytes) else str(c).encode() for c in row)
    return cells


def test_an_officer_key_is_checked_and_wrapped_under_that_officer_s_password(
    world: World, root: unit_ca.CaIdentity
) -> None:
    issued, data = officer_p12(world, root)
    identity = keys.import_pkcs12(world.store, data, P12_PASS, role="officer",
                                  officer_id=world.second.id,
                                  holder_passwords={world.second.id: SECOND_PASSWORD})
    assert identity.active and identity.officer_id == world.second.id
    # Whoever holds the data key (any officer's login) finds no usable form of the key.
    der = issued.key.private_bytes(serialization.Encoding.DER,
                                   serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())
    scalar = issued.key.private_numbers().private_value.to_bytes(32, "big")
    assert not any(der in cell or scalar in cell or b"PRIVATE KEY" in cell
                   for cell in every_cell(world))
    with pytest.raises(WrongCredentials, match="more failed attempt"):
        keys.unlock_signer(world.store, world.second.id, PASSWORD)
    signer = keys.unlock_signer(world.store, world.second.id, SECOND_PASSWORD)
    assert signer.signer.certificate == issued.certificate
    assert (signer.auth.officer_id, signer.auth.method) == (world.second.id, "password")
    listing = {k.identity.id: k for k in keys.list_keys(world.store)}[identity.id]
    assert listing.subject == world.second.name
    assert listing.chain[-1] == root.certificate.subject.get_attributes_for_oid(
        NameOID.COMMON_NAME)[0].value


def test_an_import_needs_the_officer_s_own_password(world: World, root: unit_ca.CaIdentity
                                                    ) -> None:
    _issued, data = officer_p12(world, root)
    with pytest.raises(WrongCredentials):
        keys.import_pkcs12(world.store, data, P12_PASS, role="officer",
                           officer_id=world.second.id,
                           holder_passwords={world.second.id: PASSWORD})
    with pytest.raises(UserError, match="own password"):
        keys.import_pkcs12(world.store, data, P12_PASS, role="officer",
                           officer_id=world.second.id,
                           holder_passwords={world.admin.id: PASSWORD})
    assert signing_keys.list_identities(world.store.conn) == []


def test_a_certificate_of_someone_else_or_for_another_use_is_refused(
    world: World, root: unit_ca.CaIdentity
) -> None:
    _issued, data = officer_p12(world, root, officer_number=world.admin.certificate_no)
    with pytest.raises(UserError, match="not to officer"):
        keys.import_pkcs12(world.store, data, P12_PASS, role="officer",
                           officer_id=world.second.id,
                           holder_passwords={world.second.id: SECOND_PASSWORD})
    seal = unit_ca.issue(root, "seal", unit=world.admin.unit)
    with pytest.raises(UserError):
        keys.import_pkcs12(world.store, p12(root, seal), P12_PASS, role="officer",
                           officer_id=world.second.id,
                           holder_passwords={world.second.id: SECOND_PASSWORD})
    stranger = unit_ca.create_unit_root("另一单位")
    foreign = unit_ca.issue(stranger, "officer", name=world.second.name, unit="另一单位",
                            certificate_no=world.second.certificate_no)
    with pytest.raises(UserError):
        keys.import_pkcs12(world.store, p12(stranger, foreign), P12_PASS, role="officer",
                           officer_id=world.second.id,
                           holder_passwords={world.second.id: SECOND_PASSWORD})
    with pytest.raises(UserError, match="wrong password or not a PKCS#12"):
        keys.import_pkcs12(world.store, p12(root, seal), b"wrong", role="seal",
                           holder_passwords={world.admin.id: PASSWORD})
    assert signing_keys.list_identities(world.store.conn) == []


def test_only_an_administrator_imports_and_a_root_must_be_trusted_first(
    world: World, root: unit_ca.CaIdentity
) -> None:
    _issued, data = officer_p12(world, root)
    officer_session = unlock(world.paths, world.second.certificate_no, SECOND_PASSWORD,
                             clock=world.store.clock)
    try:
        with pytest.raises(UserError, match="Only an administrator"):
            keys.import_pkcs12(officer_session, data, P12_PASS, role="officer",
                               officer_id=world.second.id,
                               holder_passwords={world.second.id: SECOND_PASSWORD})
    finally:
        officer_session.close(sign=False)


def test_retiring_keeps_the_certificate_and_ends_signing(world: World,
                                                         root: unit_ca.CaIdentity) -> None:
    _issued, data = officer_p12(world, root)
    identity = keys.import_pkcs12(world.store, data, P12_PASS, role="officer",
                                  officer_id=world.second.id,
                                  holder_passwords={world.second.id: SECOND_PASSWORD})
    retired = keys.retire_identity(world.store, identity.id)
    assert retired.status == "retired" and retired.cert_pem == identity.cert_pem
    assert signing_keys.wrap_for(world.store.conn, identity.id, world.second.id) is None
    with pytest.raises(UserError, match="has no signing key"):
        keys.unlock_signer(world.store, world.second.id, SECOND_PASSWORD)


def test_a_logged_in_officer_cannot_sign_for_another_or_seal(world: World,
                                                              tmp_path: Path) -> None:
    ready_for_signing(world, tmp_path)
    session = unlock(world.paths, world.second.certificate_no, SECOND_PASSWORD,
                     clock=world.store.clock)
    try:
        # The second officer's own login does not open the administrator's key or the seal.
        with pytest.raises(WrongCredentials):
            keys.unlock_signer(session, world.admin.id, SECOND_PASSWORD)
        with pytest.raises(UserError, match="not a custodian"):
            keys.unlock_seal(session, world.second.id, SECOND_PASSWORD)
        own = keys.unlock_signer(session, world.second.id, SECOND_PASSWORD)
        seal = keys.unlock_seal(session, world.admin.id, PASSWORD)
        # Offering one's own signer in another officer's place is refused.
        team = signing.SigningTeam({world.admin.id: own, world.second.id: own}, seal)
        with pytest.raises(UserError, match=r"not .*'s own current key"):
            signing.sign_statement(session, world.statement.id, all_pages_signed(world),
                                   team=team)
        # The device key (it signs for the party) cannot stand in for an officer either.
        device = keys.AuthenticatedSigner(keys.device_signer(session), own.identity, own.auth)
        forged_seal = signing.SigningTeam({world.admin.id: device, world.second.id: own},
                                          own)
        with pytest.raises(UserError):
            signing.sign_statement(session, world.statement.id, all_pages_signed(world),
                                   team=forged_seal)
        assert interview.get(session, world.statement.id).state is StatementState.READ_BACK
        failed = [e for e in audit.events_about(session.conn, signing_keys.active_identity(
            session.conn, signing_keys.OFFICER, world.admin.id).id)  # type: ignore[union-attr]
                  if e.action == Action.SIGNER_AUTH_FAILED.value]
        assert len(failed) == 1
    finally:
        session.close(sign=False)


def test_a_plain_officer_cannot_dress_the_device_key_as_the_officers_and_the_seal(
    world: World, tmp_path: Path
) -> None:
    """The device key opens with the data key, so any logged-in officer holds it. A plain
    officer who is not on the statement offers it under each officer's and the seal's real
    identity, claiming they authenticated: refused, nothing signed."""
    ready_for_signing(world, tmp_path)
    plain = make_officer("旁人", "TEST0003")
    world.store.add_officer(plain, "Plain2026password")
    session = unlock(world.paths, plain.certificate_no, "Plain2026password",
                     clock=world.store.clock)
    try:
        device = keys.device_signer(session)

        def dressed(role: str, officer_id: str | None) -> keys.AuthenticatedSigner:
            identity = signing_keys.active_identity(session.conn, role, officer_id)
            assert identity is not None
            claimed = keys.SignerAuthentication(officer_id or world.admin.id, "password",
                                                session.clock())
            return keys.AuthenticatedSigner(device, identity, claimed)

        team = signing.SigningTeam(
            {world.admin.id: dressed(signing_keys.OFFICER, world.admin.id),
             world.second.id: dressed(signing_keys.OFFICER, world.second.id)},
            dressed(signing_keys.SEAL, None))
        with pytest.raises(UserError, match=r"not .*'s own current key"):
            signing.sign_statement(session, world.statement.id, all_pages_signed(world),
                                   team=team)
        # Even beside officers who did authenticate, the device key is no seal.
        honest = signing.unlock_team(session, world.statement.id,
                                     {world.admin.id: PASSWORD, world.second.id: SECOND_PASSWORD},
                                     custodian_id=world.admin.id)
        forged_seal = signing.SigningTeam(honest.officers, dressed(signing_keys.SEAL, None))
        with pytest.raises(UserError, match="applied by one of its custodians"):
            signing.sign_statement(session, world.statement.id, all_pages_signed(world),
                                   team=forged_seal)
        honest.close()
        assert interview.get(session, world.statement.id).state is StatementState.READ_BACK
        with pytest.raises(UserError, match="no signed document"):
            documents.signed_document(session.conn, world.statement.id)
    finally:
        session.close(sign=False)


def test_every_signature_says_who_authenticated_how_and_when(world: World,
                                                             tmp_path: Path) -> None:
    root_path = ready_for_signing(world, tmp_path)
    signed = sign_as_team(world, all_pages_signed(world))
    events = [e for e in audit.events_about(world.store.conn, world.statement.id)
              if e.action == Action.SIGNATURE_APPLIED.value]
    by_field = {d["field"]: d for d in (json.loads(e.details) for e in events)}
    assert set(by_field) == {"Interviewer1", "Interviewer2", "Recorder", "Seal"}
    assert by_field["Interviewer1"]["signer"] == world.admin.id
    assert by_field["Interviewer2"]["signer"] == world.second.id
    assert by_field["Recorder"]["signer"] == world.second.id
    assert by_field["Seal"]["signer"] == world.admin.id
    assert {d["method"] for d in by_field.values()} == {"password"}
    assert all(d["authenticated_at"] for d in by_field.values())
    # Independent validators accept it, pdfsig trusting only the unit root.
    roots = [load_pem_x509_certificate(root_path.read_bytes())]
    report = verify_pdf(signed.pdf, roots)
    assert report.bottom_line, report.reasons
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(signed.pdf)
    output = pdfsig_trusting(pdf, root_path.read_bytes(), tmp_path / "nss")
    assert output.count("Signature is Valid.") == len(report.signatures)
    assert all_trusted(output), output
    assert len(certificate_verdicts(output)) == len({s.signer for s in report.signatures})
    # The same check trusting another unit's root: pdfsig says the issuer is not trusted.
    stranger = unit_ca.create_unit_root("另一单位").certificate.public_bytes(
        serialization.Encoding.PEM)
    assert not all_trusted(pdfsig_trusting(pdf, stranger, tmp_path / "nss-stranger"))


def test_a_marker_file_never_brings_demo_keys_into_a_real_store(world: World) -> None:
    (world.paths.workdir / DEMO_MARKER).write_text("demo store\n", encoding="utf-8")
    with pytest.raises(UserError, match="demo's own store"):
        install_demo_keys(world.store, [world.admin, world.second],
                          {world.admin.id: PASSWORD, world.second.id: SECOND_PASSWORD})
    assert signing_keys.list_identities(world.store.conn) == []
    assert signing_keys.trust_roots(world.store.conn) == []


def test_certificates_name_the_unit_configured(world: World) -> None:
    unit_keys = provision_world_keys(world)
    assert unit_keys.root_pem
    for listing in keys.list_keys(world.store):
        cert = load_pem_x509_certificate(listing.identity.cert_pem)
        org = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        assert org[0].value == world.admin.unit


def test_a_password_change_rewraps_the_officer_s_keys_and_a_reset_drops_them(
    world: World
) -> None:
    provision_world_keys(world)
    session = unlock(world.paths, world.second.certificate_no, SECOND_PASSWORD,
                     clock=world.store.clock)
    try:
        session.change_password(SECOND_PASSWORD, "Changed2026secret")
        with pytest.raises(WrongCredentials):
            keys.unlock_signer(session, world.second.id, SECOND_PASSWORD)
        assert keys.unlock_signer(session, world.second.id, "Changed2026secret").signer
    finally:
        session.close(sign=False)
    assert keys.missing_keys(world.store, [world.second.id]) == []
    # A reset by an administrator cannot know the old password: the key must be imported again.
    world.store.reset_password(world.second.id, "Reset2026password")
    with pytest.raises(UserError, match="reset since"):
        keys.unlock_signer(world.store, world.second.id, "Reset2026password")
    assert keys.missing_keys(world.store, [world.second.id]) == [
        f"officer {world.second.name} ({world.second.certificate_no})"]
    # The seal custodian's reset takes the seal with it, for the same reason.
    world.store.reset_password(world.admin.id, "AdminReset2026pw")
    assert keys.seal_custodians(world.store) == []


def test_documents_of_a_retired_legacy_key_still_verify_in_the_store(world: World) -> None:
    from desktop.services.verify import store_trust_roots

    old_root = unit_ca.create_unit_root("旧单位")
    pem = old_root.certificate.public_bytes(serialization.Encoding.PEM)
    # What migration 0008 leaves of a pre-0008 key: a retired identity whose chain holds the
    # root, with no entry in trust_roots.
    world.store.conn.execute(
        "INSERT INTO signing_identities (id, role, kind, cert_pem, chain_pem, status,"
        " created_at, retired_at) VALUES ('legacy', 'seal', 'software', ?, ?, 'retired',"
        " '2026-01-01T00:00:00+08:00', '2026-01-01T00:00:00+08:00')", (pem, pem))
    assert old_root.certificate in store_trust_roots(world.store)


def test_a_certificate_that_expired_since_its_import_signs_nothing(
    world: World, root: unit_ca.CaIdentity, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    issued, data = officer_p12(world, root)
    keys.import_pkcs12(world.store, data, P12_PASS, role="officer", officer_id=world.second.id,
                       holder_passwords={world.second.id: SECOND_PASSWORD})
    # Years later (the store's clock is not what judges a certificate: the real time is).
    later = issued.certificate.not_valid_after_utc + dt.timedelta(days=1)
    monkeypatch.setattr(keys, "_now", lambda: later)
    with pytest.raises(UserError, match="not now; an administrator imports a current one"):
        keys.unlock_signer(world.store, world.second.id, SECOND_PASSWORD)


def _bureau_certificate(subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name | None,
                        issuer_key: ec.EllipticCurvePrivateKey, *, ca: bool,
                        number: str | None = None) -> x509.Certificate:
    """A certificate as a bureau's CA makes it (no role extension of ours); self-signed
    without an issuer."""
    now = dt.datetime.now(dt.UTC)
    names = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "示例市公安局"),
             x509.NameAttribute(NameOID.COMMON_NAME, subject)]
    if number:
        names.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, number))
    usage = (x509.KeyUsage(False, False, False, False, False, True, True, False, False) if ca
             else x509.KeyUsage(True, True, False, False, False, False, False, False, False))
    return (x509.CertificateBuilder().subject_name(x509.Name(names))
            .issuer_name(issuer or x509.Name(names))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=300))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None),
                           critical=True)
            .add_extension(usage, critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                issuer_key.public_key()), critical=False)
            .sign(issuer_key, hashes.SHA256()))


def test_a_bureau_chain_through_an_intermediate_ca_is_kept_and_shown(world: World) -> None:
    """The bureau's root issues a sub-CA that issues the officer's certificate; the PKCS#12
    file carries the sub-CA. The import checks the path up to the trusted root and the key
    listing shows it whole."""
    root_key, sub_key, own_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root = _bureau_certificate("示例市公安局根CA", root_key, None, root_key, ca=True)
    sub = _bureau_certificate("示例市公安局二级CA", sub_key, root.subject, root_key, ca=True)
    own = _bureau_certificate(world.second.name, own_key, sub.subject, sub_key, ca=False,
                              number=world.second.certificate_no)
    keys.add_trust_root(world.store, root.public_bytes(serialization.Encoding.PEM))
    without_sub = pkcs12.serialize_key_and_certificates(
        None, own_key, own, None, serialization.BestAvailableEncryption(P12_PASS))
    with pytest.raises(UserError, match="not issued by a trusted root"):
        keys.import_pkcs12(world.store, without_sub, P12_PASS, role="officer",
                           officer_id=world.second.id,
                           holder_passwords={world.second.id: SECOND_PASSWORD})
    data = pkcs12.serialize_key_and_certificates(
        None, own_key, own, [sub], serialization.BestAvailableEncryption(P12_PASS))
    keys.import_pkcs12(world.store, data, P12_PASS, role="officer", officer_id=world.second.id,
                       holder_passwords={world.second.id: SECOND_PASSWORD})
    [listing] = keys.list_keys(world.store)
    assert listing.chain == (world.second.name, "示例市公安局二级CA", "示例市公安局根CA")
    keys.unlock_signer(world.store, world.second.id, SECOND_PASSWORD).close()
