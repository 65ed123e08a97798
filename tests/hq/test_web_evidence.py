"""The supervision room's evidence over HTTP against a real HQ process, on both lanes: items
sent as the desktop sends them (record with custody and GPS track, medium, the docking's
signed ingest certificate), listed and filtered; an item's page with its corrected time, its
certificate verified at HQ against the enrolled device key (and a certificate replaced at
rest shown as not verified), its track; the medium streamed with byte-exact Range answers;
the missing-certificate alert; every view in the access log with the statement's party.

The browser itself is in test_web_evidence_browser.py.
"""

from __future__ import annotations

import hashlib
import http.client
import itertools
import re
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hq.blobs import HEADER_SIZE, FilesystemBlobStore
from hq.catalog import index, reindex
from hq.keys import load_master_key
from hq.web.evidence_media import Unsatisfiable, element_for, media_type, requested_range
from hq.web.evidence_plot import MAX_DRAWN, fixes, plot
from sync.protocol.canonical import canonical_json
from sync.protocol.records import OutboxEntry, RecordKind
from sync.protocol.signing import sign
from tests.hq.client import enrolled
from tests.hq.evidence_support import (
    PARTY_NAME,
    UPLOAD_CHUNK,
    Item,
    certificate,
    evidence_record,
    png,
    send_certificate,
    send_context,
    send_item,
    track_custody,
    wav,
)
from tests.hq.test_web_accounts import Visitor
from tests.hq.web_support import add_user, hq_rows
from tests.support.hq_server import RunningHQ

SUPERVISOR = ("zhang", "Supervise-2026!")
OCTETS = "application/octet-stream"
FIXES = 37


def _id() -> str:
    return str(uuid.uuid4())


def _get(visitor: Visitor, path: str, headers: dict[str, str] | None = None
         ) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", visitor.hq.port, timeout=60)
    cookie = "; ".join(f"{k}={v}" for k, v in visitor.cookies.items())
    try:
        connection.request("GET", path, headers={"Cookie": cookie, **(headers or {})})
        response = connection.getresponse()
        return (response.status, {k.lower(): v for k, v in response.getheaders()},
                response.read())
    finally:
        connection.close()


