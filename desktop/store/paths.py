"""Where one store's files live. Kept apart from `store` so the login window can name a
store without loading the cryptography and database stack."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop import config

ANCHOR_ENV = config.ANCHOR


@dataclass(frozen=True)
class StorePaths:
    """Where one store's files live: database, key file, tree-head anchor, high-water mark."""

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

    @property
    def highwater(self) -> Path:
        """The high-water mark of acknowledged commits (desktop/store/highwater.py)."""
        return self.workdir / "highwater.mark"

    @property
    def countersign(self) -> Path:
        """HQ's countersignature of the newest audit head it acknowledged
        (desktop/store/countersign.py)."""
        return self.workdir / "hq-countersign.json"

    def anchor_mirrors(self) -> list[Path]:
        """Every copy of the anchor: `anchor.json` first, then the mirror, if one is named.

        All of them are written after each signed head and all of them are read at login:
        the log must extend every copy that exists (desktop/store/continuity.py)."""
        extra = config.anchor_mirror()
        mirrors = [self.anchor]
        if extra is not None and extra != self.anchor:
            mirrors.append(extra)
        return mirrors

    def exists(self) -> bool:
        return self.key_file.exists() or self.database.exists()
