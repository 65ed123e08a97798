"""A device receives its signing certificate when it enrols with an HQ that acts as the unit
CA (decision 26), on stores made by `statement-room init` and a real HQ process:

- HQ imports the unit's root (`statement-room-hq ca import` of the file `statement-room ca`
  wrote); `statement-room sync enrol` says the certificate arrived; the store's DEVICE
  identity is HQ's certificate; a statement signed afterwards verifies with
  `statement-room verify --trust` and with pdfsig trusting that root, signed by the device
  HQ named;
- an HQ without a CA enrols as before (nothing about keys changes); after `ca init` a new
  code brings a certificate under HQ's new root, which becomes a trust root (audited as from
  the MAC'd answer); the same code again changes nothing;
- a man in the middle who swaps the certificate in the answer is refused: nothing is pinned,
  trusted or imported.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from desktop.documents import unit_ca
from desktop.documents.certcheck import fingerprint
from desktop.domain.errors import UserError
from desktop.domain.model import Action
from desktop.services import keys, sync_round
from desktop.store import audit, sync_state
from desktop.store import signing_keys as repo
from desktop.store.store import StorePaths, unlock
from sync.protocol import pki
from sync.protocol.canonical import canonical_json
from sync.protocol.pki import DEVICE_PREFIX
from tests.cli.helpers import last_json, run_cli
from tests.cli.test_cli_end_to_end import (
    ADMIN,
    CA_PASS,
    FIRST,
    UNIT,
    login,
    ok,
    set_up_unit,
)
from tests.cli.test_sync_cli import signed_statement
from tests.poppler import all_trusted, pdfsig_trusting
from tests.support.hq_server import RunningHQ, hq_server

__all__ = ["hq_server"]

PEM = serialization.Encoding.PEM


def test_the_certificate_hq_issues_signs_statements_that_verify(
        tmp_path: Path, hq_server: RunningHQ) -> None:
    store, ca = set_up_unit(tmp_path)  # the unit's own root, its keys imported from .p12s
    passphrase = tmp_path / "passphrase"
    passphrase.write_text(CA_PASS + "\n")
    imported = hq_server.admin("ca", "import", str(ca / "root.key.json"), "--passphrase-file",
                               str(passphrase))
    assert imported.returncode == 0, imported.stderr
    with unlock(StorePaths(store), ADMIN[1], ADMIN[2]) as session:
        before = repo.active_identity(session.conn, repo.DEVICE)
        roots_before = [r.fingerprint for r in repo.trust_roots(session.conn)]
    assert before is not None

    enrolled = ok(run_cli("sync", "enrol", "--workdir", str(store), "--hq", hq_server.url,
                          "--code", hq_server.enrol_code(), "--json", env=login(ADMIN)))
    assert "Received the device signing certificate" in enrolled.stdout
    answer = last_json(enrolled.stdout)
    assert answer["device_certificate"] is True
    device = answer["device"]
    assert device in hq_server.admin("devices").stdout

    root = x509.load_pem_x509_certificate((ca / "root.cert.pem").read_bytes())
    with unlock(StorePaths(store), ADMIN[1], ADMIN[2]) as session:
        active = repo.active_identity(session.conn, repo.DEVICE)
        assert active is not None and active.id != before.id
        certificate = x509.load_pem_x509_certificate(active.cert_pem)
        names = {a.oid: a.value for a in certificate.subject}
        assert names[NameOID.COMMON_NAME] == DEVICE_PREFIX + device
        assert names[NameOID.SERIAL_NUMBER] == device
        certificate.verify_directly_issued_by(root)
        retired = repo.get_identity(session.conn, before.id)
        assert retired is not None and not retired.active
        assert [r.fingerprint for r in repo.trust_roots(session.conn)] == roots_before
        assert keys.device_signer(session) is not None
    serial = format(certificate.serial_number, "x")
    assert serial in hq_server.admin("devices").stdout

    statement = signed_statement(store)
    with unlock(StorePaths(store), FIRST[1], FIRST[2]) as session:
        from desktop.store import documents

        pdf = tmp_path / "statement.pdf"
        pdf.write_bytes(documents.signed_document(session.conn, statement))
    verified = run_cli("verify", str(pdf), "--trust", str(ca / "root.cert.pem"), "--json")
    ok(verified)
    assert json.loads(verified.stdout.strip().splitlines()[-1])["bottom_line"] is True
    report = pdfsig_trusting(pdf, (ca / "root.cert.pem").read_bytes(), tmp_path / "nss")
    assert all_trusted(report)
    assert DEVICE_PREFIX + device in report  # the device HQ named signed as the device


@contextmanager
def swapping_relay(hq: RunningHQ) -> Iterator[str]:
    """A man in the middle: relays enrolments to HQ and swaps the certificate in the answer
    for one of his own CA over the same key (he cannot compute the code's MAC)."""
    own = unit_ca.create_unit_root("假冒单位")

    class Relay(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            upstream = http.client.HTTPConnection("127.0.0.1", hq.port, timeout=30)
            upstream.request("POST", self.path, body, {
                k: v for k, v in self.headers.items() if k.lower().startswith("sr-")
                or k.lower() == "content-type"})
            reply = upstream.getresponse()
            data, mac = reply.read(), reply.getheader("SR-Enrol-MAC") or ""
            upstream.close()
            value = json.loads(data)
            if "certificate" in value:
                theirs = x509.load_pem_x509_certificate(value["certificate"].encode())
                public = theirs.public_key()
                assert isinstance(public, ec.EllipticCurvePublicKey)
                forged = pki.end_entity_certificate(
                    own.key, own.certificate, public, theirs.subject, role=None,
                    now=theirs.not_valid_before_utc, years=3)
                value["certificate"] = forged.public_bytes(PEM).decode()
                value["chain"] = [own.certificate.public_bytes(PEM).decode()]
                data = canonical_json(value)
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("SR-Enrol-MAC", mac)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Relay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _bare_store(tmp_path: Path) -> Path:
    store = tmp_path / "store"
    ok(run_cli("init", "--workdir", str(store), "--name", ADMIN[0], "--certificate", ADMIN[1],
               "--unit", UNIT, env=login(ADMIN)))
    return store


def test_no_ca_enrols_as_before_then_a_new_code_brings_hqs_root_and_certificate(
        tmp_path: Path, hq_server: RunningHQ) -> None:
    store = _bare_store(tmp_path)
    plain = ok(run_cli("sync", "enrol", "--workdir", str(store), "--hq", hq_server.url,
                       "--code", hq_server.enrol_code(), env=login(ADMIN)))
    assert "Enrolled with HQ" in plain.stdout and "certificate" not in plain.stdout
    with unlock(StorePaths(store), ADMIN[1], ADMIN[2]) as session:
        assert repo.active_identity(session.conn, repo.DEVICE) is None
        assert repo.trust_roots(session.conn) == []
        assert sync_state.enrolment(session.conn) is not None

    assert hq_server.admin("ca", "init", "--unit", UNIT).returncode == 0
    code = hq_server.enrol_code()
    with unlock(StorePaths(store), ADMIN[1], ADMIN[2]) as session:
        enrolled = sync_round.enrol(session, hq_server.url, code)
        assert enrolled.certificate is not None
        root = x509.load_pem_x509_certificate(enrolled.certificate.chain[-1])
        (trusted,) = repo.trust_roots(session.conn)
        assert trusted.fingerprint == fingerprint(root)
        active = repo.active_identity(session.conn, repo.DEVICE)
        assert active is not None and active.cert_pem == enrolled.certificate.certificate
        assert keys.device_signer(session) is not None
        (added,) = [e for e in audit.records(session.conn)
                    if e.action == Action.TRUST_ROOT_ADDED.value]
        details = json.loads(added.details)
        assert (details["source"], details["authenticated_by"], details["hq"]) == (
            "hq_enrolment", "enrolment_code_mac", enrolled.hq_id)
        (_, pinned) = [e for e in audit.records(session.conn)
                       if e.action == Action.SYNC_ENROLLED.value]
        assert json.loads(pinned.details)["device_certificate"] == fingerprint(
            x509.load_pem_x509_certificate(active.cert_pem))
        identities, events = len(repo.list_identities(session.conn)), audit.size(session.conn)

        # The answer was lost and the administrator tries again with the same code: the same
        # certificate, nothing imported or trusted twice.
        again = sync_round.enrol(session, hq_server.url, code)
        assert again.certificate == enrolled.certificate
        assert len(repo.list_identities(session.conn)) == identities
        assert len(repo.trust_roots(session.conn)) == 1
        assert audit.size(session.conn) == events + 1  # the enrolment itself, audited again


def test_a_man_in_the_middle_who_swaps_the_certificate_is_refused(
        tmp_path: Path, hq_server: RunningHQ) -> None:
    store = _bare_store(tmp_path)
    assert hq_server.admin("ca", "init", "--unit", UNIT).returncode == 0
    code = hq_server.enrol_code()
    with swapping_relay(hq_server) as relay, \
            unlock(StorePaths(store), ADMIN[1], ADMIN[2]) as session:
        with pytest.raises(UserError, match="not authenticated"):
            sync_round.enrol(session, relay, code)
        assert sync_state.enrolment(session.conn) is None
        assert repo.trust_roots(session.conn) == []
        assert repo.active_identity(session.conn, repo.DEVICE) is None
        # HQ itself gives the genuine answer to the same code.
        genuine = sync_round.enrol(session, hq_server.url, code)
        assert genuine.certificate is not None
        assert repo.active_identity(session.conn, repo.DEVICE) is not None