def test_evidence_pages_certificates_track_media_and_access_log(
        hq_server: RunningHQ, tmp_path: Path) -> None:
    device = enrolled(hq_server)
    case, statement, party = _id(), _id(), _id()
    send_context(device, case, statement, party)
    docking_a, docking_b, docking_c = _id(), _id(), _id()
    audio = Item(_id(), wav(45.0), "audio", docking_a,
                 track_custody(tmp_path / "a", docking_a, FIXES))
    assert len(audio.data) > 2 * UPLOAD_CHUNK  # sealed in three chunks, as uploaded
    photo = Item(_id(), png(), "photo", docking_b, {"docking": docking_b})
    forged = Item(_id(), wav(1.0), "audio", docking_c, {"docking": docking_c})
    # The certificate before its item's record and medium: any order makes the same row.
    send_certificate(device, certificate(docking_a, case, statement, [audio]))
    send_item(device, audio, case, statement)
    send_item(device, photo, case, statement)  # its docking's certificate never comes
    send_item(device, forged, case, statement)
    send_certificate(device, certificate(docking_c, case, statement, [forged]))
    blobs = hq_server.blobs()
    db = hq_server.database()
    try:
        # Indexed again from the records HQ holds (`reindex`), the catalog is the same.
        tables = ("room_evidence", "room_dockings")
        held = {t: db.all(f"SELECT * FROM {t} ORDER BY 1") for t in tables}
        assert len(held["room_evidence"]) == 3 and len(held["room_dockings"]) == 2
        with db.transaction() as conn:
            for table in tables:
                conn.execute(f"DELETE FROM {table}")
        assert reindex(db, blobs) >= 8
        assert {t: db.all(f"SELECT * FROM {t} ORDER BY 1") for t in tables} == held
        # Someone holding HQ's master key and database replaces the stored certificate with
        # one signed by another key: HQ checks it again on every view, so the page says so.
        fake = canonical_json(sign(certificate(docking_c, case, statement, [forged]),
                                   Ed25519PrivateKey.generate()).to_json())
        fake_sha = hashlib.sha256(fake).hexdigest()
        blobs.put(fake_sha, fake)
        with db.transaction() as conn:
            conn.execute("UPDATE room_dockings SET certificate_sha256 = ? WHERE docking = ?",
                         (fake_sha, docking_c))
    finally:
        db.close()

    add_user(hq_server, SUPERVISOR[0], "supervisor", SUPERVISOR[1])
    visitor = Visitor(hq_server)
    assert visitor.login(*SUPERVISOR)[0] == 303

    # The list: newest first, filters by case and device, checked parameters.
    status, _headers, page = visitor.request("GET", "/room/evidence")
    assert status == 200 and "共 3 件" in page
    assert all(item.id in page for item in (audio, photo, forged))
    assert "京东城罚〔2026〕88号" in page  # the case's number, from the statement's context
    status, _headers, page = visitor.request("GET", f"/room/evidence?case={case}&device="
                                                    f"{device.id}")
    assert status == 200 and "共 3 件" in page
    status, _headers, page = visitor.request("GET", f"/room/evidence?case={_id()}")
    assert status == 200 and "共 0 件" in page and "没有符合条件的证据" in page
    status, _headers, page = visitor.request("GET", f"/room/evidence?docking={docking_b}")
    assert "共 1 件" in page and photo.id in page and audio.id not in page
    for bad in ("?case=1;DROP", "?page=2", "?device=XYZ", f"?case={case}&case={case}"):
        assert visitor.request("GET", "/room/evidence" + bad)[0] == 400, bad

    # The audio item: facts, the corrected time, the verified certificate, the GPS track.
    status, headers, page = visitor.request("GET", f"/room/evidence/{audio.id}")
    assert status == 200
    assert "media-src 'self'" in headers["content-security-policy"]
    assert audio.sha256 in page and "+12.5 秒" in page
    assert "2026-12-07 09:29:47" in page  # 09:30:00 on the recorder, 12.5 s fast
    assert "减去对接时测得的记录仪时钟偏差" in page
    assert "执法人员 王警官（执法证号 京01234）" in page  # who imported it, from the roster
    assert "✓ 签名有效" in page and device.id in page
    highlighted = re.search(r'<tr class="this">(.*?)</tr>', page, re.S)
    assert highlighted is not None and audio.id in highlighted.group(1)
    path = re.search(r'<path class="track" d="([^"]+)"', page)
    assert path is not None and len(re.findall(r"[ML] ", path.group(1))) == FIXES
    assert f"共 {FIXES} 个定位点" in page and "起 09:29:47" in page and "终 09:35:47" in page
    assert f'<audio controls preload="metadata" src="/room/evidence/{audio.id}/media"' in page
    assert "no-certificate" not in page and PARTY_NAME not in page

    # The photo: an <img>, and the alert of the certificate that never came.
    status, _headers, page = visitor.request("GET", f"/room/evidence/{photo.id}")
    assert status == 200 and 'id="no-certificate"' in page
    assert "未收到该次对接的入库证书" in page
    assert f'<img src="/room/evidence/{photo.id}/media"' in page
    status, _headers, page = visitor.request("GET", "/room/")
    alert = re.search(r"<tr><td>当前</td><td>证据缺少对接入库证书</td>(.*?)</tr>", page, re.S)
    assert alert is not None and docking_b in alert.group(1) and device.id in alert.group(1)
    assert docking_a not in page and docking_c not in page

    # The replaced certificate is shown as not verified.
    status, _headers, page = visitor.request("GET", f"/room/evidence/{forged.id}")
    assert status == 200 and "✗ 签名未通过核验：签名与总部登记的终端密钥不符" in page
    assert "✓ 签名有效" not in page

    # The medium: whole, and each kind of range, byte-exact.
    media = f"/room/evidence/{audio.id}/media"
    size = len(audio.data)
    status, headers, body = _get(visitor, media)
    assert (status, headers["content-type"], body) == (200, "audio/wav", audio.data)
    assert headers["accept-ranges"] == "bytes" and headers["content-length"] == str(size)
    assert headers["content-disposition"] == f'inline; filename="{audio.id}.wav"'
    for asked, first, last in (("bytes=0-99", 0, 99),
                               ("bytes=699900-700100", 699_900, 700_100),  # two chunks
                               ("bytes=1048500-1400100", 1_048_500, 1_400_100),  # three
                               ("bytes=-500", size - 500, size - 1),
                               (f"bytes={size - 10}-", size - 10, size - 1),
                               (f"bytes=100-{size + 999}", 100, size - 1)):
        status, headers, body = _get(visitor, media, {"Range": asked})
        assert status == 206, asked
        assert headers["content-range"] == f"bytes {first}-{last}/{size}", asked
        assert body == audio.data[first:last + 1], asked
    status, headers, body = _get(visitor, media, {"Range": f"bytes={size}-"})
    assert status == 416 and headers["content-range"] == f"bytes */{size}"
    status, _headers, body = _get(visitor, media, {"Range": "bytes=0-1,5-6"})
    assert status == 200 and body == audio.data  # several ranges: the whole medium
    status, headers, body = _get(visitor, f"/room/evidence/{photo.id}/media")
    assert (status, headers["content-type"], body) == (200, "image/png", photo.data)
    assert _get(visitor, f"/room/evidence/{_id()}/media")[0] == 404
    assert _get(visitor, "/room/evidence/not-an-id")[0] == 400

    # Every view of an item is logged with the item, its device and its statement's party.
    rows = hq_rows(hq_server, "SELECT page, status, device, record, party FROM "
                              "web_access_log WHERE user_name = ?", (SUPERVISOR[0],))
    seen = {(r["page"], r["status"], r["device"], r["record"], r["party"]) for r in rows}
    for item in (audio, photo, forged):
        assert ("evidence-item", 200, device.id, item.id, party) in seen
    assert ("evidence-media", 206, device.id, audio.id, party) in seen
    assert ("evidence-media", 416, device.id, audio.id, party) in seen
    assert ("evidence-media", 200, device.id, photo.id, party) in seen
    assert sum(r["page"] == "evidence-media" and r["record"] == audio.id for r in rows) == 9
    # The catalog holds no party data in the clear.
    for table in ("room_evidence", "room_dockings"):
        assert PARTY_NAME not in repr(hq_rows(hq_server, f"SELECT * FROM {table}"))


