"""Statement templates: the Chinese wording of each kind's opening questions.

The legal wording lives in `resources/templates/<kind>.toml`, not in code, so the bureau's
legal office can change it without a programmer.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

from desktop.domain.model import OpeningItem, StatementKind


@dataclass(frozen=True)
class OpeningQuestion:
    tag: OpeningItem
    text: str


@dataclass(frozen=True)
class StatementTemplate:
    kind: StatementKind
    title: str
    opening: tuple[OpeningQuestion, ...]

    def render_opening(self, **values: str) -> list[OpeningQuestion]:
        """The opening questions with names, certificate numbers and place filled in."""
        return [OpeningQuestion(q.tag, q.text.format(**values)) for q in self.opening]


def load_template(kind: StatementKind) -> StatementTemplate:
    raw = (resources.files("resources.templates") / f"{kind.value}.toml").read_text("utf-8")
    data = tomllib.loads(raw)
    return StatementTemplate(
        kind=kind,
        title=str(data["title"]),
        opening=tuple(
            OpeningQuestion(OpeningItem(item["tag"]), str(item["question"]))
            for item in data.get("opening", [])
        ),
    )
