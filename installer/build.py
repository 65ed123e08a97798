"""Build, check and package the officer's program for Linux desktops (UOS, Kylin; decision 48).

    python3 installer/build.py build          # PyInstaller one-folder bundle (spec beside this)
    python3 installer/build.py smoke          # the bundle: --version, the demo, the window
    python3 installer/build.py deb            # the .deb in the UOS application layout
    python3 installer/build.py install-check  # the .deb installed into a private dpkg root
    python3 installer/build.py glibc          # the newest glibc symbol any bundled ELF needs
    python3 installer/build.py all            # all of the above; report.json beside them

Everything goes to build/installer/ (the PyInstaller work folder is kept between runs, so a
second build reuses what did not change). Each step prints what it checked and fails
(exit 1) with the reason when the officer would see something wrong. Needs the `[package]`
extra (PyInstaller) and Debian's dpkg-deb, dpkg and objdump (binutils).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "installer" / "statement-room.spec"
ICON = ROOT / "installer" / "linux" / "statement-room.svg"
OUT = ROOT / "build" / "installer"
NAME = "statement-room"
APP_ID = "cn.gov.statementroom"  # UOS: the package name is the reverse-domain application id
NAME_ZH = "电子笔录室"
INSTALL_DIR = f"/opt/apps/{APP_ID}"
PROGRAM = f"{INSTALL_DIR}/files/{NAME}"
MAX_DEB_MB = 150
# UOS V20 (1050) ships glibc 2.28, Kylin V10 SP1 2.31: the oldest target sets the ceiling.
TARGET_GLIBC = (2, 28)
# What the bundle's code is built from: a change here means the bundle must be built again.
SOURCES = ("desktop", "hardware", "sync", "verification", "legal", "resources",
           "installer/statement-room.spec", "installer/build.py", "installer/linux",
           "pyproject.toml", "constraints.txt")

# The desktop session's libraries that the spec leaves out of the bundle, as dependencies. The
# names are the same on Debian 10 (UOS V20), Ubuntu 20.04 (Kylin V10) and Debian 12; the
# 64-bit time_t renames of Debian 13 / Ubuntu 24.04 are given as alternatives.
DEPENDS: tuple[str, ...] = (
    "libc6 (>= 2.28)",
    "libx11-6", "libx11-xcb1", "libxext6", "libxrandr2",
    "libxcb1", "libxcb-cursor0", "libxcb-glx0", "libxcb-icccm4", "libxcb-image0",
    "libxcb-keysyms1", "libxcb-randr0", "libxcb-render0", "libxcb-render-util0",
    "libxcb-shape0", "libxcb-shm0", "libxcb-sync1", "libxcb-util1 | libxcb-util0",
    "libxcb-xfixes0", "libxcb-xkb1", "libxkbcommon0", "libxkbcommon-x11-0",
    "libwayland-client0", "libwayland-cursor0", "libwayland-egl1",
    "libgl1", "libegl1", "libdrm2", "libfontconfig1", "libfreetype6", "libbrotli1",
    "libdbus-1-3", "libglib2.0-0 | libglib2.0-0t64", "libpulse0", "libcups2 | libcups2t64",
    "libgssapi-krb5-2", "libzstd1",
)
DIALOUT_NOTE = ("Serial ID card readers appear as /dev/ttyUSB* or /dev/ttyACM*, which only "
                "members of the dialout group may open: add each officer's account once "
                "(sudo usermod -aG dialout ACCOUNT) and log in again.")
# USB devices the program talks to directly (hardware-protocols.md): the logged-in officer
# gets access through systemd-logind's uaccess tag, no group needed.
USB_DEVICES: tuple[tuple[str, str, str], ...] = (
    ("0400", "c35a", "ID card reader, SAM protocol over USB bulk endpoints"),
    ("4255", "0001", "body-worn recorder (Ambarella-based), commands over USB bulk"),
)


def version() -> str:
    """The distribution's version, as `--version` prints it."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def bundle_dir(out: Path = OUT) -> Path:
    return out / "dist" / NAME


def deb_path(out: Path = OUT) -> Path:
    return out / f"{APP_ID}_{version()}_amd64.deb"


class CheckFailed(Exception):
    """A step found something the officer would see go wrong; the message says what."""


