"""The room's "案件与笔录" over HTTP against a real HQ process, on both lanes.

A store made with `statement-room init` (the unit's officers and keys) takes a statement and
signs it with the desktop's own signing code, then enrols with HQ and syncs with the real
sync engine (``statement-room sync``): content, signed PDF, audit leaves and tree heads. The
desktop does not send a statement's context yet (another part of issue 16), so the test
device of tests/hq/client.py sends it over the real wire protocol, naming the party.

Then: the search finds the statement by one character, by a pair of the party's name, by a
word of an answer and by the case number, and never by pairs that only coincide; HQ's
tables hold no party name and no words of the statement; the statement's page shows the
party, the turns and its audit events proven under the countersigned head; a page image is
a PNG of an A4 page; each view is in the access log with the party; an altered or missing
record gives a page that says so, never a 500. And with more statements than a page holds
(sent by the test device alone): the list and the search page newest first, and each list
logs one access-log row per party it shows.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import re
import shutil
import struct
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from hq.blobs import FilesystemBlobStore
from hq.web.statements import PAGE_SIZE as PAGE
from sync.protocol.context import CaseSnapshot, OfficerSnapshot, PartySnapshot, StatementContext
from sync.protocol.records import RecordKind
from tests.cli.helpers import last_json, run_cli
from tests.cli.test_cli_end_to_end import (
    ADMIN,
    CASE_NUMBER,
    FIRST,
    SECOND,
    login,
    ok,
    own_secret,
    set_up_unit,
)
from tests.hq.client import enrolled
from tests.hq.test_web_accounts import Visitor
from tests.hq.web_support import add_user, hq_rows
from tests.support.hq_server import RunningHQ
from tests.sync import test_formats

SUPERVISOR = ("zhang", "Supervise-2026!")
PARTY_NAME = "欧阳晓琳"
PARTY_ID_NUMBER = "110101199003071233"
ANSWER = "我在城北路十二号摆摊卖西瓜，也卖瓜子。"
CAUSE = "占道经营"


@dataclass(frozen=True)
class Signed:
    store: Path
    statement: str
    officers: tuple[str, ...]  # names: the interviewers in order, then the recorder


@pytest.fixture(scope="module")
def signed_store(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    """One signed statement on an init store, copied by each test that syncs it."""
    base = tmp_path_factory.mktemp("signed")
    store, _ca = set_up_unit(base)
    statement = signed_statement(store)
    shown = last_json(ok(run_cli("statement", "show", "--workdir", str(store), statement,
                                 "--json", env=login(FIRST))).stdout)
    return Signed(store, statement, (*shown["interviewers"], shown["recorder"]))


def signed_statement(store: Path) -> str:
    """A statement read back and signed by the unit's officers (the party refuses, a witness
    signs), its first answer `ANSWER`; its id."""
    workdir = ("--workdir", str(store))
    me = login(FIRST)
    ok(run_cli("case", "new", *workdir, "--number", CASE_NUMBER, "--cause", CAUSE,
               "--place", "城北路12号", env=me))
    statement = str(last_json(ok(run_cli(
        "statement", "new", *workdir, "--case", CASE_NUMBER, "--place", "城北中队询问室",
        "--interviewer", FIRST[1], "--interviewer", SECOND[1], "--party-name", PARTY_NAME,
        "--party-id-number", PARTY_ID_NUMBER, "--party-phone", "13900000001", "--json",
        env=me)).stdout)["statement"])
    shown = last_json(ok(run_cli("statement", "show", *workdir, statement, "--json",
                                 env=me)).stdout)
    answers = [t for t in shown["turns"] if t["kind"] == "answer"]
    for position, turn in enumerate(answers):
        ok(run_cli("statement", "turn", "edit", *workdir, statement, str(turn["number"]),
                   ANSWER if position == 0 else "明白。", env=me))
    ok(run_cli("statement", "read-back", *workdir, statement, env=me))
    ok(run_cli("statement", "sign", *workdir, "--statement", statement, "--refused",
               "当事人拒绝签名", "--witness", "见证人丁", "--custodian", ADMIN[1],
               env={**me, **own_secret(FIRST, SECOND, ADMIN)}))
    return statement


def synced(signed: Signed, hq: RunningHQ, where: Path) -> str:
    """A copy of the signed store enrolled with ``hq`` and synced by the real sync engine,
    then the statement's context sent by the test device; the desktop's device id."""
    store = where / "store"
    shutil.copytree(signed.store, store)
    workdir = ("--workdir", str(store))
    admin = login(ADMIN)
    ok(run_cli("sync", "enrol", *workdir, "--hq", hq.url, "--code", hq.enrol_code(),
               env=admin))
    assert last_json(ok(run_cli("sync", *workdir, "--json", env=admin)).stdout)["complete"]
    # A second round: the head signed at the first round's end covers every leaf sent.
    assert last_json(ok(run_cli("sync", *workdir, "--json", env=admin)).stdout)["complete"]
    (row,) = hq_rows(hq, "SELECT * FROM room_statements WHERE statement = ?",
                     (signed.statement,))
    certificates = {name: number for name, number, _password in (ADMIN, FIRST, SECOND)}
    named = dict(zip([*json.loads(row["interviewers"]), row["recorder"]], signed.officers,
                     strict=True))
    context = StatementContext(
        statement=signed.statement,
        case=CaseSnapshot(row["case_id"], CASE_NUMBER, CAUSE, "在城北路12号占道经营",
                          "城北路12号"),
        party=PartySnapshot(
            id=row["party"], id_kind="resident_id", id_number=PARTY_ID_NUMBER,
            name=PARTY_NAME, sex="female", nation="汉", birth_date="1990-03-07",
            address="示例区人民路1号", authority="示例区公安分局", valid_from=None,
            valid_until=None, phone="13900000001", workplace="", source="manual"),
        officers=tuple(OfficerSnapshot(i, name, certificates[name], "城北中队")
                       for i, name in named.items()))
    data = context.canonical_bytes()
    device = enrolled(hq)
    reply = device.send(device.entry(RecordKind.STATEMENT_CONTEXT, signed.statement, data), data)
    assert reply.status == 200, reply.body
    return str(row["device"])


def visitor(hq: RunningHQ) -> Visitor:
    add_user(hq, SUPERVISOR[0], "supervisor", SUPERVISOR[1])
    room = Visitor(hq)
    status, where = room.login(*SUPERVISOR)
    assert status == 303 and where == "/room/", where
    return room


def listed(room: Visitor, query: str) -> list[str]:
    """The statement ids the search page lists for ``query``."""
    status, _headers, page = room.request("GET", "/room/statements?q=" + quote(query))
    assert status == 200, page
    return re.findall(r'<td><a href="/room/statements/([0-9a-f-]{36})">', page)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_a_synced_statement_is_found_shown_and_proven_and_every_view_is_logged(
        signed_store: Signed, hq_server: RunningHQ, tmp_path: Path) -> None:
    device = synced(signed_store, hq_server, tmp_path)
    statement = signed_store.statement
    room = visitor(hq_server)

    # Found by one character, a pair of the party's name, a word of an answer, the case
    # number, an officer's name; full-width digits are the ASCII ones.
    for query in ("瓜", "晓琳", "西瓜", CASE_NUMBER, FIRST[0], "城北路１２号", "  晓 琳 "):
        assert listed(room, query) == [statement], query
    # Never by pairs that are there but not together, nor by what is nowhere.
    for query in ("西瓜子", "晓欧", "没有的词"):
        assert listed(room, query) == [], query
    # With no query, the latest statements, the party's name shown.
    status, _headers, page = room.request("GET", "/room/statements")
    assert status == 200 and PARTY_NAME in page and CASE_NUMBER in page
    assert FIRST[0] in page and SECOND[0] in page and device in page

    # No table of HQ holds the party's name, id number or the words of the statement.
    dump = json.dumps([hq_rows(hq_server, f"SELECT * FROM {t}") for t in tables(hq_server)],
                      ensure_ascii=False, default=str)
    for secret in (PARTY_NAME, "晓琳", PARTY_ID_NUMBER, "西瓜", "瓜子", "摆摊"):
        assert secret not in dump, secret
    tokens = hq_rows(hq_server, "SELECT token FROM room_search_tokens WHERE statement = ?",
                     (statement,))
    assert len(tokens) > 100 and all(re.fullmatch(r"[0-9a-f]{32}", r["token"]) for r in tokens)

    # The statement's page: case, party, officers, form, turns, links, audit proofs, pages.
    status, _headers, page = room.request("GET", f"/room/statements/{statement}")
    assert status == 200, page
    for shown in (CASE_NUMBER, CAUSE, PARTY_NAME, PARTY_ID_NUMBER, FIRST[0], SECOND[0], ANSWER,
                  "当事人拒绝签名", "见证人丁", "签名验证（局机关重新计算）",
                  f'href="/room/devices/{device}"',
                  f'href="/room/statements/{statement}/package"'):
        assert shown in page, shown
    (case_id,) = {r["case_id"] for r in hq_rows(
        hq_server, "SELECT case_id FROM room_statements WHERE statement = ?", (statement,))}
    assert f'href="/room/evidence?case={case_id}"' in page
    (head,) = hq_rows(hq_server, "SELECT tree_size FROM audit_heads WHERE device = ?",
                      (device,))
    proven = page.count(f"已验证包含于第 {head['tree_size']} 号树头")
    assert proven >= 3 and "未能验证" not in page  # opened, turns saved, signed, sealed...
    pages = re.findall(rf'<img src="/room/statements/{statement}/pages/(\d+)\.png"', page)
    assert pages and pages == [str(n) for n in range(1, len(pages) + 1)]

    # A page image: a PNG of an A4 page at 96 dpi, with the room's headers.
    status, headers, raw = fetch(room, f"/room/statements/{statement}/pages/1.png")
    assert status == 200 and headers["content-type"] == "image/png"
    assert headers["cache-control"] == "no-store"
    assert png_size(raw) == (794, 1123)
    assert room.request("GET", f"/room/statements/{statement}/pages/"
                        f"{len(pages) + 1}.png")[0] == 404

    # Every view is in the access log with the party's id.
    (party,) = {r["party"] for r in hq_rows(
        hq_server, "SELECT party FROM room_statements WHERE statement = ?", (statement,))}
    log = hq_rows(hq_server, "SELECT page, party, record, status FROM web_access_log "
                  "WHERE user_name = ?", (SUPERVISOR[0],))
    views = {(r["page"], r["party"], r["status"]) for r in log}
    assert ("statements", party, 200) in views
    assert ("statement", party, 200) in views and ("statement-page", party, 200) in views
    assert ("statements", None, 200) in views  # a search that found nobody shows nobody
    assert sum(1 for r in log if r["page"] == "statements" and r["party"] == party) == 8

    # An altered context and a missing PDF: the page says so; the image is not found.
    blobs = hq_server.blobs()
    (row,) = hq_rows(hq_server, "SELECT * FROM room_statements WHERE statement = ?",
                     (statement,))
    if isinstance(blobs, FilesystemBlobStore):  # altered on disk
        context_file = blobs.path_for(row["context_sha256"])
        altered = bytearray(context_file.read_bytes())
        altered[-3] ^= 0x01
        context_file.write_bytes(bytes(altered))
    else:  # gone from the bucket (an altered object: tests/hq/test_blobstores.py)
        blobs.delete(row["context_sha256"])
    blobs.delete(row["pdf_sha256"])
    status, _headers, page = room.request("GET", f"/room/statements/{statement}")
    assert status == 200, page
    assert "总部保存的记录无法读取（文件缺失或已被改动）" in page and PARTY_NAME not in page
    assert ANSWER in page  # the content is intact and still shown
    assert room.request("GET", f"/room/statements/{statement}/pages/1.png")[0] == 404
    assert listed(room, "晓琳") == []  # the index's candidate is not confirmed any more
    assert room.request("GET", "/room/statements/0190f3c1-0000-7000-8000-000000000000")[0] \
        == 404
    assert room.request("GET", "/room/statements/not-an-id")[0] == 400
    assert room.request("GET", "/room/statements?q=" + quote("\x01"))[0] == 400
    assert room.request("GET", "/room/statements?q=" + quote("字" * 41))[0] == 400


def fetch(room: Visitor, path: str) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and bytes of what the room serves (Visitor reads text only)."""
    connection = http.client.HTTPConnection("127.0.0.1", room.hq.port, timeout=60)
    try:
        connection.request("GET", path, headers={
            "Cookie": "; ".join(f"{k}={v}" for k, v in room.cookies.items())})
        response = connection.getresponse()
        return (response.status, {k.lower(): v for k, v in response.getheaders()},
                response.read())
    finally:
        connection.close()


