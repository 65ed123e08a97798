"""Screenshots of every main screen, in Chinese and English, for docs/screenshots/.

One command regenerates all of them, unattended:

    python3 tools/screenshots.py

For each screen size (1366x768, the common laptop, into docs/screenshots/; 1024x768, the
smallest the program must serve, into docs/screenshots/1024x768/) it starts a virtual X
server (`xvfb-run`, Debian package `xvfb`) with the openbox window manager when it is
installed (package `openbox`: windows then open maximized and full screen as on a desktop,
with their title bars), and runs itself inside it with `--inner`. `--sizes`, `--languages`
and `--only 7b-officers-sign 12-keys` narrow the run (the walk still goes through every
screen; only the named ones are written).

It builds a demo store (synthetic people), then walks through the program as an officer
would: first-run setup, login, the main window with a case, the interview workspace (from
the ID card, then questions and answers), read-back (the officer's dialog and the party's
page), each officer signing with their own password, the signed statement, docking a
body-worn recorder, the evidence with its custody, the verification report, the
administrators' signing keys, and sync: the reference HQ on loopback (`python3 -m hq`, as
the demo starts it) publishes a roster and an empty revocation list, the administrator enrols
the store, and once a round has run the sync panel and the reference data from HQ are
shown. Each screen is a grab of the whole X screen, so dialogs are shown over their windows
as an officer sees them. The devices are the `--demo-devices`
emulators with their default ports, and the exported PDF lies in a plainly named folder,
so nothing of the script itself shows.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget

from desktop.cli.common import default_workdir
from desktop.i18n import set_language
from desktop.services import signing
from desktop.services.demo import run_demo
from desktop.services.demo_login import demo_login, demo_password
from desktop.store.paths import StorePaths
from desktop.store.store import unlock
from desktop.ui.app import apply_language, create_application, show_maximized
from desktop.ui.background import Background
from desktop.ui.context import DEMO_PORTS, AppContext, DevicePorts
from desktop.ui.keys_page import open_keys_page
from desktop.ui.main_window import MainWindow
from desktop.ui.start import LoginDialog, SetupDialog

SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
SIZES = ("1366x768", "1024x768")
MAIN_SIZE = SIZES[0]  # its screenshots are the README's; other sizes get a folder each
OUT = SCREENSHOTS  # where this run writes (set from --size)
EXPORTS = Path(tempfile.gettempdir()) / "statement-room-exports"  # shown by the verifier
SCRATCH_MARK = ".made-by-tools-screenshots"


BACKGROUNDS: list[Background] = []
ONLY: set[str] = set()  # with --only: the screens to write, the walk goes through them all


def settle(rounds: int = 20) -> None:
    for _ in range(rounds):
        QApplication.processEvents()
        for bg in BACKGROUNDS:
            bg.drain()  # with --threads: wait for the store and device threads


def shoot(name: str, language: str) -> Path:
    settle()
    # The window manager maps, places and decorates windows in its own time: let it.
    deadline = time.monotonic() + 0.8
    while time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.02)
    screen = QGuiApplication.primaryScreen()
    path = OUT / f"{language}-{name}.png"
    if ONLY and name not in ONLY:
        return path
    screen.grabWindow(0).save(str(path))
    print(path)
    return path


def type_text(widget: QWidget, text: str) -> None:
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier,
                                                     char))


def scribble(pad: QWidget, seed: int) -> None:
    """A few pen strokes across the pad, like a hurried signature."""
    area = pad.surface().toRect() if hasattr(pad.surface(), "toRect") else pad.surface()
    left, top = area.left() + area.width() * 0.15, area.top() + area.height() * 0.35
    for stroke in range(3):
        y = top + stroke * area.height() * 0.15
        points = [QPoint(int(left + step * area.width() * 0.05 + stroke * 30),
                         int(y + ((step * 7 + seed) % 5 - 2) * 6)) for step in range(12)]
        events = ([(QEvent.Type.MouseButtonPress, points[0])]
                  + [(QEvent.Type.MouseMove, p) for p in points[1:]]
                  + [(QEvent.Type.MouseButtonRelease, points[-1])])
        for kind, point in events:
            button = Qt.MouseButton.LeftButton
            buttons = Qt.MouseButton.NoButton if kind is QEvent.Type.MouseButtonRelease \
                else button
            QApplication.sendEvent(pad, QMouseEvent(kind, point.toPointF(),
                                                    pad.mapToGlobal(point).toPointF(),
                                                    button, buttons,
                                                    Qt.KeyboardModifier.NoModifier))


def walk(language: str, demo_root: Path, scratch: Path, threads: bool = False) -> None:
    app = create_application()
    assert isinstance(app, QApplication)
    apply_language(language)  # ours and Qt's own (OK, Cancel, …)

    def context(workdir: Path) -> AppContext:
        bg = Background(synchronous=not threads)
        BACKGROUNDS.append(bg)
        ctx = AppContext(StorePaths(workdir), bg, demo_devices=True)
        ctx.settings.ports = DevicePorts(**DEMO_PORTS.__dict__)  # as --demo-devices has them
        return ctx

    # The setup names the folder of the new store: where a new user's would go (it is not
    # created; a store already there would be shown the login instead, so then a scratch).
    new_store = default_workdir()
    if new_store.exists():
        new_store = scratch / f"new-{language}"
    setup = SetupDialog(context(new_store))
    setup.unit.setText("示例区综合行政执法局城北中队")
    setup.admin_name.setText("周建国")
    setup.admin_certificate.setText("33070021001")
    setup.show()
    shoot("1-setup", language)
    setup.close()

    ctx = context(demo_root)
    login = LoginDialog(ctx)
    login.certificate.setText("33070021001")
    login.show()
    shoot("2-login", language)
    login.close()

    credentials = demo_login(demo_root)
    assert credentials is not None
    ctx.store = unlock(ctx.paths, *credentials)
    window = MainWindow(ctx)
    window.closing_for_rebuild = True  # the store is closed at the end of the walk
    show_maximized(window)
    shoot("3-main-window", language)

    # A new statement: the header from the ID card.
    view = window.tabs.widget(0)
    view.new_button.click()
    workspace = window.tabs.currentWidget()
    workspace.header.read_card_button.click()
    settle()
    workspace.header.place.setText("城北中队询问室二")
    workspace.header.phone.setText("13800000000")
    shoot("4-interview-header", language)
    workspace.header.start_button.click()
    settle()
    # The interview is recorded from before its first question (the demo devices' synthetic
    # camera and microphone): without it, or a recorded reason, it could not be signed.
    assert workspace.recording is not None
    workspace.recording.start_button.click()
    settle()
    answers = ["看清楚了。", "听清楚了。", "不申请回避。"]
    rows = [r for r in workspace.turns.rows if r.kind_label.text() not in ("Q:", "问：")]
    for row, answer in zip(rows, answers, strict=False):
        row.editor.setFocus()
        type_text(row.editor, answer)
    workspace.turns.focus(len(workspace.turns.rows) - 1)
    row = workspace.turns.rows[-1]
    QApplication.sendEvent(row.editor, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return,
                                                 Qt.KeyboardModifier.NoModifier))
    store = ctx.require_store()
    statement_id = workspace.statement_id
    for text in ("你在人民路摆摊经营多久了？", "今天是第一次，大概摆了一个小时。"):
        editor = workspace.turns.rows[-1].editor
        type_text(editor, text)
        QApplication.sendEvent(editor, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return,
                                                 Qt.KeyboardModifier.NoModifier))
    workspace.flush()
    shoot("5-interview", language)

    # Read-back: the officer's dialog, then the party's page on their screen.
    workspace.read_back_button.click()
    settle()
    flow = window.read_back_flow
    flow.ask = lambda _text: True
    if flow.party_window is not None:
        flow.party_window.hide()  # (it is on the party's screen, not the officer's)
    shoot("6-read-back", language)
    flow.show_button.click()
    settle()
    from desktop.ui.readback.handover import HandoverPreview

    for handover in flow.findChildren(HandoverPreview):  # one screen: the officer confirms
        if handover.isVisible():
            handover.show_button.click()
    settle()
    party = flow.party_window
    # Without a window manager (Xvfb) full screen is only a request: make it so.
    party.setGeometry(QGuiApplication.primaryScreen().geometry())
    party.raise_()
    party.activateWindow()
    settle()
    scribble(party.pad_panel.pad, 1)
    shoot("7-party-signs", language)
    for page in range(party.page_count):
        party.go_to(page)
        scribble(party.pad_panel.pad, page)
        party.confirm_button.click()
        settle(5)
    if party.in_declaration_step:  # by hand, the default: the last step
        scribble(party.declaration_pad_panel.pad, 7)
        party.declaration_confirm_button.click()
        settle(5)
    flow.raise_()
    flow.sign_button.click()
    settle()
    # Each officer types their own password (the demo's officers share the public one); the
    # first also signs by hand; the administrator applies the seal.
    officers = flow.officer_panel
    if officers is None:
        raise SystemExit(f"no officers' step: {flow.status.text()}")
    officers.rows[0].hand_button.click()
    settle(5)
    scribble(officers.rows[0].pad_panel.pad, 3)
    for row in officers.rows:
        type_text(row.secret, demo_password())
    type_text(officers.custodian_secret, demo_password())
    shoot("7b-officers-sign", language)
    officers.sign_button.click()
    settle()
    if flow.preview is None:
        raise SystemExit(f"signing did not finish: {flow.status.text()} / "
                         f"{party.message.text()}")
    shoot("8-signed", language)
    flow.close()

    # Evidence: dock the recorder, then the evidence list with custody.
    window.show_case(view.summary.case.id)
    from desktop.ui.evidence import EvidencePanel

    panel = window.tabs.widget(0).findChild(EvidencePanel)
    panel.dock_button.click()
    dock = panel.dock_dialog
    dock.start_button.click()
    settle()
    shoot("9-docking", language)
    dock.close()
    panel.refresh()
    panel.table.selectRow(0)
    shoot("10-evidence", language)

    pdf = EXPORTS / f"{view.summary.case.number}.pdf"
    pdf.unlink(missing_ok=True)  # the other language's walk exported it too
    pdf = signing.export_document(store, statement_id, pdf)
    window.verify(pdf)
    settle()
    shoot("11-verify", language)
    window.verify_dialog.close()

    keys_page = open_keys_page(ctx, window)
    assert keys_page is not None
    settle()
    keys_page.keys_table.selectRow(1)
    shoot("12-keys", language)
    keys_page.close()

    sync_screens(window, scratch / f"hq-{language}", language)
    window.close()
    ctx.require_store().close()
    for bg in BACKGROUNDS:
        bg.shutdown()
    BACKGROUNDS.clear()


def sync_screens(window: MainWindow, data: Path, language: str) -> None:
    """HQ on loopback publishes reference data; the store enrols and its sync worker runs a
    round; then the sync panel and the reference data dialog."""
    from desktop.services import sync_round
    from desktop.services.demo import DEMO_OFFICERS
    from desktop.services.demo_hq import embedded_hq
    from desktop.ui.sync_worker import SyncState

    def hq_admin(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "hq", "--data", str(data), *args],  # noqa: S603
                              capture_output=True, text=True, check=True, timeout=60)
        return done.stdout.strip()

    with embedded_hq(data) as url:
        roster = data / "roster.json"
        roster.write_text(json.dumps({"officers": [
            {"name": o.name, "certificate": o.certificate_no} for o in DEMO_OFFICERS]},
            ensure_ascii=False), encoding="utf-8")
        revocations = data / "revocations.json"
        revocations.write_text('{"certificates": []}', encoding="utf-8")
        hq_admin("publish", "roster", str(roster))
        hq_admin("publish", "revocations", str(revocations))
        sync_round.enrol(window.ctx.require_store(), url, hq_admin("enrol-code"), "城北中队 1 号机")
        window.sync.ensure_started()  # the worker's first round runs at once
        worker = window.sync.worker
        deadline = time.monotonic() + 180
        while worker.view.state is not SyncState.UP_TO_DATE:
            if time.monotonic() > deadline:
                raise SystemExit(f"the sync round did not finish: {worker.view}")
            settle(1)
            time.sleep(0.05)
        for show, name in ((window.sync.show_panel, "13-sync"),
                           (window.sync.show_reference_data, "14-reference-data")):
            show()
            shoot(name, language)
            dialog = window.sync.dialog
            assert dialog is not None
            dialog.close()


def start_window_manager() -> subprocess.Popen[bytes] | None:
    """openbox on the X server of this run, when installed (else windows are undecorated and
    "maximized" or "full screen" are only requests, which the script then fulfils itself)."""
    openbox = shutil.which("openbox")
    if openbox is None:
        print("openbox is not installed: screenshots without a window manager",
              file=sys.stderr)
        return None
    manager = subprocess.Popen([openbox, "--sm-disable"], stdout=subprocess.DEVNULL,  # noqa: S603
                               stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # it takes the screen before the first window is mapped
    return manager


def prepare_exports() -> None:
    """A plainly named folder for the exported PDF; one left by an earlier run is replaced,
    anything else of that name is left alone."""
    global EXPORTS
    if EXPORTS.exists() and not (EXPORTS / SCRATCH_MARK).exists():
        EXPORTS = Path(tempfile.mkdtemp(prefix="statement-room-exports-"))
    shutil.rmtree(EXPORTS, ignore_errors=True)
    EXPORTS.mkdir(parents=True)
    (EXPORTS / SCRATCH_MARK).touch()


def inner(args: argparse.Namespace) -> None:
    """Walk every language on the X server this process runs on."""
    global OUT
    OUT = SCREENSHOTS if args.size == MAIN_SIZE else SCREENSHOTS / args.size
    OUT.mkdir(parents=True, exist_ok=True)
    ONLY.update(args.only)
    manager = start_window_manager() if args.window_manager else None
    scratch = Path(tempfile.mkdtemp(prefix="screens-"))
    prepare_exports()
    try:
        for language in args.languages:
            # Each language its own demo store: one walk's statement and docking must not
            # show in the next one's screens.
            demo_root = scratch / f"demo-{language}"
            set_language("zh_CN")
            run_demo(demo_root, lambda _line: None)
            walk(language, demo_root, scratch, args.threads)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(EXPORTS, ignore_errors=True)
        if manager is not None:
            manager.terminate()
            manager.wait(timeout=10)


def outer(args: argparse.Namespace) -> int:
    """Each size on its own virtual X server: this script again, with --inner."""
    xvfb_run = shutil.which("xvfb-run")
    if xvfb_run is None:
        print("xvfb-run is missing: sudo apt-get install -y xvfb openbox libxcb-cursor0",
              file=sys.stderr)
        return 1
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    for size in args.sizes:
        command = [xvfb_run, "-a", "-s", f"-screen 0 {size}x24", sys.executable,
                   str(Path(__file__).resolve()), "--inner", "--size", size,
                   "--languages", *args.languages]
        if args.only:
            command += ["--only", *args.only]
        if args.threads:
            command.append("--threads")
        if not args.window_manager:
            command.append("--no-window-manager")
        print(f"{size}: {' '.join(command)}", flush=True)
        status = subprocess.run(command, env=env, check=False).returncode  # noqa: S603
        if status != 0:
            print(f"{size}: the walk failed (exit {status})", file=sys.stderr)
            return status
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), metavar="WxH",
                        help="screen sizes (default: %(default)s)")
    parser.add_argument("--languages", nargs="+", default=["zh_CN", "en"])
    parser.add_argument("--only", nargs="+", default=[], metavar="SCREEN",
                        help="write only these screens (e.g. 7b-officers-sign 12-keys)")
    parser.add_argument("--threads", action="store_true",
                        help="run the store and devices on their threads, as the program does")
    parser.add_argument("--no-window-manager", dest="window_manager", action="store_false",
                        help="do not start openbox")
    parser.add_argument("--inner", action="store_true",
                        help="walk on the current X server (what each size runs)")
    parser.add_argument("--size", default=MAIN_SIZE, help="with --inner: the X screen's size")
    args = parser.parse_args()
    if args.inner:
        inner(args)
        return 0
    return outer(args)


if __name__ == "__main__":
    raise SystemExit(main())
