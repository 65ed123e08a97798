"""Bad input on the command line gets a clear, translated refusal, never a traceback nor a
misleading answer: arguments that are not UTF-8, an empty search or a limit below 1, a
certificate number no card carries, the store imported into itself, files skipped by an
import, `demo` on a store it did not make. Each command is a real process on a real store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.helpers import ROOT, last_json, run_cli

ADMIN = ("管理员甲", "ADM-001", "Admin2026password")
LOGIN = {"STATEMENT_ROOM_OFFICER": ADMIN[1], "STATEMENT_ROOM_PASSWORD": ADMIN[2]}
NOT_UTF8 = b"\xff\xfe"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store made by `init`, with one case (once for the module: each call is a process)."""
    workdir = tmp_path_factory.mktemp("bad-input") / "store"
    made = run_cli("init", "--workdir", str(workdir), "--name", ADMIN[0], "--certificate",
                   ADMIN[1], "--unit", "示例区综合行政执法局", env=LOGIN)
    assert made.returncode == 0, made.stderr
    case = run_cli("case", "new", "--workdir", str(workdir), "--number", "测试〔2026〕1号",
                   "--cause", "违停", env=LOGIN)
    assert case.returncode == 0, case.stderr
    return workdir


def run_bytes(*args: str | bytes) -> subprocess.CompletedProcess[bytes]:
    """The command with raw bytes in its argument vector, as a shell passes a Latin-1 name."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEMENT_ROOM_")}
    env.update(LOGIN, STATEMENT_ROOM_LANG="en", STATEMENT_ROOM_NEW_PASSWORD="Officer2026pass")
    argv = [a if isinstance(a, bytes) else a.encode() for a in args]
    return subprocess.run([sys.executable.encode(), b"-m", b"desktop", *argv], cwd=ROOT,
                          env=env, capture_output=True, stdin=subprocess.DEVNULL, timeout=120,
                          check=False)


@pytest.mark.parametrize(("argv", "option"), [
    (("search", NOT_UTF8), "QUERY"),
    (("case", "new", "--number", NOT_UTF8, "--cause", "违停"), "--number"),
    (("officer", "add", "--name", NOT_UTF8, "--certificate", "OFF-9", "--unit", "u"), "--name"),
    (("officer", "unlock", NOT_UTF8), "CERTIFICATE"),
    (("statement", "show", NOT_UTF8), "ID"),
    (("export", "--statement", NOT_UTF8, "--out", "x.zip"), "--statement"),
])
def test_an_argument_that_is_not_utf8_is_refused_naming_the_option(
        store: Path, argv: tuple[str | bytes, ...], option: str) -> None:
    done = run_bytes(*argv[:2], "--workdir", str(store), *argv[2:]) if argv[0] in (
        "case", "officer", "statement") else run_bytes(argv[0], "--workdir", str(store),
                                                       *argv[1:])
    stderr = done.stderr.decode()
    assert done.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert f"The value given for {option} is not valid text (UTF-8): \\xff\\xfe" in stderr


def test_a_file_name_that_is_not_utf8_stays_a_file_name(store: Path, tmp_path: Path) -> None:
    folder = tmp_path / os.fsdecode(b"\xe9vidence")
    folder.mkdir()
    (folder / "photo.jpg").write_bytes(b"\xff\xd8 not much of a photo")
    done = run_bytes("evidence", "import", "--workdir", str(store), "--case", "测试〔2026〕1号",
                     "--path", os.fsencode(folder), "--json")
    assert done.returncode == 0, done.stderr.decode()
    assert [i["original_name"] for i in last_json(done.stdout.decode())["items"]] == [
        "photo.jpg"]


@pytest.mark.parametrize("argv", [("",), ("  ",), ("人行道", "--limit", "0"),
                                  ("人行道", "--limit", "-1")])
def test_search_refuses_an_empty_query_or_a_limit_below_one(store: Path,
                                                            argv: tuple[str, ...]) -> None:
    done = run_cli("search", "--workdir", str(store), *argv, env=LOGIN)
    assert done.returncode == 1
    assert "No statement contains" not in done.stdout
    assert ("Give the words to search for." in done.stderr
            or "--limit must be between 1 and 1000." in done.stderr)


@pytest.mark.parametrize("number", ["12 34", "警号123", "A", "OFF_9", "OFF9-"])
def test_a_certificate_number_no_card_carries_is_refused(store: Path, number: str) -> None:
    done = run_cli("officer", "add", "--workdir", str(store), "--name", "队员乙",
                   "--certificate", number, "--unit", "u",
                   env={**LOGIN, "STATEMENT_ROOM_NEW_PASSWORD": "Officer2026password"})
    assert done.returncode == 1
    assert "enforcement certificate number" in done.stderr


def test_a_full_width_certificate_number_is_kept_in_ascii(store: Path) -> None:
    done = run_cli("officer", "add", "--workdir", str(store), "--name", "队员丙",
                   "--certificate", "ｏｆｆ－０３", "--unit", "u",
                   env={**LOGIN, "STATEMENT_ROOM_NEW_PASSWORD": "Officer2026password"})
    assert done.returncode == 0, done.stderr
    listing = last_json(run_cli("officer", "list", "--workdir", str(store), "--json",
                                env=LOGIN).stdout)
    assert {"name": "队员丙", "certificate": "OFF-03"}.items() <= next(
        o for o in listing["officers"] if o["name"] == "队员丙").items()


def test_evidence_import_refuses_the_store_itself(store: Path) -> None:
    for path in (store, store / "vault"):
        done = run_cli("evidence", "import", "--workdir", str(store), "--path", str(path),
                       env=LOGIN)
        assert done.returncode == 1
        assert "inside the store's own folder" in done.stderr
    listing = last_json(run_cli("evidence", "list", "--workdir", str(store), "--json",
                                env=LOGIN).stdout)
    assert all(not i["name"].endswith(".db") for i in listing["items"])


def test_evidence_import_shows_progress_notes_odd_files_and_fails_on_a_skip(
        store: Path, tmp_path: Path) -> None:
    folder = tmp_path / "shift"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(os.urandom(1000))
    (folder / "empty.txt").write_bytes(b"")
    (folder / ".hidden.wav").write_bytes(os.urandom(100))
    (folder / "link.jpg").symlink_to(folder / "a.jpg")
    done = run_cli("evidence", "import", "--workdir", str(store), "--path", str(folder),
                   env=LOGIN)
    assert done.returncode == 1  # one entry was skipped: the folder is not done
    lines = done.stdout.splitlines()
    assert [line for line in lines if line.startswith("[")] == [
        f"[1/3] {folder / '.hidden.wav'}", f"[2/3] {folder / 'a.jpg'}",
        f"[3/3] {folder / 'empty.txt'}"]
    assert "Note: empty.txt is empty (0 bytes)." in lines
    assert "Note: .hidden.wav is a hidden file; check that it belongs to the evidence." in lines
    assert f"Skipped {folder / 'link.jpg'}: symbolic link (not followed)" in lines
    assert "1 file or folder was not imported (listed above)." in done.stderr

    # Imported without a case: listed as unfiled, then filed under the case by number.
    unfiled = last_json(run_cli("evidence", "list", "--workdir", str(store), "--json",
                                env=LOGIN).stdout)["items"]
    assert sorted(i["name"] for i in unfiled) == [".hidden.wav", "a.jpg", "empty.txt"]
    filed = run_cli("evidence", "file", "--workdir", str(store), *[i["id"] for i in unfiled],
                    "--case", "测试〔2026〕1号", env=LOGIN)
    assert filed.returncode == 0, filed.stderr
    assert "Filed a.jpg" in filed.stdout
    shown = last_json(run_cli("case", "show", "--workdir", str(store), "测试〔2026〕1号",
                              "--json", env=LOGIN).stdout)
    assert sorted(i["name"] for i in shown["evidence"]) >= [".hidden.wav", "a.jpg",
                                                            "empty.txt"]
    assert last_json(run_cli("evidence", "list", "--workdir", str(store), "--json",
                             env=LOGIN).stdout)["items"] == []


def test_demo_refuses_a_store_it_did_not_make(store: Path) -> None:
    done = run_cli("demo", "--workdir", str(store))
    assert done.returncode == 1
    assert "holds a store that the demo did not make" in done.stderr
    # Nothing was tried against the real officers: no failed attempt to report.
    listing = run_cli("officer", "list", "--workdir", str(store), env=LOGIN)
    assert "failed attempt" not in listing.stderr
