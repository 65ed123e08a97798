"""The headless end-to-end demo on embedded defaults (`statement-room demo`).

It creates (or reopens) a store, two demo officers, a case of sidewalk parking, the party,
an inquiry statement with the template's opening questions and a few answers, recorded with
synthetic cameras and microphone (desktop/services/demo_recording.py), searches it,
signs the audit tree head and verifies the whole trail, then (from the command line) syncs
everything to HQ, the embedded one by default, and with the law library and discretion
standard HQ sends carries the case on to its signed penalty documents
(desktop/services/demo_penalty.py). Every name and number is synthetic
(administrative code 110101, valid check digit). Later issues extend the same run with the
ID-card reader, the PDF and the evidence vault, adding keys to its JSON result.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from gettext import gettext as _
from gettext import ngettext
from pathlib import Path
from typing import Any

from cryptography.x509 import load_pem_x509_certificate

from desktop.documents.page_signatures import PageSignature, ReadBackSignatures
from desktop.documents.synthetic_signature import synthetic_signature
from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import (
    Case,
    Officer,
    OpeningItem,
    Party,
    Role,
    Statement,
    StatementKind,
    TurnKind,
)
from desktop.services import audit_trail, devices, interview, recording, records, signing
from desktop.services.demo_hq import hq_rounds
from desktop.services.demo_login import (
    DEMO_ADMIN_CERTIFICATE,
    DEMO_MARKER,
    DEMO_SECOND_CERTIFICATE,
    DEMO_UNIT,
    demo_password,
)
from desktop.services.demo_penalty import decide
from desktop.services.demo_pki import export_trust_root, install_demo_keys
from desktop.services.demo_recording import DemoRecording, recording_json
from desktop.services.dock import DockPolicy, DockReport, dock
from desktop.services.export import export_package
from desktop.services.export_files import ExportKind, statement_file_name
from desktop.services.search import search_statements
from desktop.services.verify import verify_document
from desktop.store import cases, officers
from desktop.store.evidence import items_for_case as evidence_items_for_case
from desktop.store.files import atomic_write_bytes
from desktop.store.meta import is_demo_store, mark_demo_store
from desktop.store.search import highlight
from desktop.store.statements import count_statements, get_statement
from desktop.store.store import Store, StorePaths, create_store, unlock
from hardware.bodycam import open_bodycam

# The interviewee comes from the emulated ID-card reader, through the same code path a real
# reader on /dev/ttyUSB0 uses; phone and workplace are what the officer adds by hand.
DEMO_OFFICERS = (
    Officer(id="", name="周建国", certificate_no=DEMO_ADMIN_CERTIFICATE, unit=DEMO_UNIT,
            role=Role.ADMIN),
    Officer(id="", name="吴丽华", certificate_no=DEMO_SECOND_CERTIFICATE, unit=DEMO_UNIT),
)
DEMO_READER = "emu-idcard://?card=resident&seed=20261127"
DEMO_PHONE = "13800000000"
DEMO_WORKPLACE = "示例区人民路便民药店"
OPENING_ANSWERS = {
    OpeningItem.IDENTIFICATION: "看清楚了。",
    OpeningItem.RIGHTS_NOTICE: "听清楚了。",
    OpeningItem.RECUSAL: "不申请回避。",
}
QA = (
    ("请你讲一下你的基本情况。", "我叫{name}，在人民路开了一家便民药店，电话13800000000。"),
    ("今天上午9时许，车牌号为浙G12345的小型轿车停放在人民路人行道上，这辆车是谁停的？",
     "是我停的，我当时去旁边的银行办事，大概停了十分钟。"),
    ("你知道在人行道上停放机动车是违法行为吗？", "知道，当时比较着急，以后不会再停在人行道上了。"),
    ("你还有什么需要补充的吗？", "没有了。"),
)
DEMO_RECORDER_OFFSET_S = -37  # the emulated recorder's clock runs 37 s slow until docked
SEARCHES = ("人行道", "药")
DECLARATION = "以上笔录我看过，和我说的相符。"
RECORDING_SUFFIX = "_同步录音录像.mp4"


def _open_demo_store(paths: StorePaths) -> tuple[Store, list[Officer]]:
    password = demo_password()
    if paths.exists():
        store = unlock(paths, DEMO_OFFICERS[0].certificate_no, password)
        team = [officers.find_by_certificate(store.conn, o.certificate_no) for o in DEMO_OFFICERS]
        if any(o is None for o in team):
            store.close(sign=False)
            raise UserError(_("The directory holds a store that is not a demo store."))
        _mark_demo(store, paths)
        return store, [o for o in team if o is not None]
    admin = Officer(**{**DEMO_OFFICERS[0].__dict__, "id": new_id()})
    store = create_store(paths, admin, password)
    second = Officer(**{**DEMO_OFFICERS[1].__dict__, "id": new_id()})
    store.add_officer(second, password)
    _mark_demo(store, paths)
    return store, [admin, second]


def _mark_demo(store: Store, paths: StorePaths) -> None:
    """Flag the store as the demo's inside it (what decides about demo keys) and leave the
    marker file that offers the public demo login."""
    if not is_demo_store(store.conn):
        with store.transaction() as tx:
            mark_demo_store(tx)
    if not (paths.workdir / DEMO_MARKER).exists():
        atomic_write_bytes(paths.workdir / DEMO_MARKER, _(
            "This store was made by `statement-room demo` with synthetic data and a public "
            "password. Commands on it log in as the demo officer unless told otherwise.\n"
        ).encode("utf-8"))


def _interview(store: Store, team: list[Officer]
               ) -> tuple[Case, Party, Statement, DemoRecording]:
    """A case, the interviewee from the ID-card reader, and the statement up to read-back,
    recorded from before its first question (still recording: the party signs next)."""
    number = f"示综执立〔2026〕{len(cases.list_cases(store.conn)) + 1:04d}号"
    case = records.create_case(store, Case(
        id=new_id(), number=number, cause="机动车人行道违法停放",
        matter="在人行道上违法停放机动车", place="示例区人民路与解放路交叉口"))
    party = devices.record_party(store, devices.read_card_party(DEMO_READER).with_contact(
        DEMO_PHONE, DEMO_WORKPLACE))
    statement = interview.open_statement(
        store, case_id=case.id, interviewee_id=party.id, kind=StatementKind.INQUIRY,
        place="城北中队询问室一", interviewers=(team[0].id, team[1].id), recorder_id=team[1].id)
    recorded = DemoRecording(store, statement.id)
    try:
        for turn in statement.turns:
            if turn.kind is TurnKind.ANSWER and turn.tag in OPENING_ANSWERS:
                recorded.before_turn()
                interview.save_turn(store, turn.id, OPENING_ANSWERS[turn.tag])
        for index, (question, answer_text) in enumerate(QA):
            recorded.before_turn()
            interview.add_turn(store, statement.id, TurnKind.QUESTION, question)
            recorded.before_turn()
            answer_text = answer_text.format(name=party.name)
            answer = interview.add_turn(store, statement.id, TurnKind.ANSWER, answer_text[:4])
            interview.save_turn(store, answer.id, answer_text)  # autosave while typing
            if index == 1:
                recorded.short_pause()
        return case, party, interview.start_read_back(store, statement.id), recorded
    except BaseException:
        recorded.stop()  # what was recorded is kept, whatever stopped the demo
        raise


def _sign_and_export(
    store: Store, statement_id: str, team: list[Officer], exports: Path,
    recorded: DemoRecording,
) -> dict[str, Any]:
    """Read-back as the demo plays it: the party signs every page, the recording stops, then
    officers and seal sign; the PDF (with the recording's annex page), the recording, the
    court package and the (public) trust root are exported and checked."""
    passwords = {officer.id: demo_password() for officer in team}
    try:
        if signing.missing_signing_keys(store, statement_id):
            install_demo_keys(store, team, passwords, root_key_dir=exports)
        rendered = signing.prepare(store, statement_id, DECLARATION)
        signatures = ReadBackSignatures(
            PageSignature(page, synthetic_signature(page, digest, seed=page))
            for page, digest in enumerate(signing.page_digests(rendered)))
    finally:
        summary = recorded.stop()  # after the party's signatures, before the officers'

    # Each officer authenticates for their own signature; the administrator keeps the seal.
    signing_team = signing.unlock_team(store, statement_id, passwords, custodian_id=team[0].id)
    try:
        signed = signing.sign_statement(store, statement_id, signatures, team=signing_team,
                                        declaration=DECLARATION,
                                        timestamper=signing.configured_timestamper())
    finally:
        signing_team.close()
    exports.mkdir(parents=True, exist_ok=True)  # the demo's own folder, named in its output
    pdf_path = signing.export_document(store, statement_id, exports / statement_file_name(
        store, statement_id, ExportKind.SIGNED_PDF))
    root_path = export_trust_root(store, exports)
    report = verify_document(signed.pdf, [load_pem_x509_certificate(root_path.read_bytes())])
    if not report.bottom_line:
        raise UserError("; ".join(report.reasons))
    package = export_package(store, statement_id, exports / statement_file_name(
        store, statement_id, ExportKind.COURT_PACKAGE))
    media = recording.export(store, summary.recording.id, exports / statement_file_name(
        store, statement_id, ExportKind.SIGNED_PDF).replace(".pdf", RECORDING_SUFFIX))
    return {"pdf": str(pdf_path), "pdf_sha256": signed.sha256, "pages": signed.pages,
            "signatures": len(report.signatures), "pdf_timestamped": signed.timestamped,
            "package": str(package.path), "trust_root": str(root_path),
            "recording": {**recording_json(store, summary), "path": str(media)}}


def _dock_recorder(store: Store, case_id: str, statement_id: str) -> DockReport:
    """Dock an emulated recorder over its byte protocol and file its footage with the case.

    Its storage is a scratch folder of synthetic footage, emptied by the docking itself (the
    delete-after-verify policy) and removed afterwards; each run records new footage.
    """
    recorded = datetime.now(UTC) + timedelta(hours=8) - timedelta(hours=2)  # Beijing, 2 h ago
    with tempfile.TemporaryDirectory(prefix="demo-recorder-") as root:
        url = (f"emu-bodycam://?root={root}&recorded={recorded:%Y%m%d%H%M%S}"
               f"&offset={DEMO_RECORDER_OFFSET_S}")
        return dock(store, open_bodycam(url), case_id=case_id, statement_id=statement_id,
                    policy=DockPolicy(delete_originals=True))


def _search(store: Store, say: Callable[[str], None]) -> dict[str, int]:
    hits = {}
    for query in SEARCHES:
        found = search_statements(store, query)
        hits[query] = len(found)
        if found:
            example = highlight(found[0].snippet, found[0].spans)
            say(ngettext("Search 「{query}」: {count} statement, e.g. {snippet}",
                         "Search 「{query}」: {count} statements, e.g. {snippet}",
                         len(found)).format(query=query, count=len(found), snippet=example))
    return hits


def run_demo(workdir: Path, say: Callable[[str], None], *, with_hq: bool = False,
             hq_url: str | None = None, hq_code: str | None = None) -> dict[str, Any]:
    """Run the scripted demo in `workdir`; `say` receives progress lines for people.

    With `with_hq` it ends by syncing to HQ (the embedded one started on loopback, or the
    one at `hq_url`) and reports the counts under "sync" (desktop/services/demo_hq.py)."""
    paths = StorePaths(workdir)
    store, team = _open_demo_store(paths)
    with store:
        say(_("Store opened at {path}").format(path=paths.database))
        case, party, statement, recorded = _interview(store, team)
        say(_("Identity read from the ID-card reader {url}").format(url=DEMO_READER))
        say(_("Case {case}: statement with {count} turns, now in read-back").format(
            case=case.number, count=len(statement.turns)))
        exported = _sign_and_export(store, statement.id, team, workdir / "exports", recorded)
        media = exported["recording"]
        say(_("Interview recorded: {duration} s of video, {turns} turns marked, SHA-256 "
              "{sha256}, exported to {path}").format(
                  duration=f"{media['duration_ms'] / 1000:.1f}",
                  turns=len(media["turn_offsets"]), sha256=media["sha256"][:16],
                  path=media["path"]))
        say(_("Signed and sealed: {pages} page(s), {count} signatures verified, {path}").format(
            pages=exported["pages"], count=exported["signatures"], path=exported["pdf"]))
        say(_("Court package: {path}").format(path=exported["package"]))
        docked = _dock_recorder(store, case.id, statement.id)
        say(_("Body-worn recorder {serial} docked (its clock was {offset:+.0f} s off): {count} "
              "files in the vault, ingest certificate {sha256}").format(
                  serial=docked.docking.device_serial, offset=docked.docking.clock_offset_s or 0,
                  count=len(docked.items), sha256=(docked.docking.certificate_sha256 or "")[:16]))
        hits = _search(store, say)
        head = store.sign_tree_head()
        say(_("Audit tree head signed: {size} events, root {root}").format(
            size=head.head.tree_size, root=head.head.root_hash.hex()[:16]))
        report = audit_trail.verify(store)
        if not report.ok:
            raise UserError(report.first_problem() or "")
        say(_("Audit trail verified: {size} events, {heads} tree heads").format(
            size=report.size, heads=report.heads_checked))
        with (hq_rounds(store, workdir, say, hq_url=hq_url, hq_code=hq_code)
              if with_hq or hq_url is not None else contextlib.nullcontext()) as hq_round:
            synced = None if hq_round is None else hq_round()
            # The penalty step needs the law library and the standard HQ sent in that round.
            decided = decide(store, case.id, statement.id, team, workdir / "exports",
                             Path(exported["trust_root"]), say)
            if hq_round is not None and decided is not None:
                # the decision, its documents and their signed PDFs reach HQ (decision 53)
                decided["sync"] = hq_round()
        return {
            "ok": True,
            "store": str(paths.database),
            "statements": count_statements(store.conn),
            "audit_size": report.size,
            "case": case.id,
            "statement": statement.id,
            "statement_state": get_statement(store.conn, statement.id).state.value,
            **{k: v for k, v in exported.items() if k not in ("pages", "signatures")},
            # the case's evidence: the recorder's docked files and the interview's recording
            "evidence": len(evidence_items_for_case(store.conn, case.id)),
            "docking": docked.docking.id,
            "search_hits": hits,
            "tree_head": {"size": head.head.tree_size, "root": head.head.root_hash.hex()},
            "officer": team[0].certificate_no,
            "party": party.id,
            "identity_source": DEMO_READER,
            **({} if synced is None else {"sync": synced}),
            **({} if decided is None else {"penalty": decided}),
        }
