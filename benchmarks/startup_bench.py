"""Cold start of `statement-room` to its login window, against a bare PySide6 window.

Each sample is a fresh interpreter, because a cold start includes the imports. It starts
at the child's first line and ends when its window has painted (the first `QEvent.Paint`
after `show()`); the child prints that time, and the parent measures the whole lifetime
(spawn to exit) as a check.

- anchor: `QApplication` + a `QWidget` with a label, shown (what any PySide6 program pays).
- ours: the real entry point, as the `statement-room` console script runs it with no
  subcommand: `desktop.__main__` (`desktop.cli:main`) with `--workdir` on a store that
  exists, so the login window is what opens. The child only watches: it wraps
  `QApplication.exec` to install the paint filter on the application the program made (so
  it imports PySide6 first, which the program would import before its window anyway) and
  then runs the module as `python3 -m desktop` would. It runs from the source tree, so this
  checkout's code is what is timed.

Both run under `QT_QPA_PLATFORM=offscreen`, interleaved, after a warm-up run of each (the
OS file cache, and the bytecode an installed program has), and the medians are compared.
The target is ours / anchor <= 2.0 in wall time; the CPU time each child used by its
first paint is compared too (`cpu_ratio`), since a slow disk hides CPU cost. With `--smoke`
there are a few samples (CI).
`MODULES` lines (with `--modules`) list what was imported when the window painted; the
start-up test reads them.
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
            print(f"PAINTED {time.perf_counter() - self.start:.6f} {time.process_time():.6f}",
                  flush=True)
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
import time; START = time.perf_counter()
import runpy, sys
from PySide6.QtWidgets import QApplication
SHOW_MODULES = sys.argv[1] == "--modules"
""" + _PAINTED + """
class Watched(Painted):
    def eventFilter(self, watched, event):
        if SHOW_MODULES and event.type() == QEvent.Type.Paint:
            print("WINDOW " + type(watched).__name__, flush=True)
            print("MODULES " + " ".join(sorted(sys.modules)), flush=True)
        return super().eventFilter(watched, event)
_exec = QApplication.exec
def watched_exec(*_args):
    app = QApplication.instance()
    global WATCH
    WATCH = Watched(app, START); app.installEventFilter(WATCH)
    return _exec()
QApplication.exec = watched_exec
sys.argv = ["statement-room", *sys.argv[2:]]
runpy.run_module("desktop", run_name="__main__", alter_sys=True)
"""


def _run(code: str, *args: str) -> tuple[str, float]:
    """The child's stdout and its lifetime (spawn to exit), run from the source tree."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=120, check=True)
    return run.stdout, time.perf_counter() - start


def _sample(code: str, *args: str) -> tuple[float, float, float]:
    """Wall time to the first paint, the child's CPU time by then, and its lifetime."""
    out, whole = _run(code, *args)
    line = next(x for x in out.splitlines() if x.startswith("PAINTED ")).split()
    return float(line[1]), float(line[2]), whole


def start_script(workdir: Path) -> tuple[str, set[str]]:
    """Start `statement-room --workdir WORKDIR` to its first paint: the window's class and
    the modules imported by then."""
    out, _whole = _run(OURS, "--modules", "--workdir", str(workdir))
    lines = out.splitlines()
    window = next(x for x in lines if x.startswith("WINDOW ")).split()[1]
    modules = next(x for x in lines if x.startswith("MODULES ")).split()[1:]
    return window, set(modules)


def _ours(workdir: Path) -> tuple[float, float, float]:
    return _sample(OURS, "--time", "--workdir", str(workdir))


def make_store(directory: Path) -> Path:
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
        workdir = make_store(Path(tmp) / "store")
        # Warm the OS file cache for both (we measure imports, not the disk) and write the
        # bytecode, which an installed program has.
        _sample(ANCHOR)
        _ours(workdir)
        anchor, ours, anchor_whole, ours_whole = [], [], [], []
        anchor_cpu: list[float] = []
        ours_cpu: list[float] = []
        for _ in range(samples):
            painted, cpu, whole = _sample(ANCHOR)
            anchor.append(painted)
            anchor_cpu.append(cpu)
            anchor_whole.append(whole)
            painted, cpu, whole = _ours(workdir)
            ours.append(painted)
            ours_cpu.append(cpu)
            ours_whole.append(whole)
    ratio = statistics.median(ours) / statistics.median(anchor)
    print(json.dumps({
        "benchmark": "startup",
        "samples": samples,
        "entry_point": "python3 -m desktop (statement-room, no subcommand)",
        "anchor_bare_pyside6_ms": round(statistics.median(anchor) * 1000, 1),
        "login_window_ms": round(statistics.median(ours) * 1000, 1),
        "ratio": round(ratio, 3),
        "cpu_ms": {"anchor": round(statistics.median(anchor_cpu) * 1000, 1),
                   "ours": round(statistics.median(ours_cpu) * 1000, 1)},
        "cpu_ratio": round(statistics.median(ours_cpu) / statistics.median(anchor_cpu), 3),
        "process_lifetime_ms": {"anchor": round(statistics.median(anchor_whole) * 1000, 1),
                                "ours": round(statistics.median(ours_whole) * 1000, 1)},
        "target_ratio": 2.0,
        "meets_target": ratio <= 2.0,
    }))


if __name__ == "__main__":
    main()
