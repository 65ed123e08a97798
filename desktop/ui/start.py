"""The first screens: first-run setup of a new store, and the login with its lockout.

`SetupDialog` creates the store on a machine that has none. It asks for the unit, the first
administrator (name, enforcement certificate number, password twice), an optional second
officer, and an optional HQ escrow public key (PEM file) for recovering a forgotten
password. The device's audit key is generated with the store. `LoginDialog` unlocks the
store for one officer. Wrong passwords, and the lockout after repeated failures, appear as
the store's translated messages under the form. Both do their slow work (Argon2id) off the
GUI thread through the shared `Background`.
"""

from __future__ import annotations

from gettext import gettext as _
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.services.demo_login import demo_login
from desktop.ui.context import AppContext
from desktop.version import program_version

if TYPE_CHECKING:  # the store stack loads when it is used, keeping start-up quick
    from desktop.store.store import Store


def _password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("error")
    label.setWordWrap(True)
    label.setStyleSheet("color: #b00020;")
    label.hide()
    return label


class SetupDialog(QDialog):
    """First run: create the encrypted store and its first administrator."""

    created = Signal(object)  # the unlocked Store of the new administrator

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Statement Room: first-run setup"))
        self.setMinimumWidth(520)
        self._creating = False  # one store at a time: a double click must not make two
        intro = QLabel(_("No store exists on this computer yet. Set up the unit and its first "
                         "administrator. Everything is kept encrypted in {path}.").format(
                             path=ctx.paths.workdir))
        intro.setWordWrap(True)

        self.unit = QLineEdit()
        self.unit.setPlaceholderText(_("e.g. 示例区综合行政执法局城北中队"))
        self.admin_name = QLineEdit()
        self.admin_certificate = QLineEdit()
        self.admin_password = _password_field()
        self.admin_repeat = _password_field()
        admin_box = QGroupBox(_("First administrator"))
        admin_form = QFormLayout(admin_box)
        admin_form.addRow(_("Full name"), self.admin_name)
        admin_form.addRow(_("Enforcement certificate number"), self.admin_certificate)
        admin_form.addRow(_("Password"), self.admin_password)
        admin_form.addRow(_("Repeat the password"), self.admin_repeat)

        self.add_second = QCheckBox(_("Add a second officer now"))
        self.second_name = QLineEdit()
        self.second_certificate = QLineEdit()
        self.second_password = _password_field()
        second_box = QGroupBox(_("Second officer (optional)"))
        second_form = QFormLayout(second_box)
        second_form.addRow(self.add_second)
        second_form.addRow(_("Full name"), self.second_name)
        second_form.addRow(_("Enforcement certificate number"), self.second_certificate)
        second_form.addRow(_("Password"), self.second_password)
        for widget in (self.second_name, self.second_certificate, self.second_password):
            widget.setEnabled(False)
            self.add_second.toggled.connect(widget.setEnabled)

        self.escrow_path = QLineEdit()
        self.escrow_path.setPlaceholderText(_("optional: HQ escrow public key (PEM)"))
        browse = QPushButton(_("Choose…"))
        browse.clicked.connect(self._choose_escrow)
        escrow_row = QHBoxLayout()
        escrow_row.addWidget(self.escrow_path, 1)
        escrow_row.addWidget(browse)

        form = QFormLayout()
        form.addRow(_("Unit"), self.unit)
        self.error = _error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_("Create the store"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(admin_box)
        layout.addWidget(second_box)
        layout.addWidget(QLabel(_("HQ escrow key")))
        layout.addLayout(escrow_row)
        layout.addWidget(self.error)
        self.demo_button: QPushButton | None = None
        if ctx.demo_devices:
            self.demo_button = QPushButton(_("Try it with a demo store (synthetic officers and "
                                             "a sample case)"))
            self.demo_button.clicked.connect(self.create_demo)
            layout.addWidget(self.demo_button)
        layout.addWidget(self.buttons)

    def create_demo(self) -> None:
        """The scripted demo's store: two officers, a signed statement, docked footage."""
        from desktop.services.setup import open_demo_store

        if self._creating:
            return
        paths, clock = self.ctx.paths, self.ctx.clock
        self._set_creating(True)
        self.ctx.bg.run(lambda: open_demo_store(paths, clock), self._created,
                        lambda exc: self.show_error(str(exc)))

    def _set_creating(self, creating: bool) -> None:
        self._creating = creating
        self.ok_button.setEnabled(not creating)
        if self.demo_button is not None:
            self.demo_button.setEnabled(not creating)
        if creating:
            self.error.hide()

    def _choose_escrow(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("HQ escrow public key"), "",
                                                    _("PEM files (*.pem);;All files (*)"))
        if path:
            self.escrow_path.setText(path)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self._set_creating(False)

    def submit(self) -> None:
        if self._creating:
            return
        from desktop.services import setup

        unit = self.unit.text()
        admin = setup.NewOfficer(self.admin_name.text(), self.admin_certificate.text(),
                                 self.admin_password.text())
        second = (setup.NewOfficer(self.second_name.text(), self.second_certificate.text(),
                                   self.second_password.text())
                  if self.add_second.isChecked() else None)
        escrow_path = self.escrow_path.text().strip()
        try:
            setup.check_setup(unit, admin, second)
            if admin.password != self.admin_repeat.text():
                raise UserError(_("The passwords do not match."))
            escrow = setup.read_escrow_key(Path(escrow_path)) if escrow_path else None
        except UserError as exc:
            self.show_error(str(exc))
            return
        paths, clock = self.ctx.paths, self.ctx.clock
        self._set_creating(True)
        self.ctx.bg.run(lambda: setup.create_first_store(paths, unit, admin, second=second,
                                                         escrow=escrow, clock=clock),
                        self._created, lambda exc: self.show_error(str(exc)))

    def _created(self, store: Store) -> None:
        self.created.emit(store)
        self.accept()


class LoginDialog(QDialog):
    """Unlock the store: enforcement certificate number and password."""

    logged_in = Signal(object)  # the unlocked Store

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Statement Room: log in"))
        self.setMinimumWidth(420)
        title = QLabel(_("Electronic statement room"))
        title.setObjectName("title")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.certificate = QLineEdit()
        self.certificate.setPlaceholderText(_("Enforcement certificate number"))
        self.password = _password_field()
        self.password.setPlaceholderText(_("Password"))
        form = QFormLayout()
        form.addRow(_("Certificate number"), self.certificate)
        form.addRow(_("Password"), self.password)
        self.error = _error_label()
        self.login_button = QPushButton(_("Log in"))
        self.login_button.setDefault(True)
        self.login_button.clicked.connect(self.submit)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.login_button)
        self.version = QLabel(_("Version {version}").format(version=program_version()))
        self.version.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.version.setStyleSheet("color: #555;")
        layout.addWidget(self.version)
        demo = demo_login(ctx.paths.workdir)
        if demo is not None:
            hint = QLabel(_("Demo store: certificate number {login}, password {password}.")
                          .format(login=demo[0], password=demo[1]))
            hint.setWordWrap(True)
            layout.addWidget(hint)
        self.certificate.setFocus()

    def submit(self) -> None:
        login = self.certificate.text().strip()
        password = self.password.text()
        if login and not password:
            self.password.setFocus()  # Enter after the certificate number moves on
            return
        if not login or not password:
            self.show_error(_("Enter your certificate number and password."))
            return
        from desktop.store.store import unlock

        paths, clock = self.ctx.paths, self.ctx.clock
        self.login_button.setEnabled(False)
        self.error.hide()
        self.ctx.bg.run(lambda: unlock(paths, login, password, clock=clock), self._unlocked,
                        self._failed)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.login_button.setEnabled(True)

    def _failed(self, exc: BaseException) -> None:
        self.password.clear()
        self.password.setFocus()
        self.show_error(str(exc) if isinstance(exc, UserError) else _("Login failed."))

    def _unlocked(self, store: Store) -> None:
        self.logged_in.emit(store)
        self.accept()
