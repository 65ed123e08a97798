"""The Windows installer (installer/windows/statement-room.nsi), built with Debian's makensis
and run under Wine the way an administrator deploys it: silently, then uninstalled silently.

What an officer or administrator sees is asserted: the program's files in Program Files, the
Start menu entry, "电子笔录室" with its version in Apps & features, the court package in
Explorer's "Open with" for .zip (without taking .zip from the archive program), and, after
uninstalling, their data still there unless they asked for it to go.

The installer wraps a stand-in folder in PyInstaller's one-folder layout (the real
statement-room.exe is frozen on Windows: installer/windows/BUILDING.md); the script does not
run the program, so the stand-in exercises all of it. Skipped only when makensis or Wine is
not installed; CI installs both (Debian packages `nsis` and `wine64`).
"""

from __future__ import annotations

import importlib.util
import struct
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


def _load_check() -> ModuleType:
    """installer/windows/check.py, which is a script, not a package module."""
    path = Path(__file__).resolve().parents[2] / "installer" / "windows" / "check.py"
    spec = importlib.util.spec_from_file_location("installer_windows_check", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


check = _load_check()

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(check.missing_tools()),
                       reason=f"needs Debian packages {check.missing_tools()} "
                              "(makensis and Wine); CI installs them"),
]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return check.stand_in_folder(tmp_path_factory.mktemp("dist") / "statement-room")


