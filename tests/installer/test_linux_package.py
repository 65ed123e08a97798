"""The Linux package as the officer gets it (decision 48): the frozen program built with
installer/statement-room.spec, the .deb in the UOS layout, installed into a private dpkg root
and run from there, and the glibc it needs.

Building takes minutes, so these tests are the packaging step of CI (`.ci/run`, after the
suite: `pytest -m packaging tests/installer`) and need the `[package]` extra. The bundle and
.deb that `installer/build.py all` just made are used when report.json names the same source
fingerprint; otherwise the module builds them itself, once.
"""

from __future__ import annotations

import configparser
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from installer import build

pytestmark = pytest.mark.packaging


@pytest.fixture(scope="module")
def packaged() -> dict[str, Any]:
    """build/installer/: the bundle and the .deb of this source tree."""
    report_file = build.report_path()
    if report_file.exists():
        report: dict[str, Any] = json.loads(report_file.read_text("utf-8"))
        if (report["build"]["fingerprint"] == build.source_fingerprint()
                and Path(report["deb"]["path"]).is_file()
                and (build.bundle_dir() / build.NAME).is_file()):
            return report
    return build.run_all()


@pytest.fixture(scope="module")
def unpacked(packaged: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .deb's files, as dpkg-deb extracts them."""
    root = tmp_path_factory.mktemp("deb-contents")
    subprocess.run(["dpkg-deb", "-x", packaged["deb"]["path"], str(root)], check=True,
                   timeout=600)
    return root


def _field(deb: str, name: str) -> str:
    return subprocess.run(["dpkg-deb", "-f", deb, name], check=True, capture_output=True,
                          text=True, timeout=60).stdout.strip()


def test_the_menu_entry_is_named_in_chinese_and_starts_the_installed_program(
        unpacked: Path) -> None:
    app = unpacked / build.INSTALL_DIR.lstrip("/")
    entry_file = app / "entries" / "applications" / f"{build.APP_ID}.desktop"
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    entry.read_string(entry_file.read_text("utf-8"))
    desktop = entry["Desktop Entry"]
    assert desktop["Name[zh_CN]"] == "电子笔录室"
    assert desktop["Name"] == "Statement Room"
    assert desktop["Exec"] == "/opt/apps/cn.gov.statementroom/files/statement-room"
    program = unpacked / desktop["Exec"].lstrip("/")
    assert program.is_file() and program.stat().st_mode & 0o111
    icon = app / "entries" / "icons" / "hicolor" / "scalable" / "apps" / f"{desktop['Icon']}.svg"
    assert icon.read_text("utf-8").lstrip().startswith("<?xml")
    # The desktops that do not look into /opt/apps find the same entry and icon by links.
    menu_link = unpacked / "usr" / "share" / "applications" / f"{build.APP_ID}.desktop"
    assert menu_link.readlink() == Path("/") / entry_file.relative_to(unpacked)
    assert (unpacked / "usr" / "bin" / "statement-room").readlink() == Path(desktop["Exec"])
    info = json.loads((app / "info").read_text("utf-8"))
    assert (info["appid"], info["name"], info["version"]) == (
        "cn.gov.statementroom", "电子笔录室", build.version())


def test_the_command_link_in_usr_bin_runs_the_program(unpacked: Path, tmp_path: Path) -> None:
    """/usr/bin/statement-room is a link into /opt/apps: the program finds its folder from
    the link (here a link to the unpacked copy, as the absolute one points outside it)."""
    program = unpacked / build.PROGRAM.lstrip("/")
    link = tmp_path / "bin" / "statement-room"
    link.parent.mkdir()
    link.symlink_to(program)
    shown = subprocess.run([str(link), "--version"], capture_output=True, text=True,
                           timeout=120, check=False, cwd=tmp_path)
    assert (shown.returncode, shown.stdout.strip(), shown.stderr) == (
        0, f"statement-room {build.version()}", "")


def test_under_an_x_server_the_window_opens_with_the_systems_x_libraries(
        unpacked: Path, tmp_path: Path) -> None:
    """The bundle leaves X11/xcb to the system (Depends): under a real X server (Xvfb) the
    bundled xcb platform plugin loads them and the first-run window opens, in Chinese."""
    program = unpacked / build.PROGRAM.lstrip("/")
    env = {**build._program_env(tmp_path), "STATEMENT_ROOM_LANG": "zh_CN",
           "STATEMENT_ROOM_QUIT_AFTER_MS": "2000"}
    shown = subprocess.run(["xvfb-run", "-a", str(program), "--workdir", str(tmp_path / "s")],
                           capture_output=True, text=True, timeout=300, check=False,
                           env=env, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == ["window: 电子笔录室：首次运行设置"]


def test_the_package_is_xz_compressed_under_150_mb_with_its_qt_libraries_as_depends(
        packaged: dict[str, Any]) -> None:
    deb = packaged["deb"]["path"]
    assert Path(deb).stat().st_size < 150_000_000
    members = subprocess.run(["ar", "t", deb], check=True, capture_output=True, text=True,
                             timeout=60).stdout.split()
    assert members == ["debian-binary", "control.tar.xz", "data.tar.xz"]
    depends = [entry.strip() for entry in _field(deb, "Depends").split(",")]
    for needed in ("libxcb-cursor0", "libxkbcommon-x11-0", "libfontconfig1", "libegl1"):
        assert needed in depends
    assert _field(deb, "Package") == "cn.gov.statementroom"
    assert "dialout" in _field(deb, "Description")


def test_every_system_library_the_bundle_needs_is_a_dependency_or_an_optional_plugins(
        packaged: dict[str, Any]) -> None:
    """A library neither bundled nor depended on would stop the program on the officer's
    desktop; one missing here may only be needed by a Qt plugin (which Qt then skips)."""
    bundle = build.bundle_dir()
    needed = build.system_libraries(bundle)
    owners = build.packages_of(needed)
    declared = build.declared_packages()
    undeclared = {soname: owner for soname, owner in owners.items()
                  if owner is not None and owner not in declared}
    assert undeclared == {}
    # and no dependency is stale: each entry of Depends provides something the bundle needs
    providers = {owner for owner in owners.values() if owner is not None}
    stale = [entry for entry in build.DEPENDS
             if not providers & {alt.split()[0] for alt in entry.split("|")}]
    assert stale == []
    not_here = {soname: needed[soname] for soname, owner in owners.items() if owner is None}
    for soname, users in not_here.items():
        assert all("/Qt/plugins/" in user for user in users), (soname, users)
    assert "libxcb-cursor.so.0" in needed  # the xcb platform plugin's, left to the system


def test_the_udev_rule_gives_the_officer_the_usb_readers_and_recorders(unpacked: Path) -> None:
    rules = (unpacked / "lib" / "udev" / "rules.d" / "70-statement-room.rules").read_text()
    active = [line for line in rules.splitlines() if line and not line.startswith("#")]
    assert active == [
        'SUBSYSTEM=="usb", ATTRS{idVendor}=="0400", ATTRS{idProduct}=="c35a", TAG+="uaccess"',
        'SUBSYSTEM=="usb", ATTRS{idVendor}=="4255", ATTRS{idProduct}=="0001", TAG+="uaccess"',
    ]
    # No maintainer script changes the system (the UOS store rejects them).
    control = subprocess.run(["dpkg-deb", "--ctrl-tarfile", str(build.deb_path())],
                             check=True, capture_output=True, timeout=60).stdout
    listing = subprocess.run(["tar", "-t"], input=control, check=True, capture_output=True,
                             timeout=60).stdout.decode().split()
    assert sorted(listing) == ["./", "./control"]


def test_installed_into_a_private_root_the_program_runs_and_stays_private(
        packaged: dict[str, Any]) -> None:
    checked = build.install_check(Path(packaged["deb"]["path"]))
    assert checked.python_packages_outside == []
    assert checked.outside_app == sorted([
        "/lib/udev/rules.d/70-statement-room.rules", "/usr/bin/statement-room",
        "/usr/share/applications/cn.gov.statementroom.desktop",
        "/usr/share/icons/hicolor/scalable/apps/cn.gov.statementroom.svg"])
    smoke = checked.smoke
    assert smoke.version == f"statement-room {build.version()}"
    assert smoke.demo["ok"] is True
    assert smoke.demo["statement_state"] == "sealed"
    recording = smoke.demo["recording"]  # made by the program's --recording-worker child
    assert recording["state"] == "finished" and recording["duration_ms"] > 0
    assert smoke.verify["bottom_line"] is True and smoke.verify["complete"] is True
    # the party's, the officers' and the seal's (tests/cli/test_demo.py), all of them holding
    assert len(smoke.verify["signatures"]) >= 6
    assert all(signature["bottom_line"] for signature in smoke.verify["signatures"])
    assert smoke.windows == ["Statement Room: first-run setup"]


def test_the_glibc_report_names_the_newest_version_any_bundled_file_needs(
        packaged: dict[str, Any]) -> None:
    report = build.glibc(build.bundle_dir())
    assert report.elf_files > 100
    ceiling = tuple(int(p) for p in report.ceiling.split("."))
    assert ceiling <= tuple(int(p) for p in report.host.split("."))  # it runs here
    assert (ceiling > build.TARGET_GLIBC) == bool(report.above_target)
    if report.above_target:  # built on a newer glibc than UOS V20's: each culprit named
        assert max(report.above_target.values(),
                   key=lambda v: tuple(map(int, v.split(".")))) == report.ceiling
    assert packaged["glibc"]["ceiling"] == report.ceiling
