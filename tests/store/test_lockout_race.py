"""Login attempts as an attacker sends them: many at once, from several real processes.

Every guess must be counted and queued for the audit log (count before checking, under a
file lock), the lockout must hold after `max_failures` checked guesses, and unknown
certificate numbers must answer, cost and lock exactly like known ones.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.queues
import multiprocessing.synchronize
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from desktop.domain.errors import UserError
from desktop.domain.security import LockoutPolicy
from desktop.store import audit, keys
from desktop.store.keys import KdfParams
from desktop.store.store import AccountLocked, StorePaths, unlock
from tests.conftest import PASSWORD, SECOND_PASSWORD, FakeClock, World

PROCESSES = 6
GUESSES_EACH = 5


def _guess(workdir: str, login: str, count: int, start: multiprocessing.synchronize.Barrier,
           results: multiprocessing.queues.Queue[str]) -> None:
    start.wait()
    for index in range(count):
        try:
            unlock(StorePaths(Path(workdir)), login, f"Guess{index}wrong2026").close()
            results.put("opened")
        except UserError as exc:
            results.put(type(exc).__name__)


def _parallel_guesses(workdir: Path, login: str) -> Counter[str]:
    context = multiprocessing.get_context("fork")
    start = context.Barrier(PROCESSES)
    results: multiprocessing.queues.Queue[str] = context.Queue()
    workers = [context.Process(target=_guess,
                               args=(str(workdir), login, GUESSES_EACH, start, results))
               for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    outcomes = Counter(results.get(timeout=120) for _ in range(PROCESSES * GUESSES_EACH))
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    return outcomes


def _key_file(world: World) -> Any:
    return json.loads(world.paths.key_file.read_text())


def test_parallel_guesses_from_many_processes_are_all_counted(
    world: World, clock: FakeClock
) -> None:
    world.store.close()
    total = PROCESSES * GUESSES_EACH
    outcomes = _parallel_guesses(world.paths.workdir, "TEST0002")
    # Exactly max_failures guesses reached Argon2id; the first four said "wrong", the fifth
    # locked, and every later one was refused unchecked.
    max_failures = LockoutPolicy().max_failures
    assert outcomes == Counter({"WrongCredentials": max_failures - 1,
                                "AccountLocked": total - max_failures + 1})
    data = _key_file(world)
    entry = next(o for o in data["officers"]
                 if o["officer_id"] == world.second.id)
    assert entry["failures"] == max_failures
    assert entry["since_login"] == total
    queued = Counter(p["action"] for p in data["pending"])
    assert queued == Counter({"login.failed": max_failures, "login.locked_out": 1,
                              "login.while_locked": total - max_failures})
    assert len({p["attempt"] for p in data["pending"]}) == total

    # The lockout holds against the right password too (the fake clock is years ahead of
    # the children's real one, so use the real clock here as they did).
    with pytest.raises(AccountLocked):
        unlock(world.paths, "TEST0002", SECOND_PASSWORD)

    # An administrator clears it; the officer then learns of every attempt, and each one is
    # in the audit log.
    admin = unlock(world.paths, "TEST0001", PASSWORD)
    admin.unlock_officer(world.second.id)
    admin.close()
    store = unlock(world.paths, "TEST0002", SECOND_PASSWORD)
    try:
        assert store.failed_attempts_since_login == total + 1
        logged = Counter(r.action for r in audit.records(store.conn)
                         if r.subject == world.second.id and r.outcome == "denied")
        assert logged["login.failed"] == max_failures
        assert logged["login.while_locked"] == total - max_failures + 1
        assert logged["login.locked_out"] == 1
        assert "officer.unlocked" in [r.action for r in audit.records(store.conn)]
    finally:
        store.close()
    assert _key_file(world)["pending"] == []


def test_unknown_numbers_answer_and_lock_like_known_ones(
    world: World, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.store.close()
    derivations: list[KdfParams] = []
    real_kek = keys.password_kek

    def counting_kek(password: str, salt: bytes, params: KdfParams) -> bytes:
        derivations.append(params)
        return real_kek(password, salt, params)

    monkeypatch.setattr(keys, "password_kek", counting_kek)

    def answers(login: str) -> list[tuple[str, str, int]]:
        seen = []
        for _ in range(6):
            derivations.clear()
            with pytest.raises(UserError) as refused:
                unlock(world.paths, login, "Wrong2026password", clock=clock)
            message = refused.value.message
            seen.append((type(refused.value).__name__, message, len(derivations)))
        return seen

    known, unknown = answers("TEST0002"), answers("NOBODY-404")
    assert known == unknown
    assert [kind for kind, _m, _n in known] == ["WrongCredentials"] * 4 + ["AccountLocked"] * 2
    # Five guesses cost one Argon2id evaluation each, with the officers' own parameters;
    # the sixth is refused unchecked, for both.
    assert [n for _k, _m, n in known] == [1, 1, 1, 1, 1, 0]
    data = _key_file(world)
    assert len(data["unknown"]) == 1
    assert data["unknown"][0]["failures"] == 5
    assert "NOBODY" not in world.paths.key_file.read_text()  # only a salted digest