@pytest.fixture(scope="module")
def installer(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(check.build(dist, tmp_path_factory.mktemp("out")).path)


@pytest.fixture(scope="module")
def booted_prefix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One wineboot for the module; each test gets a copy (a fresh Windows to install on)."""
    with check.wine_prefix(tmp_path_factory.mktemp("template")) as prefix:
        yield prefix.folder


@pytest.fixture
def prefix(booted_prefix: Path, tmp_path: Path) -> Iterator[Any]:
    with check.wine_prefix(tmp_path, template=booted_prefix) as fresh:
        yield fresh


def _installed(prefix: Any) -> Path:
    return Path(prefix.unix_path(check.INSTALL_DIR))


def test_the_build_refuses_a_folder_without_the_program(tmp_path: Path) -> None:
    empty = tmp_path / "dist"
    empty.mkdir()
    with pytest.raises(check.CheckFailed, match=r"has no statement-room\.exe"):
        check.build(empty, tmp_path / "out")
    assert not list((tmp_path / "out").glob("*.exe"))


def test_the_installer_is_a_64_bit_windows_program_named_by_its_version(
        installer: Path) -> None:
    data = installer.read_bytes()
    assert data[:2] == b"MZ"
    pe_offset = struct.unpack_from("<I", data, 0x3C)[0]
    assert data[pe_offset:pe_offset + 4] == b"PE\0\0"
    machine = struct.unpack_from("<H", data, pe_offset + 4)[0]
    assert machine == 0x8664  # AMD64: runs natively on the bureau's 64-bit Windows
    assert installer.name == f"statement-room-{check.project_version()}-setup.exe"


def test_a_silent_install_puts_the_program_its_shortcut_entry_and_association(
        prefix: Any, installer: Path, dist: Path) -> None:
    check.install(prefix, installer)

    check.check_installed(prefix, dist, check.project_version())
    installed = _installed(prefix)
    exe = (installed / "statement-room.exe").read_bytes()
    assert exe == (dist / "statement-room.exe").read_bytes()
    assert (installed / "_internal" / "resources" / "fonts" / "WenQuanYiMicroHei.ttf").is_file()
    entry = prefix.registry_values(check.UNINSTALL_KEY)
    assert entry["DisplayName"] == "电子笔录室"
    assert entry["DisplayVersion"] == check.project_version()
    command = prefix.registry_values(check.PACKAGE_COMMAND_KEY)
    assert command[""] == (r'"C:\Program Files\StatementRoom\statement-room.exe" '
                           r'verify-package --pause "%1"')
    # Offered in "Open with", never made the default program for every .zip.
    assert prefix.registry_values(r"HKLM\Software\Classes\.zip") in (None, {})


def test_the_check_notices_a_missing_file(prefix: Any, installer: Path, dist: Path) -> None:
    check.install(prefix, installer)
    (_installed(prefix) / "_internal" / "resources" / "fonts" / "WenQuanYiMicroHei.ttf").unlink()

    with pytest.raises(check.CheckFailed, match=r"WenQuanYiMicroHei\.ttf"):
        check.check_installed(prefix, dist, check.project_version())


def test_uninstalling_removes_the_program_and_keeps_the_officers_data(
        prefix: Any, installer: Path) -> None:
    check.install(prefix, installer)
    data = check.put_officer_data(prefix)

    check.uninstall(prefix)

    check.check_uninstalled(prefix)
    assert not _installed(prefix).exists()
    for path, content in data.items():
        assert path.read_bytes() == content, path


def test_uninstalling_with_removedata_deletes_the_officers_data(
        prefix: Any, installer: Path) -> None:
    check.install(prefix, installer)
    check.put_officer_data(prefix)
    data_folder = prefix.data_folder()
    assert data_folder.is_dir()

    check.uninstall(prefix, remove_data=True)

    check.check_uninstalled(prefix)
    assert not data_folder.exists()


def test_uninstalling_leaves_another_programs_zip_association(
        prefix: Any, installer: Path) -> None:
    added = prefix.run("reg", "add", check.OPEN_WITH_KEY, "/v", "Archiver.Zip",
                       "/t", "REG_SZ", "/d", "", "/f")
    assert added.returncode == 0, added.stderr
    check.install(prefix, installer)
    offered = prefix.registry_values(check.OPEN_WITH_KEY)
    assert set(offered) == {"Archiver.Zip", check.PACKAGE_PROGID}

    check.uninstall(prefix)

    assert prefix.registry_values(check.OPEN_WITH_KEY) == {"Archiver.Zip": ""}


def test_an_upgrade_replaces_the_old_modules_and_keeps_the_data(
        prefix: Any, installer: Path, dist: Path, tmp_path: Path) -> None:
    check.install(prefix, installer)
    stale = _installed(prefix) / "_internal" / "removed_in_the_new_version.pyd"
    stale.write_bytes(b"old module")
    data = check.put_officer_data(prefix)
    newer = check.build(dist, tmp_path / "newer", version="0.1.1")

    check.install(prefix, newer.path)

    check.check_installed(prefix, dist, "0.1.1")
    assert not stale.exists()
    entry = prefix.registry_values(check.UNINSTALL_KEY)
    assert entry["DisplayVersion"] == "0.1.1"
    for path, content in data.items():
        assert path.read_bytes() == content, path


def test_a_linux_bundle_is_wrapped_with_its_launcher_named_for_windows(tmp_path: Path) -> None:
    bundle = tmp_path / "linux" / "statement-room"
    (bundle / "_internal" / "PySide6").mkdir(parents=True)
    (bundle / "statement-room").write_bytes(b"\x7fELF launcher")
    (bundle / "_internal" / "PySide6" / "libQt6Core.so.6").write_bytes(b"\x7fELF qt")
    (bundle / "_internal" / "libQt6Core.so").symlink_to("PySide6/libQt6Core.so.6")

    folder = check.stand_in_folder(tmp_path / "dist", bundle)

    assert sorted(str(path) for path in check.folder_files(folder)) == [
        "_internal/PySide6/libQt6Core.so.6", "_internal/libQt6Core.so",
        "statement-room-window.exe", "statement-room.exe"]
    assert (folder / "statement-room.exe").read_bytes() == b"\x7fELF launcher"
    assert (folder / "statement-room-window.exe").read_bytes() == b"\x7fELF launcher"
    assert (bundle / "statement-room").exists()  # the Linux build itself is left alone


def test_a_folder_that_is_not_a_linux_bundle_is_refused(tmp_path: Path) -> None:
    with pytest.raises(check.CheckFailed, match="no statement-room launcher"):
        check.stand_in_folder(tmp_path / "dist", tmp_path)
