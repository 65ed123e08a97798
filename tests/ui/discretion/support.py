"""Reference data for the law browser and discretion panel tests, held the way a sync leaves
it: HQ publishes the shipped statute texts (``laws``) and the starter discretion standard
(``discretion``) and the store accepts them from a manifest signed with HQ's pinned key
(`desktop.services.refdata.accept`, the path of tests/services/test_refdata.py)."""

from __future__ import annotations

from dataclasses import replace

from desktop.domain.model import TurnKind
from desktop.services import interview
from desktop.services.sync import now_ms
from legal.library.model import Library
from sync.protocol.signing import sign
from tests.conftest import World
from tests.legal.discretion_support import starter_standard
from tests.legal.laws import shipped_library
from tests.services.test_refdata import HQ_KEY, Hq, accept, manifest

# What the party says in the sidewalk-parking case (synthetic).
STATEMENT_ANSWER = "我把车停在学校门口的人行道上，去买了点东西，大概十分钟就回来了。"


def hold(world: World, *, laws: Library | None = None, standard: bool = True,
         library: bool = True, version: int = 1) -> None:
    """Accept a signed manifest holding the library and/or the standard."""
    hq = Hq()
    datasets = {}
    if library:
        data = (laws or shipped_library()).to_bytes()
        datasets["laws"] = hq.publish("laws", version, data)
    if standard:
        datasets["discretion"] = hq.publish("discretion", version, starter_standard().to_bytes())
    accept(world, hq, sign(manifest(now_ms(), **datasets), HQ_KEY).to_json())


def synthetic_library() -> Library:
    """The shipped texts with every statute marked synthetic (as a benchmark's would be)."""
    real = shipped_library("合成测试 法规库")
    return replace(real, statutes=tuple(replace(s, synthetic=True) for s in real.statutes))


def say_in_statement(world: World, answer: str = STATEMENT_ANSWER) -> None:
    """The party's answer in the world's statement (what the suggestions read)."""
    interview.add_turn(world.store, world.statement.id, TurnKind.QUESTION, "你为什么把车停在这里？")
    interview.add_turn(world.store, world.statement.id, TurnKind.ANSWER, answer)