def _run(argv: Sequence[str], *, timeout: float, env: dict[str, str] | None = None,
         cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    # Our own fixed commands on paths we made; no shell.
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout,  # noqa: S603
                          check=False, env=env, cwd=cwd, stdin=subprocess.DEVNULL)


def _megabytes(path: Path) -> float:
    if path.is_file():
        return round(path.stat().st_size / 1e6, 1)
    total = sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() or p.is_symlink())
    return round(total / 1e6, 1)


def source_fingerprint() -> str:
    """A hash over every file the bundle is built from (SOURCES): equal means up to date."""
    digest = hashlib.sha256()
    for name in SOURCES:
        top = ROOT / name
        files = [top] if top.is_file() else sorted(
            p for p in top.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for path in files:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# -- build -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BuildReport:
    seconds: float
    bundle_mb: float
    files: int
    fingerprint: str
    debug_info_stripped_mb: float


def build(out: Path = OUT) -> BuildReport:
    """PyInstaller on the spec, from this checkout (never an installed copy of the program)."""
    fingerprint = source_fingerprint()
    started = time.monotonic()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = _run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
                 "--workpath", str(out / "work"), "--distpath", str(out / "dist"), str(SPEC)],
                timeout=3600, env=env, cwd=ROOT)
    seconds = round(time.monotonic() - started, 1)
    if done.returncode != 0:
        raise CheckFailed(f"PyInstaller failed:\n{done.stderr[-4000:]}")
    bundle = bundle_dir(out)
    stripped = strip_debug_info(bundle)
    seconds = round(time.monotonic() - started, 1)
    files = sum(1 for p in bundle.rglob("*") if p.is_file())
    return BuildReport(seconds, _megabytes(bundle), files, fingerprint, stripped)


def strip_debug_info(bundle: Path) -> float:
    """Remove the debugging sections (DWARF) that some wheels and the interpreter ship in their
    libraries (libpython, sqlcipher3 and pkcs11 among them: about a tenth of the bundle). Only
    `--strip-debug`: the symbol tables stay, so the dynamic loader and the libraries that
    auditwheel patched are untouched in what they use. The megabytes saved."""
    before = _megabytes(bundle)
    for path in sorted(bundle.rglob("*")):
        if is_elf(path) and ".debug_info" in _run(["objdump", "-h", str(path)],
                                                  timeout=120).stdout:
            done = _run(["strip", "--strip-debug", str(path)], timeout=300)
            if done.returncode != 0:
                raise CheckFailed(f"strip failed on {path}: {done.stderr}")
    return round(before - _megabytes(bundle), 1)