def test_the_catalog_row_is_the_same_in_any_order_and_when_indexed_again(
        hq_server: RunningHQ) -> None:
    """An item's record, its medium and its docking's certificate, in each of the six
    orders, twice over, on the lane's database: one row, the same each time."""
    device_key = Ed25519PrivateKey.generate()
    device = hashlib.sha256(device_key.public_key().public_bytes_raw()).hexdigest()[:16]
    db = hq_server.database()
    rows = []
    try:
        for order in itertools.permutations(("record", "medium", "docking")):
            case, statement, docking = _id(), _id(), _id()
            item = Item(_id(), png(), "photo", docking, {"docking": docking,
                                                          "clock_offset_ms": -3000})
            payloads = {
                "record": (RecordKind.EVIDENCE_RECORD, item.id,
                           evidence_record(item, case, statement).canonical_bytes()),
                "medium": (RecordKind.EVIDENCE_ITEM, item.id, item.data),
                "docking": (RecordKind.DOCKING, docking, canonical_json(sign(
                    certificate(docking, case, statement, [item]), device_key).to_json()))}
            for seq, name in enumerate(order * 2, 1):
                kind, entity, data = payloads[name]
                entry = OutboxEntry(op_id=_id(), device=device, device_seq=seq, kind=kind,
                                    entity_id=entity, sha256=hashlib.sha256(data).hexdigest(),
                                    size=len(data))
                with db.transaction() as conn:
                    index(conn, entry, None if name == "medium" else data, 1000)
            row = db.one("SELECT * FROM room_evidence WHERE item = ?", (item.id,))
            assert row is not None
            assert row["case_id"] == case and row["docking"] == docking
            assert row["clock_offset_ms"] == -3000  # the item's own record wins
            assert row["source"] == "bodycam" and row["medium_ms"] == 1000
            rows.append({k: v for k, v in row.items()
                         if k not in ("item", "case_id", "statement", "docking", "record_sha256")})
            assert db.one("SELECT files FROM room_dockings WHERE docking = ?",
                          (docking,)) == {"files": 1}
    finally:
        db.close()
    assert all(row == rows[0] for row in rows), rows


