"""`statement-room laws status|search|cite` on a store made with `statement-room init`, the
shipped statutes delivered as HQ's signed ``laws`` dataset through `desktop.services.refdata`:
what the officer reads (text and --json), and the refusals in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.store.store import StorePaths, unlock
from tests.cli.helpers import last_json, run_cli
from tests.cli.test_cli_end_to_end import ADMIN, UNIT, login, ok
from tests.legal.laws import shipped_library
from tests.support.laws import send_laws


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("laws") / "store"
    ok(run_cli("init", "--workdir", str(workdir), "--name", ADMIN[0], "--certificate",
               ADMIN[1], "--unit", UNIT, env=login(ADMIN)))
    return workdir


def laws(store: Path, *args: str) -> tuple[int, str, str]:
    done = run_cli("laws", *args, "--workdir", str(store), env=login(ADMIN))
    return done.returncode, done.stdout, done.stderr


def test_before_hq_sends_a_library_the_officer_is_told_so(tmp_path: Path) -> None:
    workdir = tmp_path / "store"
    ok(run_cli("init", "--workdir", str(workdir), "--name", ADMIN[0], "--certificate",
               ADMIN[1], "--unit", UNIT, env=login(ADMIN)))
    code, out, _err = laws(workdir, "status")
    assert code == 0 and "No law library is held on this device yet" in out
    assert last_json(laws(workdir, "status", "--json")[1]) == {"held": False}
    code, out, err = laws(workdir, "search", "罚款")
    assert code != 0 and "No law library is held on this device yet" in err
    code, out, err = laws(workdir, "cite", "《行政处罚法》第三十三条")
    assert code != 0 and "sync with HQ to receive it" in err


def test_status_search_and_cite_on_the_held_library(store: Path) -> None:
    library = shipped_library("2026-12 法规库")
    session = unlock(StorePaths(store), ADMIN[1], ADMIN[2])
    try:
        send_laws(session, library)
    finally:
        session.close(sign=False)

    code, out, _err = laws(store, "status")
    assert code == 0
    assert out.strip() == ("Law library 「2026-12 法规库」 (laws version 1, compiled 2026-12-07): "
                           "19 statutes, 1139 articles.")
    status = last_json(laws(store, "status", "--json")[1])
    assert (status["version"], status["statutes"], status["synthetic"]) == (1, 19, False)

    code, out, _err = laws(store, "search", "不予行政处罚", "--limit", "2")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "  1. 《行政处罚法》第三十条 (law, in force, version of 2021-01-22)"
    assert "【不予行政处罚】" in lines[1]
    assert lines[2] == "  2. 《行政处罚法》第三十一条 (law, in force, version of 2021-01-22)"
    assert len(lines) == 4
    found = last_json(laws(store, "search", "人行道", "--json")[1])
    assert found["library_version"] == 1 and found["hits"]
    assert all("人行道" in hit["snippet"] for hit in found["hits"])
    assert {hit["short_title"] for hit in found["hits"]} >= {"道路交通安全法"}
    code, out, _err = laws(store, "search", "无此词语组合")
    assert code == 0 and out.strip() == "No article contains 「无此词语组合」 (laws version 1)."

    code, out, _err = laws(store, "cite", "《中华人民共和国行政处罚法》第三十三条第二款")
    assert code == 0
    assert out.splitlines() == [
        "《行政处罚法》第三十三条第二款 (law, in force, version of 2021-01-22; laws version 1)",
        "当事人有证据足以证明没有主观过错的，不予行政处罚。法律、行政法规另有规定的，从其规定。"]
    cited = last_json(laws(store, "cite", "《道路交通安全法》第五十六条、第九十三条第二款",
                           "--json")[1])["citations"]
    assert [c["citation"] for c in cited] == ["《道路交通安全法》第五十六条",
                                              "《道路交通安全法》第九十三条第二款"]
    assert cited[0]["text"].startswith("第五十六条 ") and cited[1]["paragraph"] == 2

    code, _out, err = laws(store, "cite", "《行政处罚法》第八十七条")
    assert code != 0
    assert "《行政处罚法》 has no 第八十七条 in the law library (laws version 1)." in err
    code, _out, err = laws(store, "search", "  ")
    assert code != 0 and "Give the words to search for." in err
    code, _out, err = laws(store, "search", "罚", "--limit", "0")
    assert code != 0 and "--limit must be between 1 and 1000." in err