# -- smoke -----------------------------------------------------------------------------------
def _program_env(home: Path) -> dict[str, str]:
    """A clean environment: no variable of ours, a private home (the data folder is under
    it), no display (the window is started offscreen explicitly)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("STATEMENT_ROOM_", "QT_", "PYTHON")) and k not in (
               "DISPLAY", "WAYLAND_DISPLAY", "VIRTUAL_ENV")}
    env.update({"HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share"),
                "XDG_CONFIG_HOME": str(home / ".config"), "STATEMENT_ROOM_LANG": "en"})
    return env


@dataclass(frozen=True)
class SmokeReport:
    version: str
    demo: dict[str, Any]
    verify: dict[str, Any]  # the program's `verify --json` of the demo's PDF
    windows: list[str]


def smoke(program: Path) -> SmokeReport:
    """What an officer does first with the installed program, run on `program`:
    `--version`, the headless demo (its recording made by the encoding child, which is the
    program started again with --recording-worker), the demo's signed PDF verified by the
    program, and the window opened offscreen (the first-run setup), which quits by itself."""
    with tempfile.TemporaryDirectory(prefix="sr-smoke-") as scratch:
        home = Path(scratch)
        env = _program_env(home)
        shown = _run([str(program), "--version"], timeout=120, env=env, cwd=home)
        expected = f"statement-room {version()}"
        if shown.returncode != 0 or shown.stdout.strip() != expected:
            raise CheckFailed(f"--version printed {shown.stdout!r} {shown.stderr!r}, "
                              f"not {expected!r}")
        workdir = home / "demo"
        demo = _run([str(program), "demo", "--no-hq", "--json", "--workdir", str(workdir)],
                    timeout=900, env=env, cwd=home)
        if demo.returncode != 0:
            raise CheckFailed(f"the demo failed ({demo.returncode}):\n{demo.stderr[-4000:]}")
        result: dict[str, Any] = json.loads(demo.stdout.strip().splitlines()[-1])
        if not result.get("ok") or not Path(result["pdf"]).is_file():
            raise CheckFailed(f"the demo did not finish: {result}")
        if demo.stderr.strip():
            raise CheckFailed(f"the demo wrote on stderr:\n{demo.stderr[-4000:]}")
        verified = _run([str(program), "verify", result["pdf"], "--trust",
                         result["trust_root"], "--json"], timeout=300, env=env, cwd=home)
        if verified.returncode != 0:
            raise CheckFailed(f"the demo's PDF did not verify:\n{verified.stdout}"
                              f"{verified.stderr}")
        verification: dict[str, Any] = json.loads(verified.stdout.strip().splitlines()[-1])
        window = _run([str(program), "--workdir", str(home / "new-store")], timeout=300,
                      env={**env, "QT_QPA_PLATFORM": "offscreen",
                           "STATEMENT_ROOM_QUIT_AFTER_MS": "1500"}, cwd=home)
        windows = [line.removeprefix("window: ") for line in window.stdout.splitlines()
                   if line.startswith("window: ")]
        if window.returncode != 0 or not windows:
            raise CheckFailed(f"the window did not open ({window.returncode}): "
                              f"{window.stdout}{window.stderr[-4000:]}")
        return SmokeReport(shown.stdout.strip(), result, verification, windows)


# -- deb -------------------------------------------------------------------------------------
def desktop_entry() -> str:
    """The launcher the officer clicks, in the desktop's menu (English and Chinese)."""
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=Statement Room",
        f"Name[zh_CN]={NAME_ZH}",
        "GenericName=Interview statements",
        "GenericName[zh_CN]=询问笔录",
        "Comment=Record interview statements, evidence and signatures offline",
        "Comment[zh_CN]=离线制作询问笔录、固定证据、签名盖章",
        f"Exec={PROGRAM}",
        f"TryExec={PROGRAM}",
        f"Icon={APP_ID}",
        "Terminal=false",
        "Categories=Office;",
        f"StartupWMClass={NAME}",
        "",
    ])


def udev_rules() -> str:
    """Access for the logged-in officer to the USB devices the program drives directly."""
    lines = [f"# {NAME_ZH} (Statement Room): the readers and recorders it drives over USB.",
             "# Serial readers use /dev/ttyUSB*/ttyACM* (group dialout; see the package's",
             "# description). uaccess: the user at the seat gets access, as for cameras."]
    for vendor, product, what in USB_DEVICES:
        lines += [f"# {what}",
                  f'SUBSYSTEM=="usb", ATTRS{{idVendor}}=="{vendor}", '
                  f'ATTRS{{idProduct}}=="{product}", TAG+="uaccess"']
    return "\n".join(lines) + "\n"


def uos_info() -> dict[str, Any]:
    """UOS's application manifest (`info`): what the store and the desktop read."""
    return {"appid": APP_ID, "name": NAME_ZH, "version": version(), "arch": ["amd64"],
            "permissions": {"autostart": False, "notification": False, "trayicon": False,
                            "clipboard": True, "account": False, "bluetooth": False,
                            "camera": True, "audio_record": True, "installed_apps": False}}


def control(installed_kb: int) -> str:
    return "\n".join([
        f"Package: {APP_ID}",
        f"Version: {version()}",
        "Architecture: amd64",
        "Maintainer: Statement Room developers <statement-room@localhost>",
        f"Installed-Size: {installed_kb}",
        f"Depends: {', '.join(DEPENDS)}",
        "Section: utils",
        "Priority: optional",
        f"Description: {NAME_ZH} (Statement Room), electronic interview statements",
        " Offline interview statements, evidence and signatures for administrative",
        " law enforcement; syncs with the bureau's HQ when a network is available.",
        " The program is installed privately under " + INSTALL_DIR + ".",
        " .",
        *(" " + line for line in _wrap(DIALOUT_NOTE, 72)),
        "",
    ])


