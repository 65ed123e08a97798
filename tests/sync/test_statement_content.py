"""Statement content version 2 (sync.protocol.statement, decision 28), property-style: for any
form values the canonical bytes round-trip exactly, every form field is inside the digest, and
a version-2 record has one spelling only (an empty name, a missing field, an explicit "v": 1
or an unknown version are refused)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.protocol.canonical import canonical_json
from sync.protocol.statement import ContentRefusal, StatementContent
from sync.protocol.wire import UnsupportedVersion
from tests.sync.test_formats import statement

names = st.one_of(st.none(), st.text(min_size=1, max_size=40))
refusals = st.one_of(st.none(), st.builds(ContentRefusal, reason=st.text(max_size=60),
                                          witness=st.text(max_size=20),
                                          at=st.just("2026-11-27T10:05:00+08:00")))
forms = st.fixed_dictionaries({
    "sequence": st.one_of(st.none(), st.integers(min_value=1, max_value=10_000)),
    "interpreter": names, "interpreter_language": names, "guardian": names,
    "guardian_relation": names, "refusal": refusals,
})


@settings(max_examples=200, deadline=None)
@given(forms)
def test_v2_canonical_bytes_round_trip_for_any_form(form: dict[str, Any]) -> None:
    content = replace(statement(), version=2, **form)
    data = content.canonical_bytes()
    assert json.loads(data)["v"] == 2
    again = StatementContent.from_bytes(data)
    assert again == content and again.canonical_bytes() == data


@settings(max_examples=100, deadline=None)
@given(forms, st.sampled_from(["sequence", "interpreter", "interpreter_language", "guardian",
                               "guardian_relation", "refusal"]))
def test_every_form_field_is_inside_the_digest(form: dict[str, Any], name: str) -> None:
    content = replace(statement(), version=2, **form)
    other: Any
    if name == "sequence":
        other = (content.sequence or 0) + 1
    elif name == "refusal":
        other = None if content.refusal else ContentRefusal(
            "拒签（合成）", "见证人（合成）", "2026-11-27T10:05:00+08:00")
    else:
        other = (getattr(content, name) or "") + "乙"
    assert replace(content, **{name: other}).digest() != content.digest()


def test_v1_and_v2_of_one_statement_differ_and_v1_cannot_hold_the_form() -> None:
    v1, v2 = replace(statement(), version=1), replace(statement(), version=2)
    assert v1.digest() != v2.digest()  # "v" is hashed: never two versions under one digest
    with pytest.raises(ValueError, match="version 1 has no form fields"):
        replace(v1, interpreter="李译员（合成）")


@pytest.mark.parametrize("change", [
    {"interpreter": ""},  # absent is null, never empty
    {"v": 1},  # version 1 has no "v"
    {"v": 3}, {"v": "2"}, {"v": True},
])
def test_other_spellings_are_refused(change: dict[str, object]) -> None:
    body = replace(statement(), version=2).to_json() | change
    with pytest.raises(ValueError):
        StatementContent.from_bytes(canonical_json(body))


def test_a_v2_record_without_its_form_fields_is_refused() -> None:
    body = replace(statement(), version=2).to_json()
    del body["interpreter"]
    with pytest.raises(ValueError, match="missing \\['interpreter'\\]"):
        StatementContent.from_json(body)
    with pytest.raises(UnsupportedVersion, match="version 3 is not supported"):
        StatementContent.from_json(body | {"v": 3})
