"""Cold start to the login window, against a bare PySide6 window, in the same run.

Each sample is a fresh interpreter, because a cold start includes the imports. It starts
at the parent's clock just before the child is spawned and ends when the child reports
that its window has been shown and has painted (the first `QEvent.Paint` after `show()`).
The child prints how long that took from its own start, and the parent measures the
whole lifetime (spawn to exit) as a check.

- anchor: `QApplication` + a `QWidget` with a label, shown (what any PySide6 program pays).
- ours: `desktop.ui.app.create_application()` (bundled font), an `AppContext` on a store
  that exists, and the `LoginDialog`, shown, as `statement-room` does.

Both run under `QT_QPA_PLATFORM=offscreen`, interleaved, and the medians are compared.
The target is ours / anchor <= 2.0. With `--smoke` there are a few samples (CI).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_PAINTED = """
import time
from PySide6.QtCore import QEvent, QObject, QTimer
class Painted(QObject):
    def __init__(self, app, start):
        super().__init__()
        self.app, self.start = app, start
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            print(f"PAINTED {time.perf_counter() - self.start:.6f}", flush=True)
            QTimer.singleShot(0, self.app.quit)
            self.app.removeEventFilter(self)
        return False
"""

ANCHOR = """
import time; START = time.perf_counter()
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget
""" + _PAINTED + """
app = QApplication([])
watch = Painted(app, START); app.installEventFilter(watch)
window = QWidget(); QVBoxLayout(window).addWidget(QLabel("login"))
window.show()
app.exec()
"""

OURS = """
import sys, time; START = time.perf_counter()
from pathlib import Path
from desktop.ui.app import create_application
from desktop.ui.background import Background
from desktop.ui.context import AppContext
from desktop.ui.start import LoginDialog
from desktop.store.paths import StorePaths
""" + _PAINTED + """
app = create_application()
watch = Painted(app, START); app.installEventFilter(watch)
ctx = AppContext(StorePaths(Path(sys.argv[1])), Background(app))
dialog = LoginDialog(ctx)
dialog.show()
app.exec()
"""


def _sample(code: str, *args: str) -> tuple[float, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1"}
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=120, check=True)
    whole = time.perf_counter() - start
    line = next(x for x in run.stdout.splitlines() if x.startswith("PAINTED "))
    return float(line.split()[1]), whole


def _store(directory: Path) -> Path:
    """A real store to log in to (the login window is what a returning officer sees)."""
    sys.path.insert(0, str(ROOT))
    from desktop.domain.ids import new_id
    from desktop.domain.model import Officer, Role
    from desktop.store.store import StorePaths, create_store

    admin = Officer(id=new_id(), name="基准测试员", certificate_no="BENCH0001",
                    unit="测试中队", role=Role.ADMIN)
    create_store(StorePaths(directory), admin, "Bench2026password").close()
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--smoke", action="store_true", help="three samples each (CI)")
    args = parser.parse_args()
    samples = 3 if args.smoke else args.samples
    with tempfile.TemporaryDirectory() as tmp:
        workdir = _store(Path(tmp) / "store")
        _sample(ANCHOR)  # warm the OS file cache for both: we measure imports, not the disk
        _sample(OURS, str(workdir))
        anchor, ours, anchor_whole, ours_whole = [], [], [], []
        for _ in range(samples):
            painted, whole = _sample(ANCHOR)
            anchor.append(painted)
            anchor_whole.append(whole)
            painted, whole = _sample(OURS, str(workdir))
            ours.append(painted)
            ours_whole.append(whole)
    ratio = statistics.median(ours) / statistics.median(anchor)
    print(json.dumps({
        "benchmark": "startup",
        "samples": samples,
        "anchor_bare_pyside6_ms": round(statistics.median(anchor) * 1000, 1),
        "login_window_ms": round(statistics.median(ours) * 1000, 1),
        "ratio": round(ratio, 3),
        "process_lifetime_ms": {"anchor": round(statistics.median(anchor_whole) * 1000, 1),
                                "ours": round(statistics.median(ours_whole) * 1000, 1)},
        "target_ratio": 2.0,
        "meets_target": ratio <= 2.0,
    }))


if __name__ == "__main__":
    main()
