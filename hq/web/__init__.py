"""The supervision room (电子监察室): HQ's web pages for supervisors, the legal office and
HQ administrators (issue 16, decision 32), mounted under ``/room`` by `hq.app`.

Users and roles (`users`), Argon2id passwords (`passwords`), TOTP for administrators
(`totp`), server-side sessions (`sessions`), the pages (`pages`, templates in Chinese under
``templates/``), the log of every view (`access_log`), and the ``users`` admin commands
(`cli`).
"""

from __future__ import annotations

from starlette.routing import Mount

from hq.state import HQState

__all__ = ["room"]


def room(state: HQState) -> Mount:
    """The supervision room's routes, under ``/room``."""
    from hq.web.login import login_routes
    from hq.web.pages import page_routes

    return Mount("/room", routes=[*login_routes(state), *page_routes(state)])
