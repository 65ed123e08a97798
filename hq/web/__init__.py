"""The supervision room (电子监察室): HQ's web pages for supervisors, the legal office and
HQ administrators (issue 16, decision 32), mounted under ``/room`` by `hq.app`.

Users and roles (`users`), Argon2id passwords (`passwords`), TOTP for administrators
(`totp`), server-side sessions (`sessions`), the frame every page is served in (`frame`),
the pages (`pages` and one module per part of the room, templates in Chinese under
``templates/``), the log of every view (`access_log`), and the ``users`` admin commands
(`cli`).
"""

from __future__ import annotations

from starlette.routing import Mount

from hq.state import HQState

__all__ = ["room"]


def room(state: HQState) -> Mount:
    """The supervision room's routes, under ``/room``."""
    from hq.web import (
        cases,
        evidence,
        package_pages,
        pages,
        refdata_pages,
        statements,
        statistics,
    )
    from hq.web.login import login_routes

    # Each module of pages adds its routes here, one line each (hq.web.frame).
    return Mount("/room", routes=[
        *login_routes(state),
        *pages.routes(state),
        *evidence.routes(state),
        *statistics.routes(state),
        *refdata_pages.routes(state),
        *package_pages.routes(state),
        *statements.routes(state),
        *cases.routes(state),
    ])
