"""A supervisor downloads a statement's court package from HQ, and it verifies like one the
desktop exported (decision 36), on both lanes:

a store made with `statement-room init` enrols at an HQ that is its unit CA (`ca import` of
the unit's root), signs a statement and imports a photo, and syncs with the real sync engine
(`statement-room sync`); a collection station sends the case's body-cam footage record with
its docking's ingest certificate. A supervisor logged in to the room downloads the package
over HTTP: it verifies with the stand-alone verifier inside it and with the installed one,
given the unit root, signed by HQ's export certificate while the audit events are proven
against the tree head the device signed; pdfsig trusts the PDF inside. One changed byte of
the PDF fails, and so does a binding signed by a certificate not under the root. The access
log names the party; the legal office may download, an administrator may not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import json
import os
import re
import stat
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path
from urllib.parse import unquote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sync.protocol import pki
from sync.protocol.context import (
    CaseSnapshot,
    EvidenceItemRecord,
    OfficerSnapshot,
    PartySnapshot,
    StatementContext,
)
from sync.protocol.ingest import (
    DockingClock,
    IngestCertificate,
    IngestedFile,
    IngestPolicy,
    RecorderIdentity,
)
from sync.protocol.records import RecordKind
from sync.protocol.signing import sign
from sync.protocol.statement import StatementContent
from tests.cli.helpers import last_json, run_cli
from tests.cli.test_cli_end_to_end import ADMIN, CA_PASS, CASE_NUMBER, UNIT, login, ok, set_up_unit
from tests.cli.test_sync_cli import _signed_statement_and_evidence
from tests.hq.client import Device, enrolled
from tests.hq.test_web_accounts import Visitor
from tests.hq.web_support import add_user, browser, hq_rows, totp_now
from tests.poppler import all_trusted, pdfsig_trusting
from tests.support.hq_server import RunningHQ
from verification import package_verifier as verifier

ROOT = Path(__file__).resolve().parents[2]
SUPERVISOR = ("zhao", "Supervisor-2026")
LEGAL = ("li", "Legal-office-2026")
ADMINISTRATOR = ("wang", "Administrator-2026")
FOOTAGE = hashlib.sha256(b"the recorder's footage").hexdigest()


def download(hq: RunningHQ, visitor: Visitor, statement: str
             ) -> tuple[int, dict[str, str], bytes]:
    """GET the package with the visitor's session (Visitor reads text; a zip is bytes)."""
    connection = http.client.HTTPConnection("127.0.0.1", hq.port, timeout=120)
    try:
        connection.request("GET", f"/room/statements/{statement}/package", headers={
            "Cookie": "; ".join(f"{k}={v}" for k, v in visitor.cookies.items())})
        response = connection.getresponse()
        return (response.status, {k.lower(): v for k, v in response.getheaders()},
                response.read())
    finally:
        connection.close()


def send_case_records(hq: RunningHQ, statement: str, store_item: dict[str, object]) -> str:
    """What the desktop does not send yet (another part of issue 16): the statement's
    context and the photo's evidence record; and a collection station's docking of the
    case's body-cam footage with its ingest certificate. The station's device id."""
    row = hq_rows(hq, "SELECT device, sha256 FROM records WHERE kind = 'statement' AND "
                      "entity_id = ?", (statement,))[0]
    station = enrolled(hq)
    content_rows = hq_rows(hq, "SELECT case_id, party, case_number FROM room_statements "
                               "WHERE statement = ?", (statement,))
    case_id, party = str(content_rows[0]["case_id"]), str(content_rows[0]["party"])
    assert row["device"] != station.id
    records: list[tuple[RecordKind, str, bytes]] = []
    if content_rows[0]["case_number"] is None:
        officers = hq_rows(hq, "SELECT interviewers, recorder FROM room_statements WHERE "
                               "statement = ?", (statement,))[0]
        ids = dict.fromkeys([*json.loads(str(officers["interviewers"])),
                             str(officers["recorder"])])
        context = StatementContext(
            statement=statement,
            case=CaseSnapshot(case_id, CASE_NUMBER, "占道经营", "", "城北路12号"),
            party=PartySnapshot(party, "resident_id", "110101199003071233", "测试人甲",
                                "unknown", "", None, "", "", None, None, "13900000001", "",
                                "manual"),
            officers=tuple(OfficerSnapshot(o, f"队员{n}", f"OFF-00{n}", UNIT)
                           for n, o in enumerate(ids, 2)))
        records.append((RecordKind.STATEMENT_CONTEXT, statement, context.canonical_bytes()))
    held = hq_rows(hq, "SELECT 1 FROM records WHERE kind = 'evidence_record' AND "
                       "entity_id = ?", (str(store_item["id"]),))
    if not held:
        photo = EvidenceItemRecord(
            id=str(store_item["id"]), case=case_id, statement=None,
            sha256=str(store_item["sha256"]), sm3=None, size=int(str(store_item["size"])),
            kind="photo", source="import", marked=False, captured_at=None,
            imported_at="2026-12-07T09:00:00+08:00", imported_by="officer",
            device_serial=None, officer_number=None, docking=None, device_path=None)
        records.append((RecordKind.EVIDENCE_RECORD, photo.id, photo.canonical_bytes()))
    docking, footage = str(uuid.uuid4()), str(uuid.uuid4())
    certificate = IngestCertificate(
        docking=docking, store="station-1",
        device=RecorderIdentity("DSJ-0001", "DSJ-SYN", "33070021001", "", "", ""),
        clock=DockingClock("2026-12-07T09:30:00+08:00", None, 4000, 0), case=case_id,
        statement=None, started_at="2026-12-07T09:30:00+08:00", officer="officer",
        policy=IngestPolicy(delete_originals=False, sm3=False),
        files=(IngestedFile(id=footage, status="stored", original_name="REC0001.MP4",
                            device_path="DCIM/REC0001.MP4", sha256=FOOTAGE, sm3=None,
                            size=4096, kind="video", marked=True, captured_at=None),),
        skipped=())
    records.append((RecordKind.DOCKING, docking,
                    json.dumps(sign(certificate, station.key).to_json(), sort_keys=True,
                               separators=(",", ":"), ensure_ascii=False).encode()))
    video = EvidenceItemRecord(
        id=footage, case=case_id, statement=None, sha256=FOOTAGE, sm3=None, size=4096,
        kind="video", source="bodycam", marked=True, captured_at="2026-12-07T08:00:00+08:00",
        imported_at="2026-12-07T09:31:00+08:00", imported_by="officer",
        device_serial="DSJ-0001", officer_number="33070021001", docking=docking,
        device_path="DCIM/REC0001.MP4",
        custody={"clock_offset_ms": 4000, "gps": {"points": 12}})
    records.append((RecordKind.EVIDENCE_RECORD, video.id, video.canonical_bytes()))
    for kind, entity, data in records:
        reply = station.send(station.entry(kind, entity, data), data)
        assert reply.status == 200, reply.body
    return station.id


