"""Language setup: every layer translates with stdlib `gettext`; this module picks the language.

Code anywhere (domain, store, hardware, sync) writes `from gettext import gettext as _`, so
Qt-free code can raise translated errors without importing the application. Message ids are
English; catalogs live in `resources/i18n/<lang>/LC_MESSAGES/statement_room.mo`. Simplified
Chinese is the default and English the second language. `set_language` binds the domain and
selects the language for the whole process (gettext reads `LANGUAGE` first).

argparse translates its own texts ("usage:", "options", its errors) with the process's
current domain, ours: `argparse_messages` writes its message ids down so that
`tools/i18n.py extract` puts them in our catalog, exactly as the standard library (3.11, the
oldest we support) spells them; only a test calls it. Programming errors are left out.

`os_error_text` is the one place an operating-system error becomes words: Python's
`OSError.strerror` is the C library's English text, whatever the language.
"""

from __future__ import annotations

import errno
import gettext
import os
from gettext import gettext as _
from gettext import ngettext
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


def os_error_text(exc: BaseException) -> str:
    """The reason of an operating-system error in the user's language: a translated text for
    the common `errno` values, else the system's own text (English), else the error's type."""
    # The C library's own texts as message ids: English reads as before.
    words = {
        errno.ENOENT: _("No such file or directory"),
        errno.EACCES: _("Permission denied"),
        errno.EPERM: _("Operation not permitted"),
        errno.EEXIST: _("File exists"),
        errno.ENOTDIR: _("Not a directory"),
        errno.EISDIR: _("Is a directory"),
        errno.ENOSPC: _("No space left on device"),
        errno.EDQUOT: _("Disk quota exceeded"),
        errno.EROFS: _("Read-only file system"),
        errno.EIO: _("Input/output error"),
        errno.EBUSY: _("Device or resource busy"),
        errno.ENAMETOOLONG: _("File name too long"),
        errno.ENOTEMPTY: _("Directory not empty"),
        errno.EXDEV: _("Invalid cross-device link"),
        errno.EMFILE: _("Too many open files"),
        errno.ENODEV: _("No such device"),
        errno.ENXIO: _("No such device or address"),
        errno.ETIMEDOUT: _("Connection timed out"),
        errno.ECONNREFUSED: _("Connection refused"),
        errno.EAGAIN: _("Resource temporarily unavailable"),
        errno.EINVAL: _("Invalid argument"),
        errno.EFBIG: _("File too large"),
        errno.ELOOP: _("Too many levels of symbolic links"),
    }
    code = getattr(exc, "errno", None)
    if isinstance(code, int) and code in words:
        return words[code]
    return str(getattr(exc, "strerror", None) or type(exc).__name__)


def argparse_messages() -> tuple[str, ...]:
    """Every argparse message id we translate, as the current language shows it."""
    return (
        _("usage: "),
        _("options"),
        _("positional arguments"),
        _("show this help message and exit"),
        _("%(prog)s: error: %(message)s\n"),
        _("the following arguments are required: %s"),
        _("unrecognized arguments: %s"),
        _("invalid choice: %(value)r (choose from %(choices)s)"),
        _("argument %(argument_name)s: %(message)s"),
        _("expected one argument"),
        _("expected at most one argument"),
        _("expected at least one argument"),
        ngettext("expected %s argument", "expected %s arguments", 2),
        _("invalid %(type)s value: %(value)r"),
        _("ambiguous option: %(option)s could match %(matches)s"),
        _("not allowed with argument %s"),
        _("one of the arguments %s is required"),
        _("ignored explicit argument %r"),
        _("can't open '%(filename)s': %(error)s"),
        _("unknown parser %(parser_name)r (choices: %(choices)s)"),
    )
