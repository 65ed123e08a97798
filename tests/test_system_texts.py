"""Texts that do not come from our own code speak the user's language too: argparse's
("usage:", "options", its errors), the operating system's error reasons, and the message
that names Qt's missing system libraries instead of letting Qt abort the process."""

from __future__ import annotations

import errno
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop import qt_libraries
from desktop.cli.app import main
from desktop.i18n import argparse_messages, os_error_text, set_language

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def chinese() -> Iterator[None]:
    set_language("zh_CN")
    yield
    set_language("en")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse exits by itself for --help and its errors
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_argparse_speaks_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "--lang", "zh_CN", "verify", "--help")
    assert code == 0
    assert out.startswith("用法：statement-room verify")
    assert "选项" in out and "显示此帮助信息并退出" in out and "位置参数" in out
    assert "usage:" not in out and "options:" not in out and "show this help" not in out

    code, _out, err = run(capsys, "--lang", "zh_CN", "verify")
    assert code == 2
    assert "statement-room verify：错误：缺少以下必需参数：FILE.pdf" in err
    assert "error:" not in err and "required" not in err

    code, _out, err = run(capsys, "--lang", "zh_CN", "verify", "a.pdf", "--no-such-option")
    assert code == 2 and "无法识别的参数：--no-such-option" in err


def test_argparse_stays_english_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "--lang", "en", "verify", "--help")
    assert code == 0 and out.startswith("usage: statement-room verify")
    assert "show this help message and exit" in out


def test_every_argparse_message_is_translated(chinese: None) -> None:
    chinese_texts = argparse_messages()
    set_language("en")
    english_texts = argparse_messages()
    assert "usage: " in english_texts
    untranslated = [en for zh, en in zip(chinese_texts, english_texts, strict=True)
                    if zh == en or not CHINESE.search(zh)]
    assert untranslated == []


def test_operating_system_errors_are_translated(tmp_path: Path, chinese: None) -> None:
    with pytest.raises(OSError) as missing:
        (tmp_path / "missing.pdf").read_bytes()
    assert os_error_text(missing.value) == "文件或文件夹不存在"
    with pytest.raises(OSError) as folder:
        tmp_path.read_bytes()
    assert os_error_text(folder.value) == "是文件夹"
    # An errno we have no words for keeps the system's text.
    assert os_error_text(OSError(errno.ENOTSOCK, "Socket operation on non-socket")) == \
        "Socket operation on non-socket"
    set_language("en")
    assert os_error_text(missing.value) == "No such file or directory"


def test_a_refused_command_shows_the_reason_in_chinese(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _out, err = run(capsys, "--lang", "zh_CN", "verify", str(tmp_path / "missing.pdf"))
    assert code == 1
    assert "文件或文件夹不存在" in err and "No such file" not in err


def test_xcb_is_detected_from_the_environment() -> None:
    assert qt_libraries.uses_xcb({"DISPLAY": ":0"}, "linux")
    assert not qt_libraries.uses_xcb({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert qt_libraries.uses_xcb({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert not qt_libraries.uses_xcb(
        {"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"},
        "linux")
    assert not qt_libraries.uses_xcb({"DISPLAY": ":0"}, "win32")
    assert not qt_libraries.uses_xcb({}, "linux")


def test_a_missing_library_is_named_by_its_package() -> None:
    libraries = (("libc.so.6", "libc6"), ("libstatement-room-absent.so.9", "absent-pkg9"),
                 ("libstatement-room-absent.so.8", "absent-pkg9"))
    assert qt_libraries.missing_packages(libraries) == ["absent-pkg9"]


def test_the_window_names_the_packages_instead_of_aborting(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    """A Debian machine without libxcb-cursor0: the command says what to install (in
    Chinese) and exits 1; Qt is never asked to open a window."""
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(qt_libraries, "XCB_LIBRARIES", (
        ("libstatement-room-absent-cursor.so.0", "libxcb-cursor0"),
        *qt_libraries.XCB_LIBRARIES))
    code, _out, err = run(capsys, "--lang", "zh_CN", "--workdir", str(tmp_path))
    assert code == 1
    assert "sudo apt-get install libxcb-cursor0" in err
    assert "缺少 Qt 在 X11 下所需的系统库" in err
