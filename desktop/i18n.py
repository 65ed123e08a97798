"""Language setup: every layer translates with stdlib `gettext`; this module picks the language.

Code anywhere (domain, store, hardware, sync) writes `from gettext import gettext as _`, so
Qt-free code can raise translated errors without importing the application. Message ids are
English; catalogs live in `resources/i18n/<lang>/LC_MESSAGES/statement_room.mo`. Simplified
Chinese is the default and English the second language. `set_language` binds the domain and
selects the language for the whole process (gettext reads `LANGUAGE` first).
"""

from __future__ import annotations

import gettext
import os
from importlib import resources
from pathlib import Path

from desktop import config

DOMAIN = "statement_room"
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES = ("zh_CN", "en")


def locale_dir() -> Path:
    return Path(str(resources.files("resources") / "i18n"))


def set_language(language: str | None = None) -> str:
    """Use `language` (or `config.LANGUAGE` from the environment, or Chinese) for all
    messages; return it."""
    chosen = language or config.language() or DEFAULT_LANGUAGE
    if chosen not in LANGUAGES:
        chosen = DEFAULT_LANGUAGE
    gettext.bindtextdomain(DOMAIN, str(locale_dir()))
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = chosen
    return chosen


def current_language() -> str:
    """The language `set_language` chose for this process."""
    chosen = os.environ.get("LANGUAGE", DEFAULT_LANGUAGE).split(":")[0]
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE
