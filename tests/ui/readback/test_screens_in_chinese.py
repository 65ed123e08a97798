"""In Chinese, no screen shows English; every screen fits 1024x768; Qt's own texts (OK,
Cancel, the file dialog) are Chinese; the case list makes room for an interview.

The English check walks the widget tree of each main screen and reads every text an officer
can see or hear (labels, buttons, titles, tabs, table headers and cells, list and combo items,
placeholders, tooltips, menus). Identifiers are allowed: words of `IDENTIFIERS` (PDF, MRZ,
UKey…), URLs, file paths, hexadecimal digests and numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop.services import signing
from desktop.ui.app import apply_language, show_maximized
from desktop.ui.background import Background
from desktop.ui.cases import NewCaseDialog
from desktop.ui.context import DEMO_PORTS, AppContext, DevicePorts
from desktop.ui.evidence import DockDialog, EvidencePanel
from desktop.ui.idle_lock import LockDialog, LockReason
from desktop.ui.keys_page import KeysPage
from desktop.ui.main_window import LANGUAGE_NAMES, MainWindow
from desktop.ui.readback import ReadBackFlow
from desktop.ui.start import LoginDialog, SetupDialog
from desktop.ui.verify_view import VerifyDialog
from tests.conftest import World
from tests.ui.readback.conftest import officer_panel, officers_sign, type_secrets, write_on

# Words that are names, not English: formats, standards, device kinds, units.
IDENTIFIERS = frozenset({
    "PDF", "MRZ", "UKey", "ID", "SM3", "SHA", "QR", "USB", "CA", "PIN", "PKCS", "GNSS", "JSON",
    "TSA", "CRL", "PEM", "DER", "UTC", "KB", "MB", "GB", "TB", "B-B", "DocMDP", "IC", "TD1",
    "TD3", "RFC", "NMEA", "MP4", "JPG", "WAV",
})
NOT_WORDS = re.compile(
    r"[a-z][a-z0-9+.-]*://\S*"  # URLs (device ports)
    r"|(?:[A-Za-z]:)?[/\\][^\s，。；：（）()]+"  # file paths
    r"|\b[0-9a-fA-F]{8,}\b"  # digests, ids
    r"|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"
    r"|\S+\.(?i:pdf|pem|p12|mp4|jpg|wav|nmea|txt|json)\b"  # file names
    r"|\b\w+/\S+"  # paths on a device
    r"|<[^>]+>|&[a-z]+;"  # markup
    r"|\b(?:Ctrl|Shift|Alt)\+\S+"  # keys, as printed on the keyboard
)
WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
MNEMONIC = re.compile(r"\(&?[A-Z]\)")  # the "(&F)" of "文件(&F)": a key, not a word
# A language is named in its own language in the language menu.
OWN_LANGUAGE_NAMES = frozenset(LANGUAGE_NAMES.values())


def english_words(text: str) -> list[str]:
    """The words of `text` that are neither Chinese nor an identifier (a word with a digit
    is one: a certificate number, a model)."""
    if text in OWN_LANGUAGE_NAMES:
        return []
    rest = NOT_WORDS.sub(" ", MNEMONIC.sub("", text))
    words = [w for w in WORD.findall(rest)
             if w not in IDENTIFIERS and not any(c.isdigit() for c in w)]
    # A single letter (an "x" of a size, the "B" of bytes) is no English a reader meets.
    return [w for w in words if len(w) > 1 or w not in "xXB"]


def shown_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for every text of `root` and its children an officer can read."""
    widgets: list[QWidget] = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        where = f"{type(widget).__name__}({widget.objectName() or '?'})"
        texts = [widget.toolTip(), widget.accessibleName()]
        if widget.isWindow():
            texts.append(widget.windowTitle())
        if isinstance(widget, QLabel):
            texts.append(widget.text())
        if isinstance(widget, QAbstractButton):
            texts.append(widget.text())
        if isinstance(widget, QGroupBox):
            texts.append(widget.title())
        if isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
        if isinstance(widget, QPlainTextEdit | QTextEdit):
            texts += [widget.placeholderText(), widget.toPlainText()]
        if isinstance(widget, QComboBox):
            texts += [widget.itemText(i) for i in range(widget.count())]
        if isinstance(widget, QTabWidget):
            texts += [widget.tabText(i) for i in range(widget.count())]
        if isinstance(widget, QListWidget):
            texts += [widget.item(i).text() for i in range(widget.count())]
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model, top = widget.model(), QModelIndex()
            try:
                columns = model.columnCount(top)
            except TypeError:  # a list model keeps columnCount private: one column
                columns = 1
            rows = model.rowCount(top)
            texts += [str(model.headerData(c, Qt.Orientation.Horizontal) or "")
                      for c in range(columns)]
            texts += [str(model.index(r, c).data() or "") for r in range(rows)
                      for c in range(columns)]
        actions = list(widget.actions())
        if isinstance(widget, QMainWindow):
            actions += widget.menuBar().actions()
        for action in actions:
            texts += [action.text(), action.toolTip()]
            menu = action.menu()
            if isinstance(menu, QMenu):
                texts += [a.text() for a in menu.actions()]
        for text in texts:
            if text:
                yield where, text


