"""Lockout administration and the encrypted escrow key, from the command line in real processes."""

from __future__ import annotations

from pathlib import Path

from tests.cli.helpers import run_cli

ADMIN = {"STATEMENT_ROOM_OFFICER": "ADM-001", "STATEMENT_ROOM_PASSWORD": "Admin2026password"}
OFFICER = {"STATEMENT_ROOM_OFFICER": "OFF-002", "STATEMENT_ROOM_PASSWORD": "Officer2026password"}
PASSPHRASE = {"STATEMENT_ROOM_ESCROW_PASSPHRASE": "Escrow2026passphrase"}


def _store(tmp_path: Path) -> tuple[Path, Path]:
    store, keys = tmp_path / "store", tmp_path / "hq"
    keygen = run_cli("escrow", "keygen", "--out", str(keys), env=PASSPHRASE)
    assert keygen.returncode == 0, keygen.stderr
    init = run_cli("init", "--workdir", str(store), "--name", "管理员甲", "--certificate",
                   "ADM-001", "--unit", "测试中队", "--escrow-public-key",
                   str(keys / "escrow-public.pem"), env=ADMIN)
    assert init.returncode == 0, init.stderr
    add = run_cli("officer", "add", "--workdir", str(store), "--name", "队员乙",
                  "--certificate", "OFF-002", "--unit", "测试中队",
                  env={**ADMIN, "STATEMENT_ROOM_NEW_PASSWORD": OFFICER["STATEMENT_ROOM_PASSWORD"]})
    assert add.returncode == 0, add.stderr
    return store, keys


def _search(store: Path, env: dict[str, str]) -> tuple[int, str]:
    run = run_cli("search", "--workdir", str(store), "笔录", env=env)
    return run.returncode, run.stderr


def test_failed_attempts_are_shown_and_an_admin_unlocks_and_resets(tmp_path: Path) -> None:
    store, _keys = _store(tmp_path)
    wrong = {**OFFICER, "STATEMENT_ROOM_PASSWORD": "Wrong2026password"}
    code, stderr = _search(store, wrong)
    assert code == 1 and "4 more failed attempts lock" in stderr
    _search(store, wrong)
    code, stderr = _search(store, OFFICER)
    assert code == 0 and "2 failed attempts since your last login." in stderr
    code, stderr = _search(store, OFFICER)
    assert "since your last login" not in stderr

    for _ in range(5):
        _search(store, wrong)
    code, stderr = _search(store, OFFICER)
    assert code == 1 and "locked until" in stderr
    refused = run_cli("officer", "unlock", "--workdir", str(store), "ADM-001", env=OFFICER)
    assert refused.returncode == 1 and "locked until" in refused.stderr
    unlocked = run_cli("officer", "unlock", "--workdir", str(store), "--officer", "ADM-001",
                       "OFF-002", env={"STATEMENT_ROOM_PASSWORD": "Admin2026password"})
    assert unlocked.returncode == 0, unlocked.stderr
    assert "队员乙 can log in again" in unlocked.stdout
    code, stderr = _search(store, OFFICER)
    # Five wrong passwords, then two attempts refused while locked.
    assert code == 0 and "7 failed attempts since your last login." in stderr
    not_admin = run_cli("officer", "unlock", "--workdir", str(store), "ADM-001", env=OFFICER)
    assert not_admin.returncode == 1 and "Only an administrator" in not_admin.stderr

    reset = run_cli("officer", "reset-password", "--workdir", str(store), "OFF-002",
                    env={**ADMIN, "STATEMENT_ROOM_NEW_PASSWORD": "Reset2026password"})
    assert reset.returncode == 0, reset.stderr
    assert _search(store, OFFICER)[0] == 1
    assert _search(store, {**OFFICER, "STATEMENT_ROOM_PASSWORD": "Reset2026password"})[0] == 0
    unknown = run_cli("officer", "unlock", "--workdir", str(store), "NOBODY", env=ADMIN)
    assert unknown.returncode == 1 and "No officer with certificate number" in unknown.stderr


def test_escrow_private_key_is_written_encrypted_and_needs_its_passphrase(
    tmp_path: Path,
) -> None:
    store, keys = _store(tmp_path)
    private = keys / "escrow-private.key"
    assert private.stat().st_mode & 0o077 == 0
    text = private.read_text()
    assert "PRIVATE KEY" not in text and '"argon2id"' in text and '"m": 262144' in text
    no_passphrase = run_cli("escrow", "keygen", "--out", str(tmp_path / "other"))
    assert no_passphrase.returncode == 1
    assert "STATEMENT_ROOM_ESCROW_PASSPHRASE" in no_passphrase.stderr
    weak = run_cli("escrow", "keygen", "--out", str(tmp_path / "weak"),
                   env={"STATEMENT_ROOM_ESCROW_PASSPHRASE": "short"})
    assert weak.returncode == 1 and not (tmp_path / "weak" / "escrow-private.key").exists()

    new_password = {"STATEMENT_ROOM_NEW_PASSWORD": "Recovered2026pw"}
    wrong = run_cli("recover", "--workdir", str(store), "--escrow-key", str(private),
                    "--certificate", "OFF-002",
                    env={**new_password, "STATEMENT_ROOM_ESCROW_PASSPHRASE": "Wrong2026phrase"})
    assert wrong.returncode == 1 and "Wrong passphrase" in wrong.stderr
    recover = run_cli("recover", "--workdir", str(store), "--escrow-key", str(private),
                      "--certificate", "OFF-002", env={**new_password, **PASSPHRASE})
    assert recover.returncode == 0, recover.stderr
    recovered = {**OFFICER, "STATEMENT_ROOM_PASSWORD": "Recovered2026pw"}
    assert _search(store, recovered)[0] == 0