def _wrap(text: str, width: int) -> Iterator[str]:
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            yield line
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        yield line


@dataclass(frozen=True)
class DebReport:
    path: str
    deb_mb: float
    installed_mb: float
    seconds: float


def stage(bundle: Path, root: Path) -> None:
    """The package's file tree: the UOS layout under /opt/apps/<id>, plus links that make the
    menu entry, the icon and the command visible on every distribution, and the udev rule."""
    app = root / INSTALL_DIR.lstrip("/")
    shutil.copytree(bundle, app / "files", symlinks=True)
    applications = app / "entries" / "applications"
    icons = app / "entries" / "icons" / "hicolor" / "scalable" / "apps"
    applications.mkdir(parents=True)
    icons.mkdir(parents=True)
    (applications / f"{APP_ID}.desktop").write_text(desktop_entry(), encoding="utf-8")
    shutil.copyfile(ICON, icons / f"{APP_ID}.svg")
    (app / "info").write_text(json.dumps(uos_info(), ensure_ascii=False, indent=2) + "\n",
                              encoding="utf-8")
    links = {
        f"usr/share/applications/{APP_ID}.desktop":
            f"{INSTALL_DIR}/entries/applications/{APP_ID}.desktop",
        f"usr/share/icons/hicolor/scalable/apps/{APP_ID}.svg":
            f"{INSTALL_DIR}/entries/icons/hicolor/scalable/apps/{APP_ID}.svg",
        f"usr/bin/{NAME}": PROGRAM,
    }
    for link, target in links.items():
        (root / link).parent.mkdir(parents=True, exist_ok=True)
        (root / link).symlink_to(target)
    rules = root / "lib" / "udev" / "rules.d" / "70-statement-room.rules"
    rules.parent.mkdir(parents=True)
    rules.write_text(udev_rules(), encoding="utf-8")
    installed_kb = sum(p.lstat().st_size for p in root.rglob("*")) // 1024
    (root / "DEBIAN").mkdir()
    (root / "DEBIAN" / "control").write_text(control(installed_kb), encoding="utf-8")
    for path in [root, *root.rglob("*")]:  # dpkg-deb refuses group/other-writable folders
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)


def deb(bundle: Path, out: Path = OUT, *, level: int = 6) -> DebReport:
    """`dpkg-deb --root-owner-group -Zxz`: xz, which every dpkg reads (zstd needs 1.21.18)."""
    started = time.monotonic()
    root = out / "deb-root"
    if root.exists():
        shutil.rmtree(root)
    stage(bundle, root)
    target = deb_path(out)
    built = _run(["dpkg-deb", "--root-owner-group", "-Zxz", f"-z{level}", "--build",
                  str(root), str(target)], timeout=3600)
    if built.returncode != 0:
        raise CheckFailed(f"dpkg-deb failed: {built.stderr}")
    report = DebReport(str(target), _megabytes(target), _megabytes(root),
                       round(time.monotonic() - started, 1))
    if report.deb_mb >= MAX_DEB_MB:
        raise CheckFailed(f"the .deb is {report.deb_mb} MB, the limit is {MAX_DEB_MB} MB")
    return report


# -- install-check ---------------------------------------------------------------------------
@dataclass(frozen=True)
class InstallReport:
    files: int
    outside_app: list[str]
    python_packages_outside: list[str]
    smoke: SmokeReport


def install(deb_file: Path, root: Path) -> list[str]:
    """Install `deb_file` into the private dpkg root `root`; the paths dpkg recorded."""
    admin = root / "var" / "lib" / "dpkg"
    for folder in (admin / "info", admin / "updates", root / "tmp"):
        folder.mkdir(parents=True, exist_ok=True)
    (admin / "status").touch()
    done = _run(["dpkg", f"--root={root}", "--force-depends", "--force-not-root",
                 "--force-script-chrootless", "--log=/dev/null", "-i", str(deb_file)],
                timeout=600)
    if done.returncode != 0:
        raise CheckFailed(f"dpkg -i failed: {done.stderr}")
    listed = _run(["dpkg", f"--root={root}", "-L", APP_ID], timeout=120)
    return [line for line in listed.stdout.splitlines() if line.strip()]


