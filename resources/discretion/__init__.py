"""The starter discretion standard: an example for the bureau to replace (see README.md).

`starter_csv()` is the table as shipped; `STARTER` the metadata HQ's import is given for it
(`statement-room-hq discretion import`, see README.md), so tests and the demo build the same
standard the README's command publishes. Its thresholds are example values too.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

__all__ = ["STARTER", "STARTER_FILE", "starter_csv"]

STARTER_FILE = "starter-standard.csv"
STARTER: dict[str, Any] = {
    "id": "starter-example",
    "title": "综合行政执法行政处罚裁量基准（示例，供本局替换）",
    "version_date": "2026-12-01",
    "effective_date": "2026-12-01",
    "issuer": "示例（非本局正式发布）",
    "example": True,
    # Example thresholds (yuan): the bureau replaces them with the province's 较大数额 (art. 63)
    # and its own legal-review figures (art. 58 (四)).
    "hearing_thresholds": {"individual": 10_000, "unit": 100_000},
    "review_thresholds": {"individual": 5_000, "unit": 50_000},
}


def starter_csv() -> str:
    """The starter table's text (UTF-8)."""
    return files(__name__).joinpath(STARTER_FILE).read_text(encoding="utf-8")
