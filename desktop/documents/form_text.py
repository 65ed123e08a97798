"""What a statement document shows (`StatementDocument`), its fixed wording, and how dates
and names are written in it.

`wording()` reads `resources/templates/document.toml` once; the helpers here format a
statement's values the way the printed form writes them (dates as 2026年11月27日, an empty
field as "—", role names by statement kind). Shared by `render` (the pages) and `closing`
(the declaration and signature block of the last page).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from desktop.documents.fonts import text_width
from desktop.domain.model import Case, Officer, Party, Statement, StatementKind


@dataclass(frozen=True)
class StatementDocument:
    """Everything a statement's pages show. `content_digest` is `content_digest(statement)`."""

    statement: Statement
    case: Case
    party: Party
    interviewer1: Officer
    interviewer2: Officer
    recorder: Officer
    unit: str
    title: str
    content_digest: str
    declaration: str | None = None  # read-back declaration; None leaves room for handwriting


@lru_cache(maxsize=1)
def wording() -> dict[str, Any]:
    """The fixed Chinese wording of statement documents."""
    raw = (resources.files("resources.templates") / "document.toml").read_text("utf-8")
    return tomllib.loads(raw)


def roles(kind: StatementKind) -> dict[str, str]:
    """Role names (interviewer, interviewee) as a statement of `kind` prints them."""
    table: dict[str, dict[str, str]] = wording()["roles"]
    return table.get(kind.value, table["default"])


def sequence_text(kind: StatementKind, sequence: int | None) -> str:
    """第N次询问 (or 检查, 听证 … by kind); empty for a statement that is not numbered."""
    if sequence is None:
        return ""
    table: dict[str, str] = wording()["sequence"]
    return table.get(kind.value, table["default"]).format(n=sequence)


def when(at: datetime | date | None) -> str:
    """A time as the form writes it (2026年11月27日09时00分), a date without the time."""
    w = wording()["header"]
    if at is None:
        return str(w["empty"])
    if isinstance(at, datetime):
        return str(w["datetime"]).format(year=at.year, month=at.month, day=at.day,
                                         hour=at.hour, minute=at.minute)
    return str(w["date"]).format(year=at.year, month=at.month, day=at.day)


def or_empty(value: str) -> str:
    return value or str(wording()["header"]["empty"])


def fit(text: str, size: float, width: float) -> float:
    """The largest size <= `size` at which `text` fits in `width`."""
    while size > 5.0 and text_width(text, size) > width:
        size -= 0.5
    return size
