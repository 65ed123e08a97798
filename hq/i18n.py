"""HQ's language for its operator: Simplified Chinese by default, English the second.

HQ shares the desktop's catalog, not its code: the same domain and file
(`resources/i18n/<lang>/LC_MESSAGES/statement_room.mo`, which `tools/i18n.py extract` fills
from hq/ too), read with stdlib `gettext`, so one catalog holds every word of the project.
HQ cannot use `desktop.i18n` (it imports nothing of the client but `sync.protocol`), so this
module does the same two steps: bind the domain and choose the language for the process
(gettext reads `LANGUAGE` first). The language comes from `--lang`, then `HQ_LANG` (HQ's
settings are `HQ_*` variables, `hq.config`), then Chinese.

What is translated: the admin CLI's help, listings and messages to the operator. What is not:
the `message` of HQ's wire errors (English words for logs; the client chooses its own words
by the error code, docs/protocols/sync.md §2), and the server's log lines.
"""

from __future__ import annotations

import gettext
import os
from importlib import resources
from pathlib import Path

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "LANGUAGE_VARIABLE", "peek_language", "set_language"]

DOMAIN = "statement_room"
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES = ("zh_CN", "en")
LANGUAGE_VARIABLE = "HQ_LANG"


def locale_dir() -> Path:
    return Path(str(resources.files("resources") / "i18n"))


def set_language(language: str | None = None) -> str:
    """Use `language` (or `HQ_LANG`, or Chinese) for every message of this process; return
    it. An unknown language is Chinese, as on the desktop."""
    chosen = language or os.environ.get(LANGUAGE_VARIABLE) or DEFAULT_LANGUAGE
    if chosen not in LANGUAGES:
        chosen = DEFAULT_LANGUAGE
    gettext.bindtextdomain(DOMAIN, str(locale_dir()))
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = chosen
    return chosen


def peek_language(arguments: list[str]) -> str | None:
    """The `--lang` among `arguments`: the language is set before argparse builds its
    (translated) help texts."""
    for index, arg in enumerate(arguments):
        if arg == "--lang" and index + 1 < len(arguments):
            return arguments[index + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None
