"""Store administration from the command line, end to end in real processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import last_json, run_cli

ADMIN = {"STATEMENT_ROOM_OFFICER": "ADM-001", "STATEMENT_ROOM_PASSWORD": "Admin2026password"}


def test_init_add_officer_change_password_and_recover_with_escrow(tmp_path: Path) -> None:
    store, keys = tmp_path / "store", tmp_path / "hq"
    passphrase = {"STATEMENT_ROOM_ESCROW_PASSPHRASE": "Escrow2026passphrase"}
    keygen = run_cli("escrow", "keygen", "--out", str(keys), env=passphrase)
    assert keygen.returncode == 0, keygen.stderr
    assert (keys / "escrow-private.key").stat().st_mode & 0o077 == 0
    # never overwrite
    assert run_cli("escrow", "keygen", "--out", str(keys), env=passphrase).returncode == 1

    init = run_cli("init", "--workdir", str(store), "--name", "管理员甲", "--certificate",
                   "ADM-001", "--unit", "测试中队", "--escrow-public-key",
                   str(keys / "escrow-public.pem"), env=ADMIN)
    assert init.returncode == 0, init.stderr
    assert "Store created" in init.stdout

    add = run_cli("officer", "add", "--workdir", str(store), "--name", "队员乙",
                  "--certificate", "OFF-002", "--unit", "测试中队",
                  env={**ADMIN, "STATEMENT_ROOM_NEW_PASSWORD": "Officer2026password"})
    assert add.returncode == 0, add.stderr
    officer = {"STATEMENT_ROOM_OFFICER": "OFF-002",
               "STATEMENT_ROOM_PASSWORD": "Officer2026password"}
    weak = run_cli("password", "--workdir", str(store),
                   env={**officer, "STATEMENT_ROOM_NEW_PASSWORD": "short"})
    assert weak.returncode == 1
    assert "at least 10 characters" in weak.stderr
    change = run_cli("password", "--workdir", str(store),
                     env={**officer, "STATEMENT_ROOM_NEW_PASSWORD": "Changed2026password"})
    assert change.returncode == 0, change.stderr
    assert run_cli("search", "--workdir", str(store), "x", env=officer).returncode == 1

    # Every password forgotten: HQ's escrow private key sets a new one.
    recover = run_cli("recover", "--workdir", str(store), "--escrow-key",
                      str(keys / "escrow-private.key"), "--certificate", "OFF-002",
                      env={"STATEMENT_ROOM_NEW_PASSWORD": "Recovered2026pw", **passphrase})
    assert recover.returncode == 0, recover.stderr
    assert "队员乙" in recover.stdout
    recovered = {"STATEMENT_ROOM_OFFICER": "OFF-002",
                 "STATEMENT_ROOM_PASSWORD": "Recovered2026pw"}
    search = run_cli("search", "--workdir", str(store), "笔录", "--json", env=recovered)
    assert search.returncode == 0, search.stderr
    assert last_json(search.stdout)["hits"] == []
    verify = run_cli("audit", "verify", "--workdir", str(store), "--json", env=ADMIN)
    assert verify.returncode == 0, verify.stderr
    assert last_json(verify.stdout)["ok"] is True


def test_recover_with_a_wrong_key_file_is_explained(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-key.pem"
    bad.write_text("garbage")
    run = run_cli("recover", "--workdir", str(tmp_path), "--escrow-key", str(bad),
                  "--certificate", "X", env={"STATEMENT_ROOM_NEW_PASSWORD": "Recovered2026pw"})
    assert run.returncode == 1
    assert "Cannot read the escrow private key" in run.stderr


def test_init_with_a_bad_escrow_key_is_explained(tmp_path: Path) -> None:
    bad = tmp_path / "pub.pem"
    bad.write_text("garbage")
    run = run_cli("init", "--workdir", str(tmp_path / "s"), "--name", "甲", "--certificate",
                  "A-01", "--unit", "u", "--escrow-public-key", str(bad), env=ADMIN)
    assert run.returncode == 1
    assert "Cannot read the escrow public key" in run.stderr
    assert not (tmp_path / "s").exists()


def test_help_lists_the_subcommands_and_the_window_options() -> None:
    run = run_cli("--help")
    assert run.returncode == 0
    assert "demo" in run.stdout and "audit" in run.stdout and "--demo-devices" in run.stdout


def test_without_a_display_the_window_says_so_instead_of_aborting(tmp_path: Path) -> None:
    run = run_cli("--workdir", str(tmp_path), env={"DISPLAY": "", "WAYLAND_DISPLAY": "",
                                                    "QT_QPA_PLATFORM": ""})
    assert run.returncode == 1
    assert "No display was found" in run.stderr


def test_no_subcommand_starts_the_window(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import desktop.ui.app
    from desktop import cli

    started: list[tuple[Path, bool, str | None]] = []
    monkeypatch.setattr(desktop.ui.app, "run_gui", lambda workdir, *, demo_devices, language:
                        started.append((workdir, demo_devices, language)) or 0)
    assert cli.main(["--lang", "en", "--workdir", str(tmp_path), "--demo-devices"]) == 0
    assert started == [(tmp_path, True, "en")]
