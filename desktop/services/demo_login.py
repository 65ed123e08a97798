"""Who the demo logs in as, kept apart from the demo itself so that logging in stays light.

The demo store's officers and password are synthetic and public (README). A store the demo
made carries a marker file; commands on it (and the GUI's login hint) use these credentials
when nobody is named. The marker grants nothing by itself: the credentials work only
because the demo set them.
"""

from __future__ import annotations

from pathlib import Path

from desktop import config

DEMO_PASSWORD = "Demo2026pass"  # synthetic demo credential; config.PASSWORD overrides
DEMO_UNIT = "示例区综合行政执法局城北中队"
DEMO_ADMIN_CERTIFICATE = "33070021001"
DEMO_SECOND_CERTIFICATE = "33070021002"
"""The demo's officers are built in `desktop.services.demo` (the domain model is not needed
to show the login window)."""


DEMO_MARKER = "DEMO-STORE.txt"


def demo_password() -> str:
    return config.password() or DEMO_PASSWORD


def demo_login(workdir: Path) -> tuple[str, str] | None:
    """(certificate number, password) to try on a store the demo made, else None.

    The marker grants nothing by itself: these credentials work only because the demo set
    them, and they are printed by the demo and written in the README anyway.
    """
    if not (workdir / DEMO_MARKER).is_file():
        return None
    return DEMO_ADMIN_CERTIFICATE, demo_password()
