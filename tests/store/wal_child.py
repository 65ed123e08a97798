"""Child process for the WAL-loss tests: a fixed number of acknowledged saves, then wait.

It prints "saved <turn id> <revision> <text>" after each save returned (the moment the GUI
shows "saved"), then "done", and waits to be killed: the WAL then holds every frame of the
session (far fewer than the automatic checkpoint's 1000 pages).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from desktop.domain.model import TurnKind
from desktop.services import interview
from desktop.store.store import StorePaths, unlock


def main(workdir: str, login: str, password: str, statement_id: str, count: str) -> None:
    store = unlock(StorePaths(Path(workdir)), login, password)
    turn = interview.add_turn(store, statement_id, TurnKind.ANSWER, "")
    for number in range(int(count)):
        text = f"第{number}次保存：当事人称车辆停放约{number}分钟。"
        revision = interview.save_turn(store, turn.id, text)
        print(f"saved {turn.id} {revision} {text}", flush=True)
    print("done", flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main(*sys.argv[1:6])