def tables(hq: RunningHQ) -> list[str]:
    db = hq.database()
    try:
        if db.postgres:
            rows = db.all("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'")
        else:
            rows = db.all("SELECT name FROM sqlite_master WHERE type = 'table'")
        return [str(r["name"]) for r in rows]
    finally:
        db.close()



def test_the_list_pages_newest_first_and_logs_each_party_it_shows(hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    parties = []
    for n in range(PAGE + 3):  # statements started on consecutive days, one party each
        statement, party = str(uuid.UUID(int=n + 1, version=4)), f"party-{n:02d}"
        content = dataclasses.replace(test_formats.statement(), id=statement,
                                      interviewee=party,
                                      started_at=f"2026-11-{n + 1:02d}T09:00:00+08:00")
        context = StatementContext(
            statement=statement, case=CaseSnapshot(f"case-{n}", f"城北〔2026〕{n + 100}号",
                                                   CAUSE, "占道", "城北路"),
            party=PartySnapshot(party, "resident_id", f"11010119900307{n:04d}",
                                f"王小明{n:02d}", "male", "汉", None, "城北路", "公安",
                                None, None, "", "", "manual"),
            officers=(OfficerSnapshot("officer-1", "队员乙", FIRST[1], "城北中队"),))
        for kind, data in ((RecordKind.STATEMENT, content.canonical_bytes()),
                           (RecordKind.STATEMENT_CONTEXT, context.canonical_bytes())):
            assert device.send(device.entry(kind, statement, data), data).status == 200
        parties.append(party)
    room = visitor(hq_server)

    def names(path: str) -> list[str]:
        status, _headers, page = room.request("GET", path)
        assert status == 200, page
        return re.findall(r"<td>(王小明\d\d)</td>", page)

    newest = [f"王小明{n:02d}" for n in reversed(range(PAGE + 3))]
    assert names("/room/statements") == newest[:PAGE]
    assert names("/room/statements?page=2") == newest[PAGE:]
    query = quote("小明")
    assert names(f"/room/statements?q={query}") == newest[:PAGE]
    status, _headers, page = room.request("GET", f"/room/statements?q={query}&page=2")
    assert status == 200
    assert re.findall(r"<td>(王小明\d\d)</td>", page) == newest[PAGE:]
    assert f'href="/room/statements?q={query}&amp;page=1"' in page  # the way back
    assert names(f"/room/statements?q={quote('明05')}") == ["王小明05"]
    # Each list logged one row per party it showed, and no party it did not show.
    log = hq_rows(hq_server, "SELECT party FROM web_access_log WHERE page = 'statements'")
    shown = [r["party"] for r in log]
    assert sorted(shown) == sorted([*parties, *parties, "party-05"])
