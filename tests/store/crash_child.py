"""Child process for the crash test: autosave as fast as possible, report each durable save.

A line "saved <turn id> <revision> <text>" is printed only after `save_turn` returned, i.e.
after the commit: exactly the moment the GUI would show "saved". The parent kills this
process with SIGKILL at a random moment and then checks every reported save.
"""

from __future__ import annotations

import sys
from pathlib import Path

from desktop.domain.model import TurnKind
from desktop.services import interview
from desktop.store.store import StorePaths, unlock


def main(workdir: str, login: str, password: str, statement_id: str, run: str) -> None:
    store = unlock(StorePaths(Path(workdir)), login, password)
    print("ready", flush=True)
    count = 0
    while True:
        turn = interview.add_turn(store, statement_id, TurnKind.ANSWER, "")
        for revision in range(2, 12):
            count += 1
            text = f"第{run}轮第{count}次保存：当事人称车辆停放约{count}分钟。"
            saved = interview.save_turn(store, turn.id, text)
            assert saved == revision
            print(f"saved {turn.id} {saved} {text}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:6])
