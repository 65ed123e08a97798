"""`statement-room discretion` on a store made by `statement-room init`, with the standard and
a law library accepted through the real reference-data path: the matters, a search, and an
evaluation from a JSON file of facts naming the versions and hashes used; bad input is a
sentence and exit 1."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop.services import refdata
from desktop.store.store import StorePaths, unlock
from legal.library.model import Article, Level, Library, Source, Status, Statute
from sync.protocol.refdata import DatasetVersion, RefManifest
from sync.protocol.signing import sign
from tests.cli.helpers import last_json, run_cli
from tests.cli.test_cli_end_to_end import ADMIN, UNIT, login, ok
from tests.legal.discretion_support import SIDEWALK, starter_standard

HQ_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def _synthetic_laws() -> bytes:
    article = Article(number=1, label="第一条",
                      paragraphs=("第一条 合成条文（测试用，非真实法条）。",))
    statute = Statute(id="合成法@2020-01-01", title="合成法（测试）", short_title="合成法",
                      level=Level.LAW, version_date="2020-01-01", effective_date=None,
                      status=Status.IN_FORCE, history=(), articles=(article,), synthetic=True,
                      source=Source(collection="synthetic", snapshot="test", file="合成法.md",
                                    sha256="0" * 64))
    return Library(edition="合成库（测试）", compiled="2026-12-07", statutes=(statute,)).to_bytes()


def _store_with_datasets(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    store_dir = tmp_path / "store"
    ok(run_cli("init", "--workdir", str(store_dir), "--name", ADMIN[0], "--certificate",
               ADMIN[1], "--unit", UNIT, env=login(ADMIN)))
    data = {"discretion": starter_standard().to_bytes(), "laws": _synthetic_laws()}
    offered = {name: DatasetVersion(1, hashlib.sha256(b).hexdigest(), len(b))
               for name, b in data.items()}
    signed = sign(RefManifest(hq="hq-1", issued_ms=1000, expires_ms=10**13, datasets=offered),
                  HQ_KEY)
    store = unlock(StorePaths(store_dir), ADMIN[1], ADMIN[2])
    try:
        refdata.accept(store, signed.to_json(), pinned_key=HQ_KEY.public_key(), hq_id="hq-1",
                       fetch=lambda name, version: data[name])
    finally:
        store.conn.close()
    return store_dir, data


def test_matters_search_and_evaluate(tmp_path: Path) -> None:
    store_dir, data = _store_with_datasets(tmp_path)
    workdir = ("--workdir", str(store_dir))
    me = login(ADMIN)
    matters = ok(run_cli("discretion", "matters", *workdir, env=me)).stdout
    assert "example standard" in matters
    assert f"{SIDEWALK}  道路交通  在人行道上违法停放机动车" in matters
    listed = last_json(ok(run_cli("discretion", "matters", *workdir, "--json", env=me)).stdout)
    assert len(listed["matters"]) == 12 and listed["standard"]["version"] == 1

    found = ok(run_cli("discretion", "search", "违停", *workdir, env=me)).stdout
    assert found.splitlines()[0].strip().startswith(f"1. {SIDEWALK}")
    none = ok(run_cli("discretion", "search", "火箭", *workdir, env=me)).stdout
    assert "No matter matches 「火箭」." in none

    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"matter_code": SIDEWALK, "party_type": "individual",
                                 "conditions": ["eliminated_harm"], "on_the_spot": True},
                                ensure_ascii=False), encoding="utf-8")
    text = ok(run_cli("discretion", "evaluate", str(facts), *workdir, env=me)).stdout
    assert "Outcome: penalty" in text and "proposed amount 80 yuan" in text
    assert "may be decided on the spot" in text
    assert "《中华人民共和国行政处罚法》第三十二条第（一）项" in text
    assert hashlib.sha256(data["laws"]).hexdigest() in text
    result = last_json(ok(run_cli("discretion", "evaluate", str(facts), *workdir, "--json",
                                  env=me)).stdout)
    assert result["evaluation"]["proposed_amount"] == 80
    assert result["standard"] == {
        "version": 1, "sha256": hashlib.sha256(data["discretion"]).hexdigest(),
        "id": "starter-example", "title": starter_standard().title,
        "version_date": "2026-12-01", "effective_date": "2026-12-01", "example": True}
    assert result["laws"] == {"version": 1, "sha256": hashlib.sha256(data["laws"]).hexdigest()}
    chinese = ok(run_cli("--lang", "zh_CN", "discretion", "evaluate", str(facts), *workdir,
                         env=me)).stdout
    assert "当事人主动消除或者减轻违法行为危害后果，依法应当从轻或者减轻行政处罚。" in chinese


def test_bad_input_is_a_sentence(tmp_path: Path) -> None:
    store_dir, _data = _store_with_datasets(tmp_path)
    workdir = ("--workdir", str(store_dir))
    me = login(ADMIN)
    cases = {
        "missing.json": (None, "Cannot read"),
        "garbled.json": ("{not json", "is not a JSON file of facts"),
        "no-party.json": (json.dumps({"matter_code": SIDEWALK}), "party_type"),
        "unknown.json": (json.dumps({"matter_code": "示例-XX-1", "party_type": "unit"},
                                    ensure_ascii=False),
                         "The discretion standard held has no matter 示例-XX-1."),
        # 道路交通安全法 第九十三条 fines the vehicle's driver: not a unit (issue 17, DISC2)
        "unit.json": (json.dumps({"matter_code": SIDEWALK, "party_type": "unit"},
                                 ensure_ascii=False),
                      "provides no penalty for a unit (法人或者其他组织)"),
    }
    for name, (content, words) in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_text(content, encoding="utf-8")
        done = run_cli("discretion", "evaluate", str(path), *workdir, env=me)
        assert done.returncode == 1 and words in done.stderr, (name, done.stderr)
        assert "Traceback" not in done.stderr
    empty = run_cli("discretion", "search", "  ", *workdir, env=me)
    assert empty.returncode == 1 and "Give the words to search for." in empty.stderr


def test_no_standard_held(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    ok(run_cli("init", "--workdir", str(store_dir), "--name", ADMIN[0], "--certificate",
               ADMIN[1], "--unit", UNIT, env=login(ADMIN)))
    done = run_cli("discretion", "matters", "--workdir", str(store_dir), env=login(ADMIN))
    assert done.returncode == 1 and "No discretion standard is held yet" in done.stderr
