"""`statement-room officer disable|enable|role` in real processes on a store made by `init`:
a disabled officer is refused at login with a message saying why and cannot be named on a
statement; the list shows role and state; the last administrator and oneself are protected;
enabling gives a new password; the audit trail still verifies."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.cli.helpers import last_json, run_cli

ADMIN = {"STATEMENT_ROOM_OFFICER": "ADM-001", "STATEMENT_ROOM_PASSWORD": "Admin2026password"}
SECOND = {"STATEMENT_ROOM_OFFICER": "OFF-002", "STATEMENT_ROOM_PASSWORD": "Officer2026password"}
THIRD = {"STATEMENT_ROOM_OFFICER": "OFF-003", "STATEMENT_ROOM_PASSWORD": "Officer2026secret"}


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, (result.stdout, result.stderr)
    return result


def refused(result: subprocess.CompletedProcess[str], text: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert text in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_disable_role_and_enable_on_the_command_line(tmp_path: Path) -> None:
    store = tmp_path / "store"
    workdir = ("--workdir", str(store))
    ok(run_cli("init", *workdir, "--name", "管理员甲", "--certificate", "ADM-001", "--unit",
               "测试中队", env=ADMIN))
    for name, who in (("队员乙", SECOND), ("队员丙", THIRD)):
        ok(run_cli("officer", "add", *workdir, "--name", name, "--certificate",
                   who["STATEMENT_ROOM_OFFICER"], "--unit", "测试中队",
                   env={**ADMIN, "STATEMENT_ROOM_NEW_PASSWORD": who["STATEMENT_ROOM_PASSWORD"]}))

    refused(run_cli("officer", "disable", *workdir, "OFF-003", env=SECOND),
            "Only an administrator")
    refused(run_cli("officer", "disable", *workdir, "ADM-001", env=ADMIN),
            "cannot disable yourself")
    refused(run_cli("officer", "role", *workdir, "ADM-001", "officer", env=ADMIN),
            "last active administrator")
    done = ok(run_cli("officer", "disable", *workdir, "OFF-002", env=ADMIN))
    assert "队员乙 is disabled" in done.stdout

    # The disabled officer's login is refused, saying why; nobody names them on a statement.
    refused(run_cli("officer", "list", *workdir, env=SECOND), "disabled by an administrator")
    ok(run_cli("case", "new", *workdir, "--number", "测试〔2026〕1号", "--cause", "占道经营",
               "--place", "城北路12号", env=THIRD))
    refused(run_cli("statement", "new", *workdir, "--case", "测试〔2026〕1号", "--place",
                    "询问室", "--interviewer", "OFF-003", "--interviewer", "OFF-002",
                    "--party-name", "测试人甲", "--party-id-number", "110101199003071233",
                    env=THIRD), "队员乙 (OFF-002) has been disabled")

    ok(run_cli("officer", "role", *workdir, "OFF-003", "admin", env=ADMIN))
    listed = {o["certificate"]: o for o in last_json(ok(run_cli(
        "officer", "list", *workdir, "--json", env=THIRD)).stdout)["officers"]}
    assert {number: (o["role"], o["disabled"]) for number, o in listed.items()} == {
        "ADM-001": ("admin", False), "OFF-002": ("officer", True), "OFF-003": ("admin", False)}
    assert listed["OFF-002"]["disabled_at"]
    text = ok(run_cli("officer", "list", *workdir, env=THIRD)).stdout
    assert "OFF-002  队员乙  officer  disabled  测试中队" in text
    assert "OFF-003  队员丙  administrator  active  测试中队" in text

    # Enabled again through `enable`, with a new password (`reset-password` points there).
    refused(run_cli("officer", "reset-password", *workdir, "OFF-002",
                    env={**THIRD, "STATEMENT_ROOM_NEW_PASSWORD": "Again2026password"}),
            "officer enable OFF-002")
    enabled = ok(run_cli("officer", "enable", *workdir, "OFF-002",
                         env={**THIRD, "STATEMENT_ROOM_NEW_PASSWORD": "Again2026password"}))
    assert "signing keys again" in enabled.stdout
    refused(run_cli("officer", "list", *workdir, env=SECOND), "Wrong certificate number")
    again = {**SECOND, "STATEMENT_ROOM_PASSWORD": "Again2026password"}
    assert "OFF-002  队员乙  officer  active" in ok(run_cli("officer", "list", *workdir,
                                                           env=again)).stdout
    trail = last_json(ok(run_cli("audit", "verify", *workdir, "--json", env=ADMIN)).stdout)
    assert trail["ok"] is True
