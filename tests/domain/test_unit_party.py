"""The unified social credit code's check (GB 32100-2015) and a unit party's particulars.

The codes here are synthetic: administrative division 110101, organisation codes that are
made up (TE…), each given its check character by the standard's rule.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.domain.errors import UserError
from desktop.domain.model import RepresentativeTitle, UnitParty
from desktop.domain.unit_party import (
    CREDIT_CODE_CHARACTERS,
    checked,
    credit_check_character,
    credit_code_problem,
)

# Synthetic codes (division 110101, made-up organisation codes) with their check character.
VALID = ("91110101TE00000019", "12110101TE0000002H", "93110101TE00000039")


def unit(**changes: object) -> UnitParty:
    values: dict[str, object] = {
        "name": "测试科技有限公司", "credit_code": VALID[0], "representative": "测试法人乙",
        "representative_title": RepresentativeTitle.LEGAL_REPRESENTATIVE,
        "address": "北京市东城区测试大街1号", "phone": "010-00000001"}
    values.update(changes)
    return UnitParty(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("code", VALID)
def test_synthetic_codes_with_their_check_character_pass(code: str) -> None:
    assert credit_code_problem(code) is None
    assert credit_check_character(code[:17]) == code[17]


def test_a_code_is_read_as_officers_type_it() -> None:
    # lower case, spaces and full-width forms are folded before the check
    assert credit_code_problem("9111 0101 te00 0000 19") is None
    assert credit_code_problem("９１１１０１０１ＴＥ００００００１９") is None
    assert checked(unit(credit_code=" 91110101te00000019 ")).credit_code == VALID[0]


@pytest.mark.parametrize(("code", "words"), [
    ("91110101TE00000018", "check character does not match"),  # last character mistyped
    ("91110101TE00000091", "check character does not match"),  # two characters swapped
    ("91110101TE0000001", "18 characters; this one has 17"),
    ("91110101TE000000190", "18 characters; this one has 19"),
    ("91110101SE00000019", "without I, O, S, V and Z; “S”"),
    ("9111O101TE00000019", "without I, O, S, V and Z; “O”"),
    ("911101A1TE00000019", "administrative division's six digits"),
    ("", "Enter the unit's unified social credit code"),
])
def test_a_wrong_code_is_told_what_is_wrong(code: str, words: str) -> None:
    problem = credit_code_problem(code)
    assert problem is not None and words in problem
    with pytest.raises(UserError, match=words.replace("(", r"\(")):
        checked(unit(credit_code=code))


@given(st.text(CREDIT_CODE_CHARACTERS, min_size=17, max_size=17),
       st.integers(0, 16), st.sampled_from(CREDIT_CODE_CHARACTERS))
def test_any_single_mistyped_character_is_caught(body: str, position: int,
                                                 typed: str) -> None:
    body = body[:2] + "110101" + body[8:]
    code = body + credit_check_character(body)
    assert credit_code_problem(code) is None
    mistyped = code[:position] + typed + code[position + 1:]
    if mistyped != code:
        assert credit_code_problem(mistyped) is not None


@given(st.text(CREDIT_CODE_CHARACTERS, min_size=17, max_size=17), st.integers(0, 16),
       st.integers(0, 16))
def test_any_two_characters_swapped_are_caught(body: str, first: int, second: int) -> None:
    body = body[:2] + "110101" + body[8:]
    code = list(body + credit_check_character(body))
    code[first], code[second] = code[second], code[first]
    swapped = "".join(code)
    if swapped[:17] != body:
        assert credit_code_problem(swapped) is not None


@pytest.mark.parametrize(("field", "words"), [
    ("name", "unit's name"), ("representative", "legal representative or principal"),
    ("address", "registered address")])
def test_a_unit_without_what_the_decision_prints_is_refused(field: str, words: str) -> None:
    with pytest.raises(UserError, match=words):
        checked(unit(**{field: "  "}))


def test_a_unit_is_cleaned_for_keeping() -> None:
    kept = checked(unit(name=" 测试科技 有限公司 ", address="北京市东城区\n测试大街1号",
                        phone=""))
    assert (kept.name, kept.address, kept.phone) == ("测试科技 有限公司",
                                                     "北京市东城区 测试大街1号", "")
    assert kept.representative_title is RepresentativeTitle.LEGAL_REPRESENTATIVE