def python_packages_outside(paths: Iterable[str]) -> list[str]:
    """Installed paths in a Python search path of the system (site- or dist-packages) or
    otherwise looking like a top-level Python package outside the application's folder."""
    return [p for p in paths if not p.startswith(INSTALL_DIR + "/") and (
        re.search(r"/(site|dist)-packages(/|$)", p) or p.endswith((".py", ".pyc", ".so"))
        or "/python3" in p)]


def install_check(deb_file: Path) -> InstallReport:
    """The .deb installed into a private root: the program runs from there (the smoke check),
    and nothing but the menu entry, icon, command link and udev rule lands outside
    /opt/apps/<id>; no Python package reaches the system's search paths."""
    with tempfile.TemporaryDirectory(prefix="sr-dpkg-root-") as scratch:
        root = Path(scratch)
        paths = install(deb_file, root)
        outside = sorted(p for p in paths if not (p == INSTALL_DIR or p.startswith(
            INSTALL_DIR + "/")) and not (root / p.lstrip("/")).is_dir())
        python_outside = python_packages_outside(paths)
        if python_outside:
            raise CheckFailed(f"Python files outside {INSTALL_DIR}: {python_outside}")
        entry = (root / f"usr/share/applications/{APP_ID}.desktop").resolve()
        if not entry.is_relative_to(root):  # the link is absolute: follow it inside the root
            entry = root / os.readlink(root / f"usr/share/applications/{APP_ID}.desktop"
                                       ).lstrip("/")
        exec_line = next(line for line in entry.read_text("utf-8").splitlines()
                         if line.startswith("Exec="))
        program = root / exec_line.removeprefix("Exec=").split()[0].lstrip("/")
        report = smoke(program)
        return InstallReport(len(paths), outside, python_outside, report)


# -- glibc -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class GlibcReport:
    ceiling: str
    target: str
    host: str
    elf_files: int
    above_target: dict[str, str]  # bundle-relative path -> newest GLIBC_ version it needs

    @property
    def within_target(self) -> bool:
        return not self.above_target


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def is_elf(path: Path) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    with path.open("rb") as handle:
        return handle.read(4) == b"\x7fELF"


def glibc_needed(path: Path) -> str | None:
    """The newest GLIBC_x.y symbol version `path` imports (objdump -T), or None."""
    dumped = _run(["objdump", "-T", str(path)], timeout=120)
    found = {m for m in re.findall(r"\bGLIBC_(\d+\.\d+(?:\.\d+)?)\b", dumped.stdout)}
    return max(found, key=_version_tuple) if found else None


def host_glibc() -> str:
    return (os.confstr("CS_GNU_LIBC_VERSION") or "unknown").split()[-1]  # "glibc 2.36"


def glibc(bundle: Path, target: tuple[int, int] = TARGET_GLIBC) -> GlibcReport:
    """objdump -T over every ELF file of the bundle: the highest glibc any of them needs,
    and which files need more than the oldest target's."""
    needs: dict[str, str] = {}
    elf_files = 0
    for path in sorted(bundle.rglob("*")):
        if is_elf(path):
            elf_files += 1
            needed = glibc_needed(path)
            if needed is not None:
                needs[str(path.relative_to(bundle))] = needed
    if not needs:
        raise CheckFailed(f"no ELF file in {bundle} names a glibc version")
    ceiling = max(needs.values(), key=_version_tuple)
    above = {p: v for p, v in needs.items() if _version_tuple(v) > target}
    return GlibcReport(ceiling, ".".join(map(str, target)), host_glibc(), elf_files, above)


# -- the libraries the bundle takes from the system -------------------------------------------
def system_libraries(bundle: Path) -> dict[str, list[str]]:
    """Each library (soname) that a bundled ELF file needs and the bundle does not carry,
    with the files needing it."""
    carried = {p.name for p in bundle.rglob("*") if p.is_file() or p.is_symlink()}
    needed: dict[str, list[str]] = {}
    for path in bundle.rglob("*"):
        if is_elf(path):
            dumped = _run(["objdump", "-p", str(path)], timeout=120)
            for soname in re.findall(r"^\s+NEEDED\s+(\S+)$", dumped.stdout, re.MULTILINE):
                if soname not in carried:
                    needed.setdefault(soname, []).append(str(path.relative_to(bundle)))
    return needed