def test_the_medium_type_is_read_from_its_bytes_and_decides_the_player() -> None:
    ts = bytes([0x47]) + bytes(187) + bytes([0x47]) + bytes(10)
    for head, name, element in (
            (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "video/mp4", "video"),
            (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", "video/quicktime", None),
            (b"\x1a\x45\xdf\xa3\x01\x00", "video/webm", "video"),
            (wav(0.01)[:64], "audio/wav", "audio"), (png()[:64], "image/png", "img"),
            (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg", "img"),
            (b"ID3\x04\x00", "audio/mpeg", "audio"), (ts, "video/mp2t", None),
            (b"RIFF\x00\x00\x00\x00AVI LIST", "video/x-msvideo", None),
            (b"%PDF-1.7", "application/pdf", None), (b"\x00\x01\x02", OCTETS, None),
            (b"", OCTETS, None)):
        assert media_type(head) == name, head
        assert element_for(name) == element, name


def test_a_range_is_one_span_of_bytes_or_the_whole_medium() -> None:
    size = 1000
    for header, wanted in ((None, None), ("bytes=0-0", (0, 0)), ("bytes=10-", (10, 999)),
                           ("bytes=-1", (999, 999)), ("bytes=-5000", (0, 999)),
                           ("bytes=990-5000", (990, 999)), ("bytes=5-4", None),
                           ("bytes=0-1,4-5", None), ("items=0-1", None), ("bytes=-", None),
                           ("bytes=x-1", None), ("bytes=" + "9" * 30 + "-", None)):
        assert requested_range(header, size) == wanted, header
    for header, of in (("bytes=1000-", 1000), ("bytes=-0", 1000), ("bytes=0-", 0)):
        with pytest.raises(Unsatisfiable):
            requested_range(header, of)


def test_the_track_plot_keeps_good_fixes_thins_long_tracks_and_marks_a_still_one() -> None:
    good = ["2026-12-07T01:00:00+00:00", "39.9", "116.4"]
    custody: dict[str, object] = {"gps": {"track": [
        good, ["2026-12-07T09:00:00", "39.9", "116.4"],  # no zone: not an instant
        ["2026-12-07T01:00:05+00:00", "95.0", "116.4"], ["bad"], "x",
        ["2026-12-07T01:00:10+00:00", "north", "116.4"]]}}
    still = plot(fixes(custody))
    assert still is not None and still.total == still.drawn == 1 and still.ticks == []
    assert still.path.count("M ") == 1 and still.path.count(" L ") == 0
    assert plot(fixes({})) is None and plot(fixes({"gps": {"track": "none"}})) is None

    long = [[f"2026-12-07T01:{i // 600:02d}:{i // 10 % 60:02d}.{i % 10}+00:00",
             f"{39.9 + i * 1e-5:.7f}", f"{116.4 + i * 2e-5:.7f}"] for i in range(5003)]
    drawn = plot(fixes({"gps": {"track": long}}))
    assert drawn is not None and drawn.total == 5003 and drawn.drawn <= MAX_DRAWN + 1
    last_x, last_y = drawn.path.rsplit("L ", 1)[1].split()
    assert (float(last_x), float(last_y)) == (drawn.end.x, drawn.end.y)  # the last fix
    assert drawn.start.colour != drawn.end.colour and len(drawn.ticks) == 4
    assert 0 < drawn.end.x <= drawn.width and 0 < drawn.start.y <= drawn.height


def test_the_list_is_newest_first_in_pages_that_keep_the_filter(hq_server: RunningHQ) -> None:
    """Rows as the catalog holds them (55 items of one device, 3 of another): page 1 has the
    50 newest, page 2 the rest, and the pager keeps the device filter."""
    device, other = "aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"
    items = [_id() for _ in range(55)]
    db = hq_server.database()
    try:
        with db.transaction() as conn:
            for n, (item, owner) in enumerate([*((i, device) for i in items),
                                               *((_id(), other) for _ in range(3))]):
                conn.execute("INSERT INTO room_evidence (item, device, kind, imported_ms) "
                             "VALUES (?, ?, 'photo', ?)", (item, owner, 1_765_000_000_000 + n))
    finally:
        db.close()
    add_user(hq_server, SUPERVISOR[0], "supervisor", SUPERVISOR[1])
    visitor = Visitor(hq_server)
    assert visitor.login(*SUPERVISOR)[0] == 303
    status, _headers, first = visitor.request("GET", f"/room/evidence?device={device}")
    assert status == 200 and "共 55 件，第 1 / 2 页" in first
    shown = re.findall(r'<a href="/room/evidence/([0-9a-f-]{36})">', first)
    assert shown == items[::-1][:50]  # newest first
    assert f'href="/room/evidence?device={device}&amp;page=2">下一页' in first
    status, _headers, second = visitor.request("GET", f"/room/evidence?device={device}&page=2")
    assert status == 200 and "第 2 / 2 页" in second
    assert re.findall(r'<a href="/room/evidence/([0-9a-f-]{36})">', second) == items[4::-1]
    assert f'href="/room/evidence?device={device}&amp;page=1">上一页' in second
    assert visitor.request("GET", f"/room/evidence?device={device}&page=3")[0] == 400
    assert "共 58 件" in visitor.request("GET", "/room/evidence")[2]


# The sealed file is altered on disk; the same reader refuses an altered object in the
# bucket (tests/hq/test_blobstores.py), so the page's behaviour is tested once.
@pytest.mark.embedded_only
def test_a_medium_altered_at_rest_is_never_sent_and_the_page_says_so(
        hq_server: RunningHQ, tmp_path: Path) -> None:
    device = enrolled(hq_server)
    item = Item(_id(), wav(36.0), "audio", None, {})
    send_item(device, item, _id(), _id())
    add_user(hq_server, SUPERVISOR[0], "supervisor", SUPERVISOR[1])
    visitor = Visitor(hq_server)
    assert visitor.login(*SUPERVISOR)[0] == 303
    blob = FilesystemBlobStore(hq_server.data_dir, load_master_key(hq_server.data_dir)
                               ).path_for(item.sha256)
    sealed = bytearray(blob.read_bytes())
    # The blob: a header, then each sealed chunk after its 4-byte length (an upload's chunks
    # are as its PATCHes sent them).
    first_sealed = int.from_bytes(sealed[HEADER_SIZE:HEADER_SIZE + 4], "big")
    boundary = first_sealed - 16  # plaintext bytes in the first chunk (less the GCM tag)
    sealed[HEADER_SIZE + 4 + first_sealed + 4 + 10] ^= 1
    blob.write_bytes(bytes(sealed))
    media = f"/room/evidence/{item.id}/media"
    # The first chunk is intact and sent; the altered one is not: the transfer breaks there.
    status, _headers, body = _get(visitor, media, {"Range": "bytes=0-1023"})
    assert status == 206 and body == item.data[:1024]
    with pytest.raises(http.client.IncompleteRead) as cut:
        _get(visitor, media, {"Range": f"bytes={boundary - 100}-{boundary + 100}"})
    assert cut.value.partial == item.data[boundary - 100:boundary]
    sealed[HEADER_SIZE + 4 + 10] ^= 1  # now the first chunk too
    blob.write_bytes(bytes(sealed))
    status, _headers, body = _get(visitor, media)
    assert status == 500 and body.decode() == "总部存储中的证据文件无法解密或已被改动。"
    status, _headers, page = visitor.request("GET", f"/room/evidence/{item.id}")
    assert status == 200 and 'id="damaged"' in page and "证据文件无法读取" in page
    assert "<audio" not in page
    assert "Traceback" not in hq_server.log()
