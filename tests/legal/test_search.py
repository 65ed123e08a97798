"""Finding a matter: by one character and up (code, name, keyword, field, ranked), and by the
words of a statement (names and keywords that occur in it)."""

from __future__ import annotations

from legal.discretion.engine import MatterIndex, search_matters, suggest_matters
from legal.discretion.evaluation import MatterHit
from tests.legal.discretion_support import SIDEWALK, starter_standard

STANDARD = starter_standard()
INDEX = MatterIndex(STANDARD)


def codes(hits: list[MatterHit]) -> list[str]:
    return [h.code for h in hits]


def test_one_character_and_up_ranked() -> None:
    assert SIDEWALK in codes(INDEX.search("停", 20))
    assert codes(INDEX.search(SIDEWALK, 5))[0] == SIDEWALK  # the code itself first
    assert INDEX.search(SIDEWALK, 5)[0].matched == SIDEWALK
    dogs = INDEX.search("犬", 20)
    assert set(codes(dogs)) == {"示例-QY-001", "示例-QY-002"}
    # A name holding the query ranks above a keyword or a field holding it.
    fumes = INDEX.search("油烟", 20)
    assert codes(fumes)[0] == "示例-YY-001" and fumes[0].matched.startswith("排放油烟")
    field = INDEX.search("养犬管理", 20)
    assert {h.matched for h in field} == {"养犬管理"}
    assert INDEX.search("示例-zp", 20)[0].code.startswith("示例-ZP")  # codes fold case
    assert INDEX.search("火箭", 20) == [] and INDEX.search("", 20) == []
    assert len(INDEX.search("示例", 3)) == 3
    assert search_matters(STANDARD, "违停", 1)[0].code == SIDEWALK


def test_a_statement_suggests_the_matters_it_speaks_of() -> None:
    statement = ("问：你的车为什么停在这里？答：我把机动车停在人行道上去买早饭。"
                 "问：你知道这里不能违停吗？答：知道。")
    hits = INDEX.suggest(statement, 3)
    assert hits[0].code == SIDEWALK
    assert {"人行道", "违停", "机动车"} <= set(hits[0].matched.split("、"))
    barbecue = suggest_matters(STANDARD, "晚上在路边露天烧烤，烟很大", 5)
    assert barbecue[0].code == "示例-YY-002"
    assert INDEX.suggest("", 5) == [] and INDEX.suggest("今天天气很好", 5) == []
