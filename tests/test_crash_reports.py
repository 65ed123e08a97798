"""A bug leaves a crash report HQ can read, and the report holds no personal data: not the
exception's message, not a value, not the folders above the program."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from desktop import config
from desktop.cli import app as cli_app
from desktop.crash_reports import KEEP_REPORTS, log_folder, report_text, write_crash_report
from desktop.version import program_version

PARTY_NAME = "测试甲"  # synthetic
PARTY_ID = "110101199003071234"  # synthetic


def lookup(index: dict[str, str]) -> str:
    return index[PARTY_ID]


def raise_with_personal_data() -> None:
    party = {"name": PARTY_NAME}
    try:
        lookup(party)
    except KeyError as exc:
        raise ValueError(f"no record for {PARTY_NAME} ({PARTY_ID})") from exc


def caught() -> BaseException:
    with pytest.raises(ValueError) as info:
        raise_with_personal_data()
    return info.value


def assert_no_personal_data(text: str) -> None:
    for secret in (PARTY_NAME, PARTY_ID, str(Path.home()), str(Path(__file__).parent)):
        assert secret not in text


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "logs"
    monkeypatch.setenv(config.LOG_DIR, str(folder))
    return folder


def test_a_report_names_the_exceptions_and_frames_and_nothing_else(log_dir: Path) -> None:
    report = write_crash_report(caught())

    assert report is not None and report.parent == log_dir == log_folder()
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    text = report.read_text(encoding="utf-8")
    assert f"version: {program_version()}" in text
    # Both exceptions, the first raised first, each with its frames.
    assert text.index("builtins.KeyError") < text.index("which led to:") < text.index(
        "builtins.ValueError")
    assert "test_crash_reports.py" in text and " in lookup" in text
    assert " in raise_with_personal_data" in text
    assert_no_personal_data(text)


def test_an_installed_programs_paths_lose_the_folders_above_it() -> None:
    # Code as an installed program's file would name it, below a home folder with a name in it.
    code = compile("raise RuntimeError(secret)",
                   f"/home/{PARTY_ID}/app/_internal/desktop/services/x.py", "exec")
    with pytest.raises(RuntimeError) as info:
        exec(code, {"secret": PARTY_NAME})
    text = report_text(info.value)
    assert "  desktop/services/x.py:1 in <module>" in text
    assert_no_personal_data(text)


def test_only_the_newest_reports_are_kept(log_dir: Path) -> None:
    exc = caught()
    for _ in range(KEEP_REPORTS + 3):
        write_crash_report(exc)
    assert len(list(log_dir.glob("crash-*.txt"))) == KEEP_REPORTS


def test_an_unwritable_log_folder_loses_the_report_not_the_program(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_bytes(b"")
    monkeypatch.setenv(config.LOG_DIR, str(blocked / "logs"))
    assert write_crash_report(caught()) is None


def test_a_bug_in_a_command_tells_the_officer_where_the_report_is(
        log_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken_window(_args: object) -> int:
        raise_with_personal_data()
        return 0

    monkeypatch.setattr(cli_app, "cmd_gui", broken_window)
    assert cli_app.main(["--lang", "en", "--workdir", str(log_dir.parent / "store")]) == 70

    [report] = log_dir.glob("crash-*.txt")
    err = capsys.readouterr().err
    assert f"A report for HQ, without personal data, was saved as {report}." in err
    assert_no_personal_data(report.read_text(encoding="utf-8"))
