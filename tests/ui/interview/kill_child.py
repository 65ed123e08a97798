"""Child process of the kill test: type answers into a real workspace until killed.

Usage: python kill_child.py WORKDIR CASE_ID STATEMENT_ID SEED. Opens the store with the test
credentials, builds an `InterviewWorkspace` on a real asynchronous `Background`, and types
turn after turn through Qt key events. Every time a turn's indicator shows it saved, prints
`SAVED {"turn": ..., "text": ...}` (JSON, flushed); prints `READY` once the turns are shown.
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop.store.store import StorePaths, unlock
from desktop.ui.background import Background
from desktop.ui.context import AppContext
from desktop.ui.interview import InterviewWorkspace
from desktop.ui.interview.autosave import SaveState
from tests.conftest import PASSWORD
from tests.ui.interview.keys import type_text

PIECES = ["我把车停在", "人行道上", "大约十分钟", "我知道不对", "以后不会了", "abc", "123"]


def main() -> None:
    workdir, case_id, statement_id, seed = sys.argv[1:5]
    rng = random.Random(int(seed))
    app = QApplication([])
    paths = StorePaths(Path(workdir))
    bg = Background()  # the real asynchronous one: a store thread, callbacks queued back
    ctx = AppContext(paths, bg)
    ctx.store = unlock(paths, "TEST0001", PASSWORD)
    ws = InterviewWorkspace(ctx, case_id, statement_id)
    ws.show()
    while not ws.turns.rows:
        app.processEvents()
    printed: dict[str, str] = {}

    def indicator_changed(turn_id: str) -> None:
        row = next(r for r in ws.turns.rows if r.turn_id == turn_id)
        status = ws.autosaver.status(turn_id)
        if status.state is SaveState.SAVED and row.state_label.text().startswith("Saved"):
            text = row.text()
            if printed.get(turn_id) != text:
                printed[turn_id] = text
                line = json.dumps({"turn": turn_id, "text": text}, ensure_ascii=False)
                print("SAVED " + line, flush=True)

    ws.autosaver.state_changed.connect(indicator_changed)
    print("READY", flush=True)
    while True:
        row = ws.turns.current_row()
        if row is None:
            app.processEvents()
            continue
        for _piece in range(rng.randint(1, 4)):
            for char in rng.choice(PIECES):
                type_text(row.editor, char)
                if rng.random() < 0.5:
                    app.processEvents()
        before = len(ws.turns.rows)
        QTest.keyClick(row.editor, Qt.Key.Key_Return)
        while len(ws.turns.rows) == before and ws.turns.current_row() is row:
            app.processEvents()  # wait for the next turn to be created


if __name__ == "__main__":
    main()