def packages_of(sonames: Iterable[str]) -> dict[str, str | None]:
    """The Debian package that provides each library on this machine (None: not installed)."""
    cache = _run(["/sbin/ldconfig", "-p"], timeout=60).stdout
    result: dict[str, str | None] = {}
    for soname in sonames:
        match = re.search(rf"^\s+{re.escape(soname)} \(libc6,x86-64\) => (\S+)$", cache,
                          re.MULTILINE)
        if match is None:
            result[soname] = None
            continue
        owner = _run(["dpkg", "-S", str(Path(match[1]).resolve())], timeout=60)
        if owner.returncode != 0:
            owner = _run(["dpkg", "-S", match[1]], timeout=60)
        result[soname] = owner.stdout.split(":", 1)[0].strip() or None
    return result


def declared_packages() -> set[str]:
    """Every package name DEPENDS accepts (alternatives included, versions stripped)."""
    return {alternative.split()[0] for entry in DEPENDS for alternative in entry.split("|")}


# -- all -------------------------------------------------------------------------------------
def report_path(out: Path = OUT) -> Path:
    return out / "report.json"


def run_all(out: Path = OUT, *, level: int = 6) -> dict[str, Any]:
    """Build, smoke-check, package, install privately, check glibc; write report.json."""
    report: dict[str, Any] = {"version": version()}
    report["build"] = asdict(build(out))
    bundle = bundle_dir(out)
    report["smoke"] = asdict(smoke(bundle / NAME))
    report["deb"] = asdict(deb(bundle, out, level=level))
    report["install_check"] = asdict(install_check(Path(report["deb"]["path"])))
    checked = glibc(bundle)
    report["glibc"] = {**asdict(checked), "within_target": checked.within_target}
    report_path(out).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n",
                                encoding="utf-8")
    return report


def _summary(report: dict[str, Any]) -> str:
    build_r, deb_r, glibc_r = report["build"], report["deb"], report["glibc"]
    verdict = ("within" if glibc_r["within_target"] else
               f"ABOVE (built on glibc {glibc_r['host']}; build on a glibc "
               f"{glibc_r['target']} image for UOS/Kylin, decision 48)")
    return (f"bundle {build_r['bundle_mb']} MB in {build_r['files']} files, built in "
            f"{build_r['seconds']} s; .deb {deb_r['deb_mb']} MB (installed "
            f"{deb_r['installed_mb']} MB) in {deb_r['seconds']} s; glibc ceiling "
            f"{glibc_r['ceiling']}, {verdict} the target {glibc_r['target']}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("step", choices=("build", "smoke", "deb", "install-check", "glibc",
                                         "all"))
    parser.add_argument("--out", type=Path, default=OUT, help="build folder (build/installer)")
    parser.add_argument("--xz-level", type=int, default=6, help="dpkg-deb's xz level (6)")
    parser.add_argument("--strict-glibc", action="store_true",
                        help="fail when a bundled file needs a newer glibc than the target "
                             "(a release build, on an old-glibc image)")
    args = parser.parse_args(argv)
    bundle = bundle_dir(args.out)
    try:
        result: Any
        if args.step == "build":
            result = asdict(build(args.out))
        elif args.step == "smoke":
            result = asdict(smoke(bundle / NAME))
        elif args.step == "deb":
            result = asdict(deb(bundle, args.out, level=args.xz_level))
        elif args.step == "install-check":
            result = asdict(install_check(deb_path(args.out)))
        elif args.step == "glibc":
            checked = glibc(bundle)
            result = {**asdict(checked), "within_target": checked.within_target}
        else:
            result = run_all(args.out, level=args.xz_level)
            print(json.dumps(result, ensure_ascii=False, indent=2))
            print(_summary(result))
            result = None
        if result is not None:
            print(json.dumps(result, ensure_ascii=False, indent=2))
        if args.strict_glibc and args.step in ("glibc", "all"):
            checked = glibc(bundle)
            if not checked.within_target:
                raise CheckFailed(f"{len(checked.above_target)} files need glibc above "
                                  f"{checked.target} (ceiling {checked.ceiling})")
    except CheckFailed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
