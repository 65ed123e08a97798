"""Build the Windows installer with makensis and exercise it under Wine, as an administrator
would use it: install silently, find the program, its Start menu shortcut, its uninstall entry
and its court-package association in place; uninstall silently and find them gone and the
officer's data kept; uninstall with /REMOVEDATA and find the data gone too.

    python3 installer/windows/check.py [--dist FOLDER | --linux-bundle FOLDER] [--out DIR]
                                       [--fast] [--json]

No Windows Python exists on the build machines, so the real statement-room.exe is frozen on
Windows (installer/windows/BUILDING.md). Here the installer is built around:

- `--dist FOLDER`: a frozen folder holding statement-room.exe (a real Windows build);
- `--linux-bundle FOLDER`: the Linux one-folder build, copied with its launcher renamed to
  statement-room.exe (the real size and file count, not a runnable Windows program);
- neither: a stand-in folder in PyInstaller's one-folder layout: a placeholder
  statement-room.exe and the project's real resources under _internal.

The installer never runs the program, so a stand-in checks everything the script does. Needs
Debian's `nsis` (makensis) and `wine64` (or `wine`); each step's time and the installer's size
are printed (and with --json, one JSON line at the end).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

REPOSITORY = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).resolve().with_name("statement-room.nsi")

# What the script writes (statement-room.nsi's defines); the checks compare against these.
APP_ID = "StatementRoom"
DISPLAY_NAME = "电子笔录室"
EXE = "statement-room.exe"
# The spec's windowed twin (installer/statement-room.spec): the Start menu starts it.
WINDOW_EXE = "statement-room-window.exe"
UNINSTALLER = "uninstall.exe"
INSTALL_DIR = PureWindowsPath(r"C:\Program Files") / APP_ID
SHORTCUT = PureWindowsPath(r"C:\ProgramData\Microsoft\Windows\Start Menu\Programs") / (
    DISPLAY_NAME + ".lnk")
UNINSTALL_KEY = rf"HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\{APP_ID}"
PACKAGE_PROGID = "StatementRoom.CourtPackage"
PACKAGE_PROGID_KEY = rf"HKLM\Software\Classes\{PACKAGE_PROGID}"
PACKAGE_COMMAND_KEY = rf"{PACKAGE_PROGID_KEY}\shell\open\command"
OPEN_WITH_KEY = r"HKLM\Software\Classes\.zip\OpenWithProgids"
WER_EXCLUDED_KEY = r"HKLM\Software\Microsoft\Windows\Windows Error Reporting\ExcludedApplications"
DATA_FOLDER = "statement-room"  # platformdirs.user_data_dir("statement-room", appauthor=False)
REMOVE_DATA_SWITCH = "/REMOVEDATA"

WINE_TIMEOUT = 600  # seconds; a first wineboot on a loaded CI machine takes a while


class CheckFailed(Exception):
    """The installer did not do what it must; the message says what was found instead."""


def project_version() -> str:
    """pyproject.toml's version: the installer's DisplayVersion must be the program's."""
    with (REPOSITORY / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def find_makensis() -> str | None:
    """makensis from Debian's `nsis`, or None."""
    return shutil.which("makensis")


def find_wine() -> tuple[str, str] | None:
    """(wine loader, wineserver), or None. Debian's `wine64` alone installs no `wine` on
    PATH: its loader is /usr/lib/wine/wine64."""
    for loader, server in (("wine", "wineserver"), ("wine64", "wineserver")):
        found = shutil.which(loader)
        if found:
            server_path = shutil.which(server) or str(Path(found).with_name(server))
            if Path(server_path).exists():
                return found, server_path
    debian = Path("/usr/lib/wine")
    if (debian / "wine64").exists() and (debian / "wineserver").exists():
        return str(debian / "wine64"), str(debian / "wineserver")
    return None


def missing_tools() -> list[str]:
    """The Debian packages to install before the check can run (empty when none)."""
    missing = []
    if find_makensis() is None:
        missing.append("nsis")
    if find_wine() is None:
        missing.append("wine64")
    return missing


# -- the folder the installer wraps ------------------------------------------------------------
STAND_IN_NOTE = (b"Stand-in for the frozen Statement Room program. The real statement-room.exe "
                 b"is built on Windows with installer/statement-room.spec; see "
                 b"installer/windows/BUILDING.md.\r\n")


def stand_in_folder(target: Path, linux_bundle: Path | None = None) -> Path:
    """A folder in PyInstaller 6's one-folder layout (statement-room.exe + _internal) at
    `target`: the Linux bundle with its launcher renamed, or a placeholder executable and the
    project's real resources."""
    if target.exists():
        shutil.rmtree(target)
    if linux_bundle is not None:
        launcher = linux_bundle / "statement-room"
        if not launcher.is_file():
            raise CheckFailed(f"{linux_bundle} holds no statement-room launcher")
        # Links followed: a Windows bundle has none, and makensis would store their targets.
        shutil.copytree(linux_bundle, target, symlinks=False)
        (target / "statement-room").rename(target / EXE)
        shutil.copyfile(target / EXE, target / WINDOW_EXE)
        return target
    internal = target / "_internal"
    internal.mkdir(parents=True)
    (target / EXE).write_bytes(STAND_IN_NOTE)
    (target / WINDOW_EXE).write_bytes(STAND_IN_NOTE)
    shutil.copytree(REPOSITORY / "resources", internal / "resources",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return target


def folder_files(folder: Path) -> dict[Path, int]:
    """Every regular file under `folder`, relative, with its size."""
    return {path.relative_to(folder): path.stat().st_size
            for path in sorted(folder.rglob("*")) if path.is_file() and not path.is_symlink()}



# -- building --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Built:
    """An installer makensis wrote."""

    path: Path
    version: str
    seconds: float
    size: int


def build(dist: Path, out_dir: Path, version: str | None = None, *,
          fast: bool = False) -> Built:
    """makensis over statement-room.nsi around `dist`; warnings are errors (-WX), so a
    script that drifts is caught here rather than on an officer's PC. `fast`: zlib instead
    of solid LZMA (a bigger setup, built in a fraction of the time; for CI only)."""
    makensis = find_makensis()
    if makensis is None:
        raise CheckFailed("makensis is not installed (Debian package `nsis`)")
    version = version or project_version()
    out_dir.mkdir(parents=True, exist_ok=True)
    output = out_dir / f"statement-room-{version}-setup.exe"
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 (makensis on our own script)
        [makensis, "-V2", "-WX", f"-DDIST={dist}", f"-DVERSION={version}",
         f"-DOUTFILE={output}", *(["-DCOMPRESSOR=zlib"] if fast else []), str(SCRIPT)],
        capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise CheckFailed(f"makensis failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return Built(output, version, seconds, output.stat().st_size)


# -- Wine ------------------------------------------------------------------------------------
class WinePrefix:
    """A private Wine prefix (a fresh Windows installation in a folder) and the commands run
    in it. Every command waits for the prefix's wineserver to finish: an NSIS uninstaller
    copies itself to a temporary folder and returns at once, so its own exit says nothing."""

    def __init__(self, folder: Path) -> None:
        tools = find_wine()
        if tools is None:
            raise CheckFailed("Wine is not installed (Debian package `wine64`)")
        self.folder = folder
        self.loader, self.server = tools
        self.environment = {
            **os.environ,
            "WINEPREFIX": str(folder),
            "WINEDEBUG": "-all",
            # No Mono or Gecko download prompts: the installer needs neither.
            "WINEDLLOVERRIDES": "mscoree,mshtml=",
        }
        self.environment.pop("DISPLAY", None)  # silent installs need no window
        self.boot_seconds = 0.0

    def run(self, *arguments: str, settle: bool = True) -> subprocess.CompletedProcess[str]:
        """`wine ARGUMENTS…`; with `settle`, then wait until every process of the prefix has
        ended and the wineserver has written the registry (a few seconds: it lingers), which
        an installer or uninstaller needs and a `reg export` does not."""
        # Output into files, not pipes: the wineserver a command starts inherits them and
        # lingers, and reading a pipe to its end would wait for the server too.
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            finished = subprocess.run(  # noqa: S603 (Wine on our own installer)
                [self.loader, *arguments], env=self.environment, stdout=out, stderr=err,
                stdin=subprocess.DEVNULL, timeout=WINE_TIMEOUT, check=False)
            out.seek(0)
            err.seek(0)
            result = subprocess.CompletedProcess(
                finished.args, finished.returncode,
                out.read().decode(errors="replace"), err.read().decode(errors="replace"))
        if settle:
            subprocess.run([self.server, "-w"], env=self.environment,  # noqa: S603
                           timeout=WINE_TIMEOUT, check=False)
        return result

    def boot(self) -> None:
        """Create the prefix (a fresh Windows installation); `boot_seconds` says how long."""
        started = time.monotonic()
        result = self.run("wineboot", "--init")
        if result.returncode != 0 or not (self.folder / "drive_c").is_dir():
            raise CheckFailed(f"wineboot failed ({result.returncode}): {result.stderr[-2000:]}")
        self.boot_seconds = time.monotonic() - started

    def unix_path(self, path: PureWindowsPath) -> Path:
        """Where a C:\\ path of the prefix is on this machine."""
        if path.drive.upper() != "C:":
            raise ValueError(f"not on C: {path}")
        return self.folder.joinpath("drive_c", *path.parts[1:])

    def local_appdata(self) -> PureWindowsPath:
        """The prefix user's %LOCALAPPDATA% (where platformdirs keeps the officer's data)."""
        result = self.run("cmd", "/c", "echo", "%LOCALAPPDATA%", settle=False)
        value = result.stdout.strip().splitlines()[-1].strip() if result.stdout.strip() else ""
        if not value or "%" in value:
            raise CheckFailed(f"cannot read %LOCALAPPDATA% in the prefix: {result.stdout!r}")
        return PureWindowsPath(value)

    def data_folder(self) -> Path:
        """The officer's data folder of the program, as the program finds it on Windows."""
        return self.unix_path(self.local_appdata() / DATA_FOLDER)

    def registry_values(self, key: str) -> dict[str, str] | None:
        """The values of one registry key (the default value under ""), or None when the key
        does not exist. Read with `reg export`: `reg query` prints through the console's code
        page, which turns 电子笔录室 into question marks."""
        with tempfile.TemporaryDirectory(prefix="reg-", dir=self.folder) as scratch:
            exported = Path(scratch) / "key.reg"
            result = self.run("reg", "export", key, "Z:" + str(exported).replace("/", "\\"),
                              "/y", settle=False)
            if result.returncode != 0 or not exported.exists():
                return None
            return parse_reg_export(exported.read_bytes().decode("utf-16"), key)


def parse_reg_export(text: str, key: str) -> dict[str, str]:
    """The values of `key` itself (not its subkeys) in a `reg export` file: strings as
    they are, DWORDs as "dword:XXXXXXXX"."""
    wanted = "[" + key.replace("HKLM\\", "HKEY_LOCAL_MACHINE\\", 1).lower() + "]"
    values: dict[str, str] = {}
    inside = False
    for line in text.splitlines():
        if line.startswith("["):
            inside = line.lower() == wanted
            continue
        if not inside or "=" not in line:
            continue
        name_part, _, value_part = _split_assignment(line)
        name = "" if name_part == "@" else _unquote(name_part)
        values[name] = _unquote(value_part) if value_part.startswith('"') else value_part
    return values


def _split_assignment(line: str) -> tuple[str, str, str]:
    """`"name"="value"` or `@=…` split at the `=` after the (quoted) name."""
    if line.startswith("@="):
        return "@", "=", line[2:]
    index = 1
    while index < len(line):
        if line[index] == "\\":
            index += 2
            continue
        if line[index] == '"':
            break
        index += 1
    return line[:index + 1], "=", line[index + 2:]


def _unquote(quoted: str) -> str:
    """A .reg string literal's text (backslash escapes undone)."""
    body = quoted[1:-1]
    out = []
    index = 0
    while index < len(body):
        if body[index] == "\\" and index + 1 < len(body):
            out.append(body[index + 1])
            index += 2
        else:
            out.append(body[index])
            index += 1
    return "".join(out)


@contextmanager
def wine_prefix(parent: Path | None = None, template: Path | None = None) -> Iterator[WinePrefix]:
    """A fresh prefix in a temporary folder (copied from a booted `template` when given:
    a copy is faster than a wineboot), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="wine-", dir=parent) as folder:
        root = Path(folder) / "prefix"
        if template is not None:
            shutil.copytree(template, root, symlinks=True)
            prefix = WinePrefix(root)
        else:
            prefix = WinePrefix(root)
            prefix.boot()
        try:
            yield prefix
        finally:
            subprocess.run([prefix.server, "-k"], env=prefix.environment,  # noqa: S603
                           check=False,
                           capture_output=True, timeout=WINE_TIMEOUT)


# -- installing and uninstalling -------------------------------------------------------------
def install(prefix: WinePrefix, installer: Path) -> float:
    """The installer run silently (/S), as an administrator deploys it; the seconds it took."""
    started = time.monotonic()
    result = prefix.run(str(installer), "/S")
    if result.returncode != 0:
        raise CheckFailed(f"the installer exited with {result.returncode}: {result.stderr[-2000:]}")
    return time.monotonic() - started


def uninstall(prefix: WinePrefix, *, remove_data: bool = False) -> float:
    """The uninstaller (through the uninstall entry's QuietUninstallString, as Windows'
    Settings would run it) silently; with `remove_data` also /REMOVEDATA. The seconds."""
    values = prefix.registry_values(UNINSTALL_KEY)
    if values is None:
        raise CheckFailed(f"no uninstall entry {UNINSTALL_KEY}")
    command = values.get("QuietUninstallString", "")
    quoted = f'"{INSTALL_DIR / UNINSTALLER}" /S'
    if command != quoted:
        raise CheckFailed(f"QuietUninstallString is {command!r}, expected {quoted!r}")
    started = time.monotonic()
    arguments = [str(INSTALL_DIR / UNINSTALLER), "/S"]
    if remove_data:
        arguments.append(REMOVE_DATA_SWITCH)
    result = prefix.run(*arguments)
    if result.returncode != 0:
        raise CheckFailed(f"the uninstaller exited with {result.returncode}: "
                          f"{result.stderr[-2000:]}")
    return time.monotonic() - started


def check_installed(prefix: WinePrefix, dist: Path, version: str) -> None:
    """Every file of `dist` in the installation folder with its size, the uninstaller, the
    Start menu shortcut, the uninstall entry and the court package's association."""
    installed = prefix.unix_path(INSTALL_DIR)
    expected = folder_files(dist)
    found = folder_files(installed) if installed.is_dir() else {}
    missing = [str(path) for path, size in expected.items() if found.get(path) != size]
    if missing:
        raise CheckFailed(f"{len(missing)} files missing or different in {INSTALL_DIR}, e.g. "
                          f"{missing[:5]}")
    extra = sorted(str(path) for path in set(found) - set(expected)
                   if str(path) != UNINSTALLER)
    if extra:
        raise CheckFailed(f"files in {INSTALL_DIR} that the frozen folder does not hold: "
                          f"{extra[:5]}")
    if UNINSTALLER not in {str(path) for path in found}:
        raise CheckFailed(f"no {UNINSTALLER} in {INSTALL_DIR}")
    shortcut = prefix.unix_path(SHORTCUT)
    if not shortcut.is_file():
        raise CheckFailed(f"no Start menu shortcut {SHORTCUT}")
    if (dist / WINDOW_EXE).is_file():
        # The shortcut starts the windowed twin: no console window behind the statement room.
        link = shortcut.read_bytes()
        if WINDOW_EXE.encode("utf-16-le") not in link and WINDOW_EXE.encode() not in link:
            raise CheckFailed(f"the Start menu shortcut does not start {WINDOW_EXE}")
    expect_values(prefix, UNINSTALL_KEY, {
        "DisplayName": DISPLAY_NAME,
        "DisplayVersion": version,
        "InstallLocation": str(INSTALL_DIR),
        "DisplayIcon": str(INSTALL_DIR / EXE),
        "UninstallString": f'"{INSTALL_DIR / UNINSTALLER}"',
        "QuietUninstallString": f'"{INSTALL_DIR / UNINSTALLER}" /S',
        "NoModify": "dword:00000001",
        "NoRepair": "dword:00000001",
    })
    publisher = (prefix.registry_values(UNINSTALL_KEY) or {}).get("Publisher", "")
    if not publisher:
        raise CheckFailed("the uninstall entry names no Publisher")
    expect_values(prefix, PACKAGE_COMMAND_KEY,
                  {"": f'"{INSTALL_DIR / EXE}" verify-package --pause "%1"'})
    expect_values(prefix, OPEN_WITH_KEY, {PACKAGE_PROGID: ""})
    # No crash of the program goes to Windows Error Reporting with its memory.
    excluded = [name for name in (EXE, WINDOW_EXE) if (dist / name).is_file()]
    expect_values(prefix, WER_EXCLUDED_KEY, dict.fromkeys(excluded, "dword:00000001"))


def expect_values(prefix: WinePrefix, key: str, expected: Mapping[str, str]) -> None:
    """Each value of `expected` in registry key `key`, exactly."""
    values = prefix.registry_values(key)
    if values is None:
        raise CheckFailed(f"registry key {key} is missing")
    wrong = {name: values.get(name) for name, value in expected.items()
             if values.get(name) != value}
    if wrong:
        raise CheckFailed(f"registry key {key}: found {wrong}, expected "
                          f"{ {name: expected[name] for name in wrong} }")


def check_uninstalled(prefix: WinePrefix) -> None:
    """The program, its shortcut, its uninstall entry and its association gone; the .zip
    association of other programs untouched is the caller's to check."""
    installed = prefix.unix_path(INSTALL_DIR)
    if installed.exists():
        left = sorted(str(path.relative_to(installed)) for path in installed.rglob("*"))
        raise CheckFailed(f"{INSTALL_DIR} is still there after uninstalling: {left[:5]}")
    if prefix.unix_path(SHORTCUT).exists():
        raise CheckFailed(f"the Start menu shortcut {SHORTCUT} is still there")
    for key in (UNINSTALL_KEY, PACKAGE_PROGID_KEY):
        if prefix.registry_values(key) is not None:
            raise CheckFailed(f"registry key {key} is still there after uninstalling")
    left_with = prefix.registry_values(OPEN_WITH_KEY) or {}
    if PACKAGE_PROGID in left_with:
        raise CheckFailed(f"{OPEN_WITH_KEY} still offers {PACKAGE_PROGID}")
    left_excluded = set(prefix.registry_values(WER_EXCLUDED_KEY) or {}) & {EXE, WINDOW_EXE}
    if left_excluded:
        raise CheckFailed(f"{WER_EXCLUDED_KEY} still names {sorted(left_excluded)}")


def put_officer_data(prefix: WinePrefix) -> dict[Path, bytes]:
    """Files where the program keeps an officer's data (a store, a vault segment, a log),
    as a Windows user would have them; returns them with their contents."""
    folder = prefix.data_folder()
    files = {
        folder / "store.db": b"SQLite format 3\x00 stand-in for an encrypted store",
        folder / "vault" / "ab" / "abcdef.seg": os.urandom(4096),
        folder / "Logs" / "statement-room.log": "2026-12-07 登录\r\n".encode(),
    }
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return files


# -- the whole check -------------------------------------------------------------------------
@dataclass(frozen=True)
class Report:
    """What one full check measured."""

    installer: str
    installer_bytes: int
    files: int
    payload_bytes: int
    build_seconds: float
    wineboot_seconds: float
    install_seconds: float
    uninstall_seconds: float
    reinstall_seconds: float
    uninstall_remove_data_seconds: float


def check_all(dist: Path, out_dir: Path, work: Path, *, fast: bool = False) -> Report:
    """Build; install, check; uninstall keeping the data, check; install again, uninstall
    with /REMOVEDATA, check the data is gone."""
    built = build(dist, out_dir, fast=fast)
    payload = folder_files(dist)
    with wine_prefix(work) as prefix:
        wineboot_seconds = prefix.boot_seconds
        install_seconds = install(prefix, built.path)
        check_installed(prefix, dist, built.version)
        data = put_officer_data(prefix)
        uninstall_seconds = uninstall(prefix)
        check_uninstalled(prefix)
        changed = [str(path) for path, content in data.items()
                   if not path.is_file() or path.read_bytes() != content]
        if changed:
            raise CheckFailed(f"uninstalling without {REMOVE_DATA_SWITCH} lost data: {changed}")
        reinstall_seconds = install(prefix, built.path)
        check_installed(prefix, dist, built.version)
        remove_seconds = uninstall(prefix, remove_data=True)
        check_uninstalled(prefix)
        if prefix.data_folder().exists():
            raise CheckFailed(f"{REMOVE_DATA_SWITCH} left the data folder {prefix.data_folder()}")
    return Report(str(built.path), built.size, len(payload), sum(payload.values()),
                  round(built.seconds, 1), round(wineboot_seconds, 1), round(install_seconds, 1),
                  round(uninstall_seconds, 1), round(reinstall_seconds, 1),
                  round(remove_seconds, 1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--dist", type=Path, help="a frozen Windows folder with statement-room.exe")
    source.add_argument("--linux-bundle", type=Path,
                        help="the Linux one-folder build, wrapped with its launcher renamed")
    parser.add_argument("--out", type=Path, default=REPOSITORY / "build" / "windows",
                        help="where the installer is written (default: build/windows)")
    parser.add_argument("--fast", action="store_true",
                        help="compress with zlib, not solid LZMA (quicker; not for release)")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args(argv)
    missing = missing_tools()
    if missing:
        print(f"Install first: apt-get install {' '.join(missing)}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nsis-check-") as work:
        dist = args.dist or stand_in_folder(Path(work) / "dist", args.linux_bundle)
        try:
            report = check_all(dist, args.out, Path(work), fast=args.fast)
        except CheckFailed as failure:
            print(f"FAILED: {failure}", file=sys.stderr)
            return 1
    print(f"installer {report.installer}: {report.installer_bytes / 1e6:.1f} MB "
          f"({report.files} files, {report.payload_bytes / 1e6:.1f} MB) built in "
          f"{report.build_seconds} s")
    print(f"Wine: installed in {report.install_seconds} s, files, shortcut, uninstall entry "
          f"and court-package association in place; uninstalled in {report.uninstall_seconds} s "
          f"with the data kept; installed again in {report.reinstall_seconds} s; uninstalled "
          f"with {REMOVE_DATA_SWITCH} in {report.uninstall_remove_data_seconds} s, data gone")
    if args.json:
        print(json.dumps({"ok": True, **report.__dict__}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
