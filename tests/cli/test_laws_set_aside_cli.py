"""A law library this program cannot read, from a real HQ process over the real `statement-room
sync`: HQ (say, upgraded to a newer format) publishes a correctly signed version the program
cannot decode; the sync says it was set aside and keeps the rest of HQ's manifest (a newer
roster), `sync status` keeps saying why, and the officer goes on searching and citing the last
good version offline; a readable version published after it replaces that as usual."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.helpers import last_json, run_cli
from tests.cli.test_cli_end_to_end import ADMIN, FIRST, UNIT, login, ok
from tests.legal.laws import shipped_library
from tests.support.hq_server import RunningHQ, hq_server

__all__ = ["hq_server"]

ROSTER = json.dumps({"officers": [{"name": FIRST[0], "certificate": FIRST[1]}]},
                    ensure_ascii=False).encode()
NEWER_FORMAT = b'{"format": "sr-laws-99", "statutes": []}'


def publish(hq: RunningHQ, tmp_path: Path, name: str, data: bytes) -> None:
    source = tmp_path / f"{name}.json"
    source.write_bytes(data)
    done = hq.admin("publish", name, str(source))
    assert done.returncode == 0, done.stderr


def test_an_unreadable_library_is_set_aside_and_the_officer_keeps_the_last_good_one(
        tmp_path: Path, hq_server: RunningHQ) -> None:
    store = tmp_path / "store"
    workdir = ("--workdir", str(store))
    admin = login(ADMIN)
    ok(run_cli("init", *workdir, "--name", ADMIN[0], "--certificate", ADMIN[1], "--unit", UNIT,
               env=admin))
    ok(run_cli("sync", "enrol", *workdir, "--hq", hq_server.url, "--code",
               hq_server.enrol_code(), env=admin))
    publish(hq_server, tmp_path, "laws", shipped_library().to_bytes())
    first = last_json(ok(run_cli("sync", *workdir, "--json", env=admin)).stdout)
    assert first["refdata"]["updated"] == {"laws": 1}

    # HQ publishes laws version 2 in a format this program cannot read, and a roster.
    publish(hq_server, tmp_path, "laws", NEWER_FORMAT)
    publish(hq_server, tmp_path, "roster", ROSTER)
    second = ok(run_cli("sync", *workdir, "--json", env=admin))
    said = ("Version 2 of 「laws」 from HQ cannot be read by this program (not a law library of "
            "format")
    assert said in second.stderr and "version 1 stays in use" in second.stderr
    assert "Reference data from HQ: roster version 1." in second.stdout
    report = last_json(second.stdout)
    assert report["refdata"]["updated"] == {"roster": 1}
    assert report["refdata"]["unchanged"] == {"laws": 1}
    assert report["refdata_refused"] == 1

    status = ok(run_cli("sync", "status", *workdir, env=admin)).stdout
    assert said in status
    shown = last_json(ok(run_cli("sync", "status", *workdir, "--json", env=admin)).stdout)
    assert shown["refdata"]["versions"] == {"laws": 1, "roster": 1}

    # The officer keeps working on laws version 1.
    held = last_json(ok(run_cli("laws", "status", *workdir, "--json", env=admin)).stdout)
    assert (held["version"], held["statutes"], held["problem"]) == (1, 19, None)
    found = last_json(ok(run_cli("laws", "search", *workdir, "不予行政处罚", "--limit", "1",
                                 "--json", env=admin)).stdout)
    assert found["library_version"] == 1
    assert [(h["short_title"], h["article"]) for h in found["hits"]] == [("行政处罚法", "第三十条")]
    cited = ok(run_cli("laws", "cite", *workdir, "《行政处罚法》第三十三条第二款",
                       env=admin)).stdout
    assert "laws version 1" in cited
    assert "当事人有证据足以证明没有主观过错的，不予行政处罚。" in cited

    # HQ publishes a readable version 3: it replaces version 1, and the refusal is gone.
    publish(hq_server, tmp_path, "laws", shipped_library("2027-01 法规库").to_bytes())
    third = ok(run_cli("sync", *workdir, "--json", env=admin))
    assert "cannot be read" not in third.stderr
    assert last_json(third.stdout)["refdata"]["updated"] == {"laws": 3}
    held = last_json(ok(run_cli("laws", "status", *workdir, "--json", env=admin)).stdout)
    assert (held["version"], held["edition"]) == (3, "2027-01 法规库")
    assert last_json(ok(run_cli("sync", "status", *workdir, "--json", env=admin)
                        ).stdout)["refdata"]["refused"] is None
