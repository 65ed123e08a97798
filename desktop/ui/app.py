"""Starting the GUI: the Qt application, the bundled Chinese font, the language, the windows.

`run_gui` is what `statement-room` with no subcommand calls. It shows the first-run setup
when the working directory holds no store, the login otherwise, then the main window.
`--demo-devices` puts every device on an in-process emulator, and on a new machine it offers
the demo store, so a new user can try everything without hardware. The application font is
the bundled WenQuanYi Micro Hei, so Chinese renders the same on every machine (and under the
offscreen platform, which has no system fonts). Qt's own texts (OK, Cancel, the file dialog)
come from the translations the PySide6 wheel ships (`qtbase_zh_CN.qm`), installed by
`apply_language` with ours. Qt's high-DPI scaling is on by default in Qt 6. The main window
opens maximized on the screen's available geometry. Switching the language rebuilds the main
window; the work itself lives in the store, and a screen lock outlives the rebuild.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from desktop import config
from desktop.i18n import current_language, set_language
from desktop.store.paths import StorePaths
from desktop.ui.background import Background
from desktop.ui.context import AppContext

if TYPE_CHECKING:
    from desktop.store.store import Store

APP_NAME = "Statement Room"
FONT_FILE = "WenQuanYiMicroHei.ttf"


def install_font(app: QGuiApplication) -> str | None:
    """Register the bundled CJK font and make it the application font; its family name."""
    path = Path(str(resources.files("resources") / "fonts" / FONT_FILE))
    font_id = QFontDatabase.addApplicationFont(str(path))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        return None
    font = QFont(families[0])
    font.setPointSizeF(max(app.font().pointSizeF(), 10.0))
    app.setFont(font)
    return families[0]


# Qt's catalogs for each of our languages (English needs none: Qt's texts are English).
QT_CATALOGS = {"zh_CN": ("qtbase_zh_CN",)}
_qt_translators: list[QTranslator] = []  # installed ones; Qt does not keep them alive


def install_qt_translations(language: str) -> list[str]:
    """Make Qt's own texts (standard buttons, file and message dialogs, context menus)
    speak `language`, replacing the catalogs installed before; the catalogs loaded."""
    app = QCoreApplication.instance()
    if app is None:
        return []
    for old in _qt_translators:
        QCoreApplication.removeTranslator(old)
    _qt_translators.clear()
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    loaded = []
    for catalog in QT_CATALOGS.get(language, ()):
        translator = QTranslator(app)
        if translator.load(catalog, folder) and QCoreApplication.installTranslator(translator):
            _qt_translators.append(translator)
            loaded.append(catalog)
    # Qt names months and days (the calendar popup) by the default locale; English keeps
    # the system's.
    QLocale.setDefault(QLocale(language) if language in QT_CATALOGS else QLocale.system())
    return loaded


def apply_language(language: str | None = None) -> str:
    """Our catalog and Qt's for `language` (see `set_language` for the default); the one
    chosen. Windows built afterwards speak it; built ones keep their texts."""
    chosen = set_language(language)
    install_qt_translations(chosen)
    return chosen


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName("statement-room")
    install_font(app)
    install_qt_translations(current_language())
    return app


def show_maximized(window: QWidget) -> None:
    """Show `window` maximized on its screen's available geometry (the desktop minus the
    panels). The geometry is set first: without a window manager maximizing is only a
    request, and the window would keep its default size."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        window.setGeometry(screen.availableGeometry())
    window.showMaximized()


class Launcher:
    """Setup or login, then the main window; rebuilds the window when the language changes."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.window: object | None = None
        self.start_dialog: QDialog | None = None

    def start(self) -> QDialog:
        from desktop.ui.start import LoginDialog, SetupDialog

        if self.ctx.paths.exists():
            login = LoginDialog(self.ctx)
            login.logged_in.connect(self.logged_in)
            dialog: QDialog = login
        else:
            setup = SetupDialog(self.ctx)
            setup.created.connect(self.logged_in)
            dialog = setup
        self.start_dialog = dialog
        dialog.show()
        return dialog

    def logged_in(self, store: Store) -> None:
        self.ctx.store = store
        self.show_main()

    def show_main(self) -> None:
        from desktop.ui.main_window import MainWindow

        window = MainWindow(self.ctx)
        window.language_changed.connect(self.change_language)
        show_maximized(window)
        self.window = window

    def stop_sync(self) -> None:
        """End the main window's sync thread (the store closes after it). Its close event
        does that, but a window closed behind the screen lock never gets one."""
        from desktop.ui.main_window import MainWindow

        if isinstance(self.window, MainWindow):
            self.window.sync.stop()

    def change_language(self, language: str) -> None:
        from desktop.ui.main_window import MainWindow

        old = self.window
        self.ctx.settings.language = language
        self.ctx.save_settings()
        apply_language(language)
        if isinstance(old, MainWindow):
            old.closing_for_rebuild = True
            old.close()
            old.deleteLater()
        self.show_main()
        # The main window refuses a switch while locked; if one happens anyway, the lock
        # holds: the new window is covered as it is shown, the prompt speaks the language.
        from desktop.ui.idle_lock import active_lock

        lock = active_lock()
        if lock is not None:
            lock.dialog.retranslate()
            lock.dialog.raise_()
            lock.dialog.activateWindow()


def _report_windows_and_quit(app: QApplication) -> None:
    """The smoke check's end (config.QUIT_AFTER_MS): what the officer would see, then quit."""
    for widget in app.topLevelWidgets():
        if widget.isVisible():
            print(f"window: {widget.windowTitle()}", flush=True)
    app.quit()


def run_gui(workdir: Path, *, demo_devices: bool = False, language: str | None = None) -> int:
    """Run the application until its last window closes; the exit status."""
    app = create_application()
    # A bug in a slot must not take the officer's window down: show it, keep running (the
    # traceback goes to stderr only; the crash report file holds no message and no value).
    from desktop.ui.background import report_error

    sys.excepthook = lambda _type, exc, _tb: report_error(exc)
    bg = Background(app)
    # The GUI thread never waits for the database: a store call made on it is a bug, raised
    # at once (desktop/store/threads.py) rather than felt as a frozen window.
    from desktop.store.threads import forbid_thread

    forbid_thread()
    ctx = AppContext(StorePaths(workdir), bg, demo_devices=demo_devices)
    apply_language(language or ctx.settings.language or None)
    launcher = Launcher(ctx)
    launcher.start()
    quit_after = config.env(config.QUIT_AFTER_MS)
    if quit_after is not None:
        QTimer.singleShot(int(quit_after), lambda: _report_windows_and_quit(app))
    try:
        return app.exec()
    finally:
        if ctx.store is not None:
            launcher.stop_sync()
            bg.stop_long_work()  # a docking still writes to the store it would close
            bg.call(ctx.store.close)
        bg.shutdown()
