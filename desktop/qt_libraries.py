"""Qt's system libraries for the X11 (xcb) platform: which Debian packages are missing.

The PySide6 wheel carries Qt itself but not the X11 libraries its xcb platform plugin links
against. When one is missing, Qt prints an English message and aborts the process (SIGABRT)
as the application is created, so the officer sees a crash. `missing_packages` tries to load
each library the plugin and Qt's GUI module need (`ctypes.CDLL`, the same search the dynamic
loader does) before Qt is imported, and names the packages to install. Only when the window
would use xcb: under Wayland, offscreen or another platform these libraries are not needed.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Mapping, Sequence

# Library (soname) -> Debian/Ubuntu package, from `readelf -d` of PySide6's libqxcb.so,
# libQt6XcbQpa.so and libQt6Gui.so (the libraries not shipped in the wheel).
XCB_LIBRARIES: tuple[tuple[str, str], ...] = (
    ("libxcb.so.1", "libxcb1"),
    ("libX11.so.6", "libx11-6"),
    ("libX11-xcb.so.1", "libx11-xcb1"),
    ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxcb-image.so.0", "libxcb-image0"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-randr.so.0", "libxcb-randr0"),
    ("libxcb-render.so.0", "libxcb-render0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libxcb-shape.so.0", "libxcb-shape0"),
    ("libxcb-shm.so.0", "libxcb-shm0"),
    ("libxcb-sync.so.1", "libxcb-sync1"),
    ("libxcb-util.so.1", "libxcb-util1"),
    ("libxcb-xfixes.so.0", "libxcb-xfixes0"),
    ("libxcb-xkb.so.1", "libxcb-xkb1"),
    ("libxkbcommon.so.0", "libxkbcommon0"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libGL.so.1", "libgl1"),
    ("libEGL.so.1", "libegl1"),
    ("libfontconfig.so.1", "libfontconfig1"),
    ("libfreetype.so.6", "libfreetype6"),
    ("libdbus-1.so.3", "libdbus-1-3"),
    ("libglib-2.0.so.0", "libglib2.0-0"),
)


def uses_xcb(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """Will Qt open its windows with the xcb platform plugin?"""
    env = os.environ if environ is None else environ
    if not (platform or sys.platform).startswith("linux"):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "").split(":")[0].split(";")[0].strip()
    if chosen:
        return chosen == "xcb"
    # Qt 6 prefers Wayland in a Wayland session and falls back to xcb otherwise.
    wayland = bool(env.get("WAYLAND_DISPLAY")) and env.get("XDG_SESSION_TYPE") == "wayland"
    return bool(env.get("DISPLAY")) and not wayland


def missing_packages(libraries: Sequence[tuple[str, str]] | None = None) -> list[str]:
    """The packages of `libraries` (by default `XCB_LIBRARIES`) that the dynamic loader
    cannot load, in order, once each."""
    missing: list[str] = []
    for soname, package in XCB_LIBRARIES if libraries is None else libraries:
        try:
            ctypes.CDLL(soname)
        except OSError:
            if package not in missing:
                missing.append(package)
    return missing
