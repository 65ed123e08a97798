"""Where one store's files live. Kept apart from `store` so the login window can name a
store without loading the cryptography and database stack."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ANCHOR_ENV = "STATEMENT_ROOM_ANCHOR"


@dataclass(frozen=True)
class StorePaths:
    """Where one store's files live: database, key file and tree-head anchor."""

    workdir: Path

    @property
    def database(self) -> Path:
        return self.workdir / "store.db"

    @property
    def key_file(self) -> Path:
        return self.workdir / "keys.json"

    @property
    def anchor(self) -> Path:
        return self.workdir / "anchor.json"

    def anchor_mirrors(self) -> list[Path]:
        extra = os.environ.get(ANCHOR_ENV)
        return [self.anchor, *([Path(extra)] if extra else [])]

    def exists(self) -> bool:
        return self.key_file.exists() or self.database.exists()