def run_packaged(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The verifier shipped in the package, isolated from this project (`python3 -I`)."""
    return subprocess.run([sys.executable, "-I", "verify_package.py", "--en", *args],
                          cwd=folder, capture_output=True, text=True, timeout=120,
                          check=False, env={"PATH": os.environ.get("PATH", "")})


def run_installed(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed verifier: `python3 -m verification.package_verifier`."""
    return subprocess.run([sys.executable, "-m", "verification.package_verifier", "--en",
                           *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=False)


def forged_binding(members: dict[str, bytes]) -> dict[str, bytes]:
    """The package re-signed by an HQ export certificate of another root: tag manifests
    and binding recomputed, so only the chain to the given root can tell."""
    other_key = ec.generate_private_key(ec.SECP384R1())
    now = dt.datetime.now(dt.UTC)
    other_root = pki.root_certificate("假冒单位", other_key, not_before=now - pki.BACKDATE,
                                      not_after=now + dt.timedelta(days=3650))
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = pki.end_entity_certificate(
        other_key, other_root, key.public_key(), pki.hq_export_subject("假冒单位", "hq-x"),
        role=pki.HQ_EXPORT_ROLE, now=now, years=1)
    forged = dict(members)
    forged[verifier.CHAIN_PATH] = certificate.public_bytes(serialization.Encoding.PEM)
    for algorithm, name in zip(verifier.ALGORITHMS, verifier.TAG_MANIFESTS, strict=True):
        listed = verifier.parse_manifest(name, forged[name].decode())
        forged[name] = "".join(f"{verifier.digest(algorithm, forged[path])}  {path}\n"
                               for path in listed).encode()
    binding = json.loads(forged[verifier.BINDING_PATH])
    binding["device_certificate_sha256"] = hashlib.sha256(
        certificate.public_bytes(serialization.Encoding.DER)).hexdigest()
    binding["tagmanifests"] = {name: hashlib.sha256(forged[name]).hexdigest()
                               for name in verifier.TAG_MANIFESTS}
    forged[verifier.BINDING_PATH] = verifier.canonical(binding)
    forged[verifier.BINDING_SIG_PATH] = key.sign(forged[verifier.BINDING_PATH],
                                                 ec.ECDSA(hashes.SHA256()))
    return forged


def test_a_supervisor_downloads_a_package_that_verifies_like_the_desktops(
        tmp_path: Path, hq_server: RunningHQ) -> None:
    store, ca = set_up_unit(tmp_path)
    passphrase = tmp_path / "passphrase"
    passphrase.write_text(CA_PASS + "\n")
    imported = hq_server.admin("ca", "import", str(ca / "root.key.json"), "--passphrase-file",
                               str(passphrase))
    assert imported.returncode == 0, imported.stderr
    workdir = ("--workdir", str(store))
    admin = login(ADMIN)
    ok(run_cli("sync", "enrol", *workdir, "--hq", hq_server.url, "--code",
               hq_server.enrol_code(), env=admin))
    statement, item_id = _signed_statement_and_evidence(store, tmp_path)
    synced = last_json(ok(run_cli("sync", *workdir, "--json", env=admin)).stdout)
    assert synced["complete"] and synced["failed"] == 0
    items = last_json(ok(run_cli("evidence", "list", *workdir, "--case", CASE_NUMBER,
                                 "--json", env=admin)).stdout)["items"]
    photo = next(i for i in items if i["id"] == item_id)
    station = send_case_records(hq_server, statement, photo)
    [row] = hq_rows(hq_server, "SELECT device, party FROM room_statements WHERE statement = ?",
                    (statement,))
    device, party = str(row["device"]), str(row["party"])
    assert party and device != station

    add_user(hq_server, *SUPERVISOR[:1], "supervisor", SUPERVISOR[1])
    supervisor = Visitor(hq_server)
    assert supervisor.login(*SUPERVISOR)[0] == 303
    status, headers, package = download(hq_server, supervisor, statement)
    assert status == 200, package[:400]
    assert headers["content-type"] == "application/zip"
    assert headers["cache-control"] == "no-store"
    disposition = headers["content-disposition"]
    assert disposition.startswith("attachment;")
    name = unquote(re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1))  # type: ignore[union-attr]
    assert name == f"证据包_{CASE_NUMBER}_{statement[:8]}.zip"
    saved = tmp_path / "pkg.zip"
    saved.write_bytes(package)
    root_pem = ca / "root.cert.pem"

    # The stand-alone verifier inside the package and the installed one, given the root.
    folder = tmp_path / "extracted"
    with zipfile.ZipFile(saved) as archive:
        archive.extractall(folder)
    for done in (run_packaged(folder, "--root", str(root_pem)),
                 run_packaged(folder, "--root", str(root_pem), str(saved)),
                 run_installed("--root", str(root_pem), str(saved))):
        assert done.returncode == 0, done.stdout + done.stderr
        assert "signed by HQ's export certificate" in done.stdout
        assert "it was exported by the HQ of the unit" in done.stdout
        assert "HQ's export certificate chains to the unit root" in done.stdout
        assert "Ed25519 signature by key " + device in done.stdout  # the device's own head
        assert "2 evidence items" in done.stdout and "1 ingest certificates" in done.stdout
        assert "another device key " + station in done.stdout  # the station's, not bound
    chinese = subprocess.run([sys.executable, "-I", "verify_package.py", "--root",
                              str(root_pem)], cwd=folder, capture_output=True, text=True,
                             timeout=120, check=False, env={"PATH": os.environ["PATH"]})
    assert chinese.returncode == 0 and "确认由该单位总部导出" in chinese.stdout

    members = verifier.read_zip(package)
    info = members["bag-info.txt"].decode()
    assert "Export-Source: hq\n" in info and f"Case-Number: {CASE_NUMBER}\n" in info
    hq_id = str(hq_server.info()["hq"])
    assert f"Exported-By: 总部 {hq_id}（{SUPERVISOR[0]}）\n" in info
    assert re.search(r"Export-Time: 20\d\d-\d\d-\d\dT", info)
    signer = x509.load_pem_x509_certificate(members[verifier.CHAIN_PATH])
    assert pki.certificate_role(signer) == pki.HQ_EXPORT_ROLE
    names = {a.oid: a.value for a in signer.subject}
    assert names[NameOID.COMMON_NAME] == pki.HQ_EXPORT_PREFIX + hq_id
    assert (names[NameOID.SERIAL_NUMBER], names[NameOID.ORGANIZATION_NAME]) == (hq_id, UNIT)
    assert members[verifier.ROOT_PATH] == root_pem.read_bytes()
    held = hq_server.data_dir / "keys" / "hq-export.json"
    assert stat.S_IMODE(held.stat().st_mode) == 0o600 and b"PRIVATE" not in held.read_bytes()
    head = json.loads(members[verifier.TREE_HEAD_PATH])
    assert head["signed_tree_head"]["key_id"] == device
    pdf_rows = hq_rows(hq_server, "SELECT sha256 FROM records WHERE kind = 'statement_pdf' "
                                  "AND entity_id = ?", (statement,))
    assert hashlib.sha256(members[verifier.PDF_PATH]).hexdigest() == pdf_rows[0]["sha256"]
    events = [json.loads(json.loads(line)["leaf"])
              for line in members[verifier.EVENTS_PATH].decode().splitlines()]
    shown = last_json(ok(run_cli("statement", "show", *workdir, statement, "--json",
                                 env=admin)).stdout)
    turn_ids = {str(t["id"]) for t in shown["turns"]}
    assert {e["subject"] for e in events} <= {statement, *turn_ids}
    assert "document.signed" in {e["action"] for e in events}
    manifest = json.loads(members[verifier.EVIDENCE_MANIFEST_PATH])
    assert {i["id"] for i in manifest["items"]} == {photo["id"], *(
        i["id"] for i in manifest["items"] if i["kind"] == "video")}
    assert manifest["case_number"] == CASE_NUMBER and not manifest["media_included"]

    # The PDF inside is the signed statement pdfsig trusts under the unit root, and the
    # statement room's own verifier says the same.
    pdf = folder / verifier.PDF_PATH
    assert all_trusted(pdfsig_trusting(pdf, root_pem.read_bytes(), tmp_path / "nss"))
    checked = ok(run_cli("verify", str(pdf), "--trust", str(root_pem), "--json"))
    assert json.loads(checked.stdout.strip().splitlines()[-1])["bottom_line"] is True

    # One byte of the PDF changed: the package fails, whichever verifier.
    altered = dict(members)
    body = bytearray(altered[verifier.PDF_PATH])
    body[len(body) // 2] ^= 0x01
    altered[verifier.PDF_PATH] = bytes(body)
    (tmp_path / "altered.zip").write_bytes(verifier.write_zip(altered))
    for done in (run_packaged(folder, "--root", str(root_pem), str(tmp_path / "altered.zip")),
                 run_installed("--root", str(root_pem), str(tmp_path / "altered.zip"))):
        assert done.returncode == 1, done.stdout
        assert "FAILED  data/statement.pdf: sha256 does not match" in done.stdout

    # A binding signed by a certificate not under the root fails against the root.
    (tmp_path / "forged.zip").write_bytes(verifier.write_zip(forged_binding(members)))
    forged = run_packaged(folder, "--root", str(root_pem), str(tmp_path / "forged.zip"))
    assert forged.returncode == 1, forged.stdout
    assert "does not chain to the given unit root" in forged.stdout

    # A second download is signed by the same HQ export certificate.
    again = download(hq_server, supervisor, statement)[2]
    assert verifier.read_zip(again)[verifier.CHAIN_PATH] == members[verifier.CHAIN_PATH]

    # The legal office may download; an administrator may not. Every try names the party.
    add_user(hq_server, LEGAL[0], "legal", LEGAL[1])
    legal = Visitor(hq_server)
    assert legal.login(*LEGAL)[0] == 303
    assert download(hq_server, legal, statement)[0] == 200
    secret = add_user(hq_server, ADMINISTRATOR[0], "admin", ADMINISTRATOR[1])
    assert secret is not None
    administrator = Visitor(hq_server)
    assert administrator.login(*ADMINISTRATOR, code=totp_now(secret))[0] == 303
    refused = download(hq_server, administrator, statement)
    assert refused[0] == 403 and "仅限监察人员和法制部门下载" in refused[2].decode()
    logged = hq_rows(hq_server, "SELECT user_name, role, device, record, party, status FROM "
                                "web_access_log WHERE page = 'statement-package' ORDER BY at_ms")
    assert [(r["user_name"], r["status"]) for r in logged] == [
        (SUPERVISOR[0], 200), (SUPERVISOR[0], 200), (LEGAL[0], 200), (ADMINISTRATOR[0], 403)]
    assert {(r["device"], r["record"], r["party"]) for r in logged} == {
        (device, statement, party)}


def test_a_statement_hq_cannot_package_yet_says_why(hq_server: RunningHQ) -> None:
    """Unknown statements are a 404 and a malformed id a 400; a statement whose signed PDF
    has not arrived is a 409 that says so, logged with the device and the statement."""
    device = enrolled(hq_server)
    content = _content_only(device)
    add_user(hq_server, SUPERVISOR[0], "supervisor", SUPERVISOR[1])
    supervisor = Visitor(hq_server)
    assert supervisor.login(*SUPERVISOR)[0] == 303
    assert download(hq_server, supervisor, "no-such-statement")[0] == 404
    assert download(hq_server, supervisor, "bad%20id")[0] == 400
    status, _headers, page = download(hq_server, supervisor, content)
    assert status == 409 and "总部尚未收到该笔录已签名的 PDF" in page.decode()
    logged = hq_rows(hq_server, "SELECT device, record, status FROM web_access_log WHERE "
                                "page = 'statement-package' AND status = 409")
    assert [(r["device"], r["record"]) for r in logged] == [(device.id, content)]


def test_the_browser_shows_why_a_package_cannot_be_had_yet(
        hq_server: RunningHQ, tmp_path: Path) -> None:
    """In Debian's chromium, the 409 page says what HQ is waiting for (screenshot
    ``package-unavailable.png``, into docs/screenshots/hq/ with SR_HQ_SCREENSHOTS)."""
    statement = _content_only(enrolled(hq_server))
    add_user(hq_server, SUPERVISOR[0], "supervisor", SUPERVISOR[1])
    shots = Path(os.environ.get("SR_HQ_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    with browser() as chromium:
        page = chromium.new_page()
        page.goto(f"{hq_server.url}/room/login")
        page.fill("input[name=name]", SUPERVISOR[0])
        page.fill("input[name=password]", SUPERVISOR[1])
        with page.expect_navigation():
            page.click("button[type=submit]")
        response = page.goto(f"{hq_server.url}/room/statements/{statement}/package")
        assert response is not None and response.status == 409
        assert page.locator("h1").inner_text() == "证据包暂不能下载"
        assert "总部尚未收到该笔录已签名的 PDF" in page.locator("p.error").inner_text()
        page.screenshot(path=str(shots / "package-unavailable.png"), full_page=True)
    assert "Traceback" not in hq_server.log()


def _content_only(device: Device) -> str:
    """A statement's content without its PDF, sent by a test device; its id."""
    statement = str(uuid.uuid4())
    content = StatementContent.from_json({
        "id": statement, "case": str(uuid.uuid4()), "kind": "inquiry",
        "place": "询问室", "started_at": "2026-12-07T09:00:00+08:00",
        "ended_at": "2026-12-07T09:30:00+08:00", "interviewers": ["o1", "o2"],
        "recorder": "o1", "interviewee": "p1", "addendum_of": None, "turns": []})
    data = content.canonical_bytes()
    reply = device.send(device.entry(RecordKind.STATEMENT, statement, data), data)
    assert reply.status == 200, reply.body
    return statement
