"""Helpers for the supervision room's tests: users made with the real CLI, TOTP codes, the
HQ database read-only, and a headless Debian chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from hq.db import Row
from hq.web import totp
from tests.support.hq_server import RunningHQ

__all__ = ["CHROMIUM", "add_user", "browser", "hq_rows", "totp_now"]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As the machine's probe starts it: no sandbox as root, and none of Chromium's own calls home
# (this network refuses them, many at a time).
_CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]


def add_user(hq: RunningHQ, name: str, role: str, password: str) -> str | None:
    """``statement-room-hq users add`` with the password on stdin; the admin's TOTP secret."""
    done = hq.admin("--lang", "en", "users", "add", name, "--role", role,
                    stdin=password + "\n")
    assert done.returncode == 0, done.stderr
    for line in done.stdout.splitlines():
        if line.startswith("otpauth://"):
            return line.split("secret=", 1)[1].split("&", 1)[0]
    return None


def totp_now(secret: str) -> str:
    """The code an authenticator app shows now (waiting out the last seconds of a step, so
    the code is still good when HQ reads it)."""
    if time.time() % totp.STEP_S > totp.STEP_S - 3:
        time.sleep(4)
    return totp.code_at(secret, int(time.time() // totp.STEP_S))


def hq_rows(hq: RunningHQ, sql: str, params: tuple[object, ...] = ()) -> list[Row]:
    db = hq.database()  # on the HQ's own lane
    try:
        return db.all(sql, params)
    finally:
        db.close()


@contextmanager
def browser() -> Iterator[Browser]:
    """A headless Debian chromium under Playwright (never Playwright's own browser build)."""
    assert Path(CHROMIUM).exists(), "install Debian's chromium (apt-get install chromium)"
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=_CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
