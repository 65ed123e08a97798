"""Who the demo logs in as, kept apart from the demo itself so that logging in stays light.

The demo store's officers and password are synthetic and public (README). A store the demo
made carries a marker file; commands on it (and the GUI's login hint) use these credentials
when nobody is named. The marker grants nothing by itself: the credentials work only
because the demo set them.
"""

from __future__ import annotations

from pathlib import Path

from desktop import config
from desktop.domain.model import Officer, Role

DEMO_PASSWORD = "Demo2026pass"  # synthetic demo credential; config.PASSWORD overrides
UNIT = "示例区综合行政执法局城北中队"
DEMO_OFFICERS = (
    Officer(id="", name="周建国", certificate_no="33070021001", unit=UNIT, role=Role.ADMIN),
    Officer(id="", name="吴丽华", certificate_no="33070021002", unit=UNIT),
)


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
    return DEMO_OFFICERS[0].certificate_no, demo_password()
