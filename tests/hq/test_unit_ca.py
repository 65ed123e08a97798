"""HQ as the unit CA, against a real HQ process: `ca init`, `ca import` of the root key file
`statement-room ca` writes, `ca show`; a device enrolling with a CSR receives its certificate
(the device profile of `sync.protocol.pki`, chained to HQ's root) under the enrolment MAC, the
same answer again after a lost one, and a CSR that proves nothing is refused before the code
is spent. An HQ without a CA enrols as before. Revoking a device revokes its certificates and
publishes them in the ``revocations`` dataset."""

from __future__ import annotations

import json
import stat
import uuid
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from desktop.documents import unit_ca as desktop_ca
from desktop.services import ca_root
from sync.protocol.canonical import canonical_json
from sync.protocol.pki import DEVICE_PREFIX, certificate_role
from sync.protocol.requests import enrol_mac, enrol_mac_matches, enrol_proof_bytes
from tests.hq.client import Device, Reply, enrolled
from tests.support.hq_server import RunningHQ

UNIT = "示例区综合行政执法局城南中队"


def csr_for(key: ec.EllipticCurvePrivateKey) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "whatever the device says")])
    return x509.CertificateSigningRequestBuilder().subject_name(name).sign(
        key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def enrol_with_csr(device: Device, code: str, csr: bytes) -> Reply:
    code_id, _, secret = code.partition("-")
    key_hex = device.key.public_key().public_bytes_raw().hex()
    nonce = str(uuid.uuid4())
    proof = device.key.sign(enrol_proof_bytes(code_id, key_hex, nonce)).hex()
    body = canonical_json({"v": 1, "device_key": key_hex, "name": "room 3", "nonce": nonce,
                           "proof": proof, "csr": csr.decode("ascii")})
    reply = device.raw("POST", "/v1/enrol", body, {
        "SR-Enrol-Code": code_id, "SR-Enrol-MAC": enrol_mac(secret, body),
        "Content-Type": "application/json"})
    if reply.status == 200:
        assert enrol_mac_matches(secret, reply.body, reply.headers["sr-enrol-mac"])
    return reply


def test_ca_init_keeps_the_root_sealed_and_devices_get_certificates(
        hq_server: RunningHQ, tmp_path: Path) -> None:
    assert "holds no unit CA" in hq_server.admin("ca", "show").stdout
    made = hq_server.admin("ca", "init", "--unit", UNIT)
    assert made.returncode == 0, made.stderr
    assert "电子笔录签名根证书" in made.stdout
    assert "receive their signing certificate" in made.stdout
    again = hq_server.admin("ca", "init", "--unit", "another unit")
    assert again.returncode == 2 and "already holds a unit CA" in again.stderr
    at_rest = hq_server.data_dir / "keys" / "unit-ca.json"
    assert stat.S_IMODE(at_rest.stat().st_mode) == 0o600
    held = json.loads(at_rest.read_text())
    root = x509.load_pem_x509_certificate(held["certificate"].encode())
    assert b"PRIVATE KEY" not in at_rest.read_bytes() and set(held) >= {"nonce", "ciphertext"}

    # A device enrols with a CSR: the answer carries its certificate and the chain to the root.
    device, key = Device(hq_server), ec.generate_private_key(ec.SECP256R1())
    code = hq_server.enrol_code()
    first = enrol_with_csr(device, code, csr_for(key))
    assert first.status == 200, first.body
    answer = first.json()
    certificate = x509.load_pem_x509_certificate(answer["certificate"].encode())
    chain = [x509.load_pem_x509_certificate(pem.encode()) for pem in answer["chain"]]
    assert chain == [root]
    certificate.verify_directly_issued_by(root)
    assert certificate.public_key() == key.public_key()
    subject = {a.oid: a.value for a in certificate.subject}
    assert subject[NameOID.COMMON_NAME] == DEVICE_PREFIX + device.id
    assert subject[NameOID.SERIAL_NUMBER] == device.id
    assert subject[NameOID.ORGANIZATION_NAME] == UNIT
    assert certificate_role(certificate) is None  # the device profile carries none
    years = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert 3 * 365 <= years.days <= 3 * 365 + 3
    # A lost answer: the same code and key get the same bytes, the same certificate.
    again_answer = enrol_with_csr(device, code, csr_for(key))
    assert (again_answer.status, again_answer.body) == (200, first.body)

    serial = format(certificate.serial_number, "x")
    assert serial in hq_server.admin("devices").stdout
    shown = hq_server.admin("ca", "show").stdout
    assert "1 device certificate issued" in shown and f"serial {serial}" in shown
    assert "valid" in shown.splitlines()[-1]
    # Revoking the device revokes its certificate and publishes it to every device, beside
    # what the administrator had published by hand.
    by_hand = tmp_path / "revocations.json"
    by_hand.write_text(json.dumps({"certificates": [{"sha256": "ab" * 32, "reason": "lost"}]}))
    assert hq_server.admin("publish", "revocations", str(by_hand)).returncode == 0
    revoked = hq_server.admin("revoke-device", device.id)
    assert revoked.returncode == 0 and "with the certificates HQ issued it" in revoked.stdout
    assert "revocations version 2 published" in revoked.stdout
    assert "revoked" in hq_server.admin("ca", "show").stdout.splitlines()[-1]
    listed = enrolled(hq_server).call("GET", "/v1/ref/revocations/2")
    assert listed.status == 200
    (kept, entry) = listed.json()["certificates"]
    assert kept == {"sha256": "ab" * 32, "reason": "lost"}
    assert entry["sha256"] == certificate.fingerprint(hashes.SHA256()).hex()
    assert device.id in entry["reason"]
    again_revoked = hq_server.admin("revoke-device", device.id)
    assert again_revoked.returncode == 0 and "published" not in again_revoked.stdout


def test_a_csr_that_proves_nothing_is_refused_and_the_code_stays_unspent(
        hq_server: RunningHQ) -> None:
    assert hq_server.admin("ca", "init", "--unit", UNIT).returncode == 0
    device, key = Device(hq_server), ec.generate_private_key(ec.SECP256R1())
    code = hq_server.enrol_code()
    good = csr_for(key)
    der = bytearray(x509.load_pem_x509_csr(good).public_bytes(serialization.Encoding.DER))
    der[-1] ^= 0x01  # the last byte of the signature's s
    forged = x509.load_der_x509_csr(bytes(der)).public_bytes(serialization.Encoding.PEM)
    refused = enrol_with_csr(device, code, forged)
    assert (refused.status, refused.error) == (401, "bad_signature")
    garbage = enrol_with_csr(device, code, b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n")
    assert (garbage.status, garbage.error) == (400, "bad_request")
    p384 = enrol_with_csr(device, code, csr_for(ec.generate_private_key(ec.SECP384R1())))
    assert (p384.status, p384.error) == (400, "bad_request")
    assert device.id not in hq_server.admin("devices").stdout
    assert enrol_with_csr(device, code, good).status == 200


def test_a_damaged_unit_ca_is_the_operators_alert_and_the_code_stays_unspent(
        hq_server: RunningHQ) -> None:
    assert hq_server.admin("ca", "init", "--unit", UNIT).returncode == 0
    held = hq_server.data_dir / "keys" / "unit-ca.json"
    document = json.loads(held.read_bytes())
    document["ciphertext"] = "00" + document["ciphertext"][2:]
    held.write_text(json.dumps(document), encoding="utf-8")
    device, key = Device(hq_server), ec.generate_private_key(ec.SECP256R1())
    code = hq_server.enrol_code()
    reply = enrol_with_csr(device, code, csr_for(key))
    assert (reply.status, reply.error) == (503, "unavailable")
    assert reply.headers["retry-after"] == "300"
    alerts = hq_server.admin("alerts")
    assert alerts.returncode == 1 and "unit_ca_damaged" in alerts.stdout
    assert "Traceback" not in hq_server.log()
    assert device.id not in hq_server.admin("devices").stdout
    assert hq_server.admin("ca", "show").returncode == 2  # says the file is damaged


def test_hq_without_a_ca_enrols_as_before(hq_server: RunningHQ) -> None:
    device = Device(hq_server)
    reply = enrol_with_csr(device, hq_server.enrol_code(),
                           csr_for(ec.generate_private_key(ec.SECP256R1())))
    assert reply.status == 200
    assert set(reply.json()) == {"v", "hq", "device", "receipt_key", "enrolled_ms"}
    assert f"{device.id}  room 3" in hq_server.admin("devices").stdout
    assert "certificate -" in hq_server.admin("devices").stdout


def test_ca_import_takes_the_root_key_file_of_statement_room_ca(
        hq_server: RunningHQ, tmp_path: Path) -> None:
    root = desktop_ca.create_unit_root(UNIT)
    key_file = tmp_path / "root.key.json"
    key_file.write_bytes(ca_root.export_root_key(root, b"Ca-root-2026-passphrase"))
    wrong, right = tmp_path / "wrong", tmp_path / "right"
    wrong.write_text("not the passphrase\n")
    right.write_text("Ca-root-2026-passphrase\n")  # the line end an editor adds is not in it
    refused = hq_server.admin("ca", "import", str(key_file), "--passphrase-file", str(wrong))
    assert refused.returncode == 2 and "passphrase does not open" in refused.stderr
    not_a_key = hq_server.admin("ca", "import", str(right), "--passphrase-file", str(right))
    assert not_a_key.returncode == 2 and "not a unit root key file" in not_a_key.stderr
    assert "holds no unit CA" in hq_server.admin("ca", "show").stdout
    imported = hq_server.admin("ca", "import", str(key_file), "--passphrase-file", str(right))
    assert imported.returncode == 0, imported.stderr
    fingerprint = root.certificate.fingerprint(hashes.SHA256()).hex()
    assert f"sha256 {fingerprint}" in hq_server.admin("ca", "show").stdout
    # Certificates HQ issues now chain to the unit's own root.
    device, key = Device(hq_server), ec.generate_private_key(ec.SECP256R1())
    answer = enrol_with_csr(device, hq_server.enrol_code(), csr_for(key)).json()
    certificate = x509.load_pem_x509_certificate(answer["certificate"].encode())
    certificate.verify_directly_issued_by(root.certificate)
    assert answer["chain"] == [root.certificate.public_bytes(
        serialization.Encoding.PEM).decode()]