def assert_no_english(*roots: QWidget) -> None:
    found = sorted({f"{where}: {text!r} -> {words}" for root in roots
                    for where, text in shown_texts(root) if (words := english_words(text))})
    assert found == [], "\n".join(found)


@pytest.fixture
def chinese() -> Iterator[None]:
    apply_language("zh_CN")  # ours and Qt's
    yield
    apply_language("en")


def test_the_filter_finds_english_and_lets_identifiers_through() -> None:
    assert english_words("Bottom line: holds") == ["Bottom", "line", "holds"]
    assert english_words("读卡（MRZ）并导出 PDF，UKey 签名") == []
    assert english_words("记录仪端口：emu-bodycam://?offset=-90，/tmp/a b.pdf 3f2a9c0d11") == []


def test_qt_own_texts_are_chinese(chinese: None, qtbot: QtBot) -> None:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel
                               | QDialogButtonBox.StandardButton.Save)
    qtbot.addWidget(buttons)
    assert sorted(b.text() for b in buttons.buttons()) == sorted(["确定", "取消", "保存"])
    dialog = QFileDialog(None, "选择文件")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    qtbot.addWidget(dialog)
    texts = [t for _w, t in shown_texts(dialog)]
    assert "文件名(&N)：" in texts or any("文件名" in t for t in texts), texts
    assert not any(t in ("Open", "Cancel", "File name:", "&Open") for t in texts), texts
    apply_language("en")
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
    qtbot.addWidget(buttons)
    assert buttons.buttons()[0].text() == "OK"


def sign_every_page(qtbot: QtBot, flow: ReadBackFlow) -> None:
    """The interviewee signs each page on the pad, confirms it, then writes the declaration."""
    party = flow.party_window
    assert party is not None
    for page in range(party.page_count):
        party.go_to(page)
        write_on(qtbot, party.pad_panel.pad)
        party.confirm_button.click()
        assert party.session.is_signed(page), (party.message.text(), party.pad_panel.pad.size())
    # The declaration is written by hand (the default, as the form asks): it comes last.
    assert party.in_declaration_step
    write_on(qtbot, party.declaration_pad_panel.pad)
    party.declaration_confirm_button.click()
    assert not flow.session.declaration_missing(), party.declaration_state.text()


def _main_window(ui_ctx: AppContext, qtbot: QtBot) -> MainWindow:
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.closing_for_rebuild = True  # the world fixture closes the store itself
    window.resize(1024, 740)
    window.show()
    return window


def test_main_screens_show_no_english(chinese: None, ui_ctx: AppContext, world: World,
                                      qtbot: QtBot, tmp_path: Path) -> None:
    window = _main_window(ui_ctx, qtbot)
    assert window.tabs.tabText(0) == world.case.number
    assert_no_english(window)
    window.open_statement(world.case.id, world.statement.id)  # the interview workspace
    assert_no_english(window)
    window.open_statement(world.case.id, None)  # a new statement: the header from the card
    assert_no_english(window)
    ui_ctx.settings.ports.bodycam = f"emu-bodycam://?root={tmp_path / 'recorder'}&offset=-90"
    dock = DockDialog(ui_ctx, world.case.id)
    qtbot.addWidget(dock)
    with qtbot.waitSignal(dock.docked):
        dock.start_button.click()
    assert_no_english(dock)
    window.show_case(world.case.id)  # the docked files with their custody
    panel = window.tabs.widget(0).findChild(EvidencePanel)
    assert panel is not None
    panel.refresh()
    panel.table.selectRow(0)
    assert panel.table.rowCount() > 0
    assert_no_english(window)
    keys = KeysPage(ui_ctx)
    qtbot.addWidget(keys)
    assert_no_english(keys)
    setup = SetupDialog(AppContext(ui_ctx.paths.__class__(tmp_path / "new"), ui_ctx.bg))
    qtbot.addWidget(setup)
    login = LoginDialog(ui_ctx)
    qtbot.addWidget(login)
    new_case = NewCaseDialog(ui_ctx)
    qtbot.addWidget(new_case)
    lock = LockDialog(ui_ctx, LockReason.IDLE)
    qtbot.addWidget(lock)
    assert_no_english(setup, login, new_case, lock)


def test_read_back_signing_and_verification_show_no_english(
        chinese: None, ui_ctx: AppContext, world: World, keyed: Path, qtbot: QtBot,
        tmp_path: Path) -> None:
    flow = ReadBackFlow(ui_ctx, world.statement.id)
    qtbot.addWidget(flow)
    flow.ask = lambda _text: True
    flow.show()
    assert_no_english(flow)
    flow.show_button.click()
    assert flow.party_window is not None
    assert_no_english(flow.party_window)
    sign_every_page(qtbot, flow)
    panel = officer_panel(qtbot, flow)
    type_secrets(qtbot, panel, world)
    assert_no_english(panel)
    panel.back_button.click()
    officers_sign(qtbot, flow, world)
    assert flow.preview is not None
    assert_no_english(flow)
    pdf = signing.export_document(world.store, world.statement.id, tmp_path / "signed.pdf")
    dialog = VerifyDialog(ui_ctx, pdf)
    qtbot.addWidget(dialog)
    assert dialog.check is not None and dialog.check.report.signatures
    assert_no_english(dialog)
    if flow.party_window is not None:
        flow.party_window.close()


