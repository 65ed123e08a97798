"""The statute texts shipped in resources/laws, read as HQ's importer reads them (tests only)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from legal.library.markdown import read_library
from legal.library.model import Library

LAWS = Path(str(resources.files("resources") / "laws"))
COLLECTION = "LawRefBook/Laws"
SNAPSHOT = "2f4c5c2 (2025-04-19)"
ORIGIN = "flk.npc.gov.cn"


def law_files() -> dict[str, bytes]:
    """Every statute file (SOURCE.md describes them and is not one)."""
    return {path.name: path.read_bytes() for path in sorted(LAWS.glob("*.md"))
            if path.name != "SOURCE.md"}


def shipped_library(edition: str = "测试版 法规库") -> Library:
    return read_library(law_files(), edition=edition, compiled="2026-12-07",
                        collection=COLLECTION, snapshot=SNAPSHOT, origin=ORIGIN)
