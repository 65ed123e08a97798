"""A row's canonical JSON, composed directly, equals the general RFC 8785 serialiser's."""

from __future__ import annotations

import pytest

from desktop.store import coverage
from sync.protocol.canonical import canonical_json

ROWS = [
    (["id", "name", "n"], ("a", "测试人甲 \"引号\" \\ \n\u2028😀", 0)),
    (["z", "a", "m"], (None, -(2**53 - 1), b"\x00\xff")),
    (["id", "photo", "score"], ("x", memoryview(b"png"), 1.5)),  # a REAL: general path
    (["id", "big"], ("x", 2**60)),  # outside I-JSON: the general path refuses it
    (["名", "id"], ("非ASCII列名", "k")),
    (["only_null"], (None,)),
]


@pytest.mark.parametrize(("columns", "row"), ROWS[:3] + ROWS[4:])
def test_composed_row_is_the_canonical_json_of_the_row(columns: list[str],
                                                       row: tuple[object, ...]) -> None:
    general = canonical_json({c: coverage._value(v) for c, v in zip(columns, row, strict=True)
                              if v is not None})
    assert coverage.canonical_row(columns, row) == general


def test_an_integer_outside_the_safe_range_is_refused_as_before() -> None:
    columns, row = ROWS[3]
    with pytest.raises(ValueError, match="safe range"):
        coverage.canonical_row(columns, row)
