"""The phrase library: common questions the recorder inserts with Ctrl+1..Ctrl+9 or a list.

The wording is Chinese legal practice and lives in `resources/templates/phrases.toml` (a
`[[phrase]]` table of key, label and text) so the bureau can change it without a programmer.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Phrase:
    key: str  # "1".."9" for a Ctrl shortcut, "" for list-only phrases
    label: str
    text: str


def parse_phrases(raw: str) -> tuple[Phrase, ...]:
    data = tomllib.loads(raw)
    return tuple(
        Phrase(key=str(item.get("key", "")), label=str(item["label"]), text=str(item["text"]))
        for item in data.get("phrase", [])
    )


@cache
def load_phrases() -> tuple[Phrase, ...]:
    raw = (resources.files("resources.templates") / "phrases.toml").read_text("utf-8")
    return parse_phrases(raw)


def phrase_for_key(key: str) -> Phrase | None:
    return next((p for p in load_phrases() if p.key == key), None)