def test_the_case_list_collapses_during_an_interview(ui_ctx: AppContext, world: World,
                                                     qtbot: QtBot) -> None:
    window = _main_window(ui_ctx, qtbot)
    assert window.splitter.sizes()[0] >= 240 and window.cases.isVisible()
    window.open_statement(world.case.id, world.statement.id)
    qtbot.waitUntil(lambda: window.splitter.sizes()[0] == 0)
    workspace = window.tabs.currentWidget()
    assert workspace.width() > window.width() - 40  # the interview has the whole width
    window.tabs.setCurrentIndex(0)  # back to the case: the list returns
    assert window.splitter.sizes()[0] > 100
    window.tabs.setCurrentWidget(workspace)
    assert window.splitter.sizes()[0] == 0


SMALL_SCREEN = QSize(1024, 768 - 40)  # 1024x768 less a panel or a title bar


def test_every_screen_fits_a_1024x768_screen(ui_ctx: AppContext, world: World, keyed: Path,
                                             qtbot: QtBot) -> None:
    window = _main_window(ui_ctx, qtbot)
    window.open_statement(world.case.id, world.statement.id)
    flow = ReadBackFlow(ui_ctx, world.statement.id)
    qtbot.addWidget(flow)
    flow.ask = lambda _text: True
    flow.show()
    flow.show_button.click()
    sign_every_page(qtbot, flow)
    panel = officer_panel(qtbot, flow)
    keys = KeysPage(ui_ctx)
    dock = DockDialog(ui_ctx, world.case.id)
    qtbot.addWidget(keys)
    qtbot.addWidget(dock)
    screens: tuple[QWidget, ...] = (window, flow, panel, keys, dock)
    for screen in screens:
        needed = screen.minimumSizeHint().expandedTo(screen.minimumSize())
        assert needed.width() <= SMALL_SCREEN.width(), (type(screen).__name__, needed)
        assert needed.height() <= SMALL_SCREEN.height(), (type(screen).__name__, needed)
    # Windows that would like more room than the screen has take what it leaves.
    available = keys.screen().availableGeometry()
    assert keys.width() <= available.width() and keys.height() <= available.height()
    # At that size the officer reaches every button of the signing step.
    flow.resize(SMALL_SCREEN)
    flow.show()
    for button in (panel.sign_button, panel.back_button, flow.sign_button):
        if button.isVisible():
            corner = button.mapTo(flow, button.rect().bottomRight())
            assert flow.rect().contains(corner), (button.text(), corner)


def test_preparing_and_signing_show_that_they_are_busy(world: World, keyed: Path,
                                                      qtbot: QtBot) -> None:
    """With the store on its own thread, as in the program: while the document is prepared
    and while the officers sign, a moving bar and a status say so (the GUI thread is free)."""
    bg = Background()  # real threads: the work's result arrives through the event loop
    ctx = AppContext(world.paths, bg, demo_devices=True, clock=world.store.clock)
    ctx.settings.ports = DevicePorts(**DEMO_PORTS.__dict__)
    ctx.store = world.store
    try:
        flow = ReadBackFlow(ctx, world.statement.id)  # starts preparing at once
        qtbot.addWidget(flow)
        flow.ask = lambda _text: True
        flow.show()
        assert flow.busy_bar.isVisible()
        assert flow.status.text() == "Preparing the document and its pages…"
        assert not flow.sign_button.isEnabled()
        qtbot.waitUntil(lambda: not flow.busy_bar.isVisible(), timeout=60_000)
        assert flow.sign_button.isEnabled() and "page(s)" in flow.status.text()

        flow.show_button.click()
        sign_every_page(qtbot, flow)
        qtbot.mouseClick(flow.sign_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: flow.officer_panel is not None and not flow.busy_bar.isVisible(),
                        timeout=60_000)
        panel = flow.officer_panel
        assert panel is not None
        type_secrets(qtbot, panel, world)
        with qtbot.waitSignal(flow.signed, timeout=120_000):
            qtbot.mouseClick(panel.sign_button, Qt.MouseButton.LeftButton)
            assert panel.busy_bar.isVisible() and not panel.sign_button.isEnabled()
            assert panel.busy_bar.accessibleName() == panel.status.text() != ""
        assert not panel.busy_bar.isVisible()
        if flow.party_window is not None:
            flow.party_window.close()
    finally:
        bg.shutdown()


def test_the_main_window_opens_maximized(ui_ctx: AppContext, qtbot: QtBot) -> None:
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.closing_for_rebuild = True
    show_maximized(window)
    assert window.windowState() & Qt.WindowState.WindowMaximized
    available = window.screen().availableGeometry()
    assert window.frameGeometry().topLeft() == available.topLeft()
    assert window.width() >= min(available.width(), window.minimumWidth())
