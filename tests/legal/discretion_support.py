"""The starter standard as HQ's import builds it (the shipped table and its metadata), for
the engine's, the service's and the benchmark's tests."""

from __future__ import annotations

from legal.discretion.model import PartyType, Standard
from legal.discretion.table import build_standard, rows_from_csv
from resources.discretion import STARTER, starter_csv

SIDEWALK = "示例-JT-001"  # 在人行道上违法停放机动车


def starter_standard() -> Standard:
    meta = dict(STARTER)
    hearing = {PartyType(k): int(v) for k, v in meta.pop("hearing_thresholds").items()}
    review = {PartyType(k): int(v) for k, v in meta.pop("review_thresholds").items()}
    return build_standard(rows_from_csv(starter_csv()), hearing_thresholds=hearing,
                          review_thresholds=review, **meta)
