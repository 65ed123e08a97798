"""The administrators' key-management page (issue 10 §1): the unit's signing keys and roots.

A table of every signing identity (its role, who holds it, software or token, the subject,
serial, validity, status and the chain up to its root) and one of the trusted roots, with
three actions: add a trust root (a PEM or DER certificate file), import a PKCS#12 file issued
by the unit's CA (for the statement room's device, the unit seal, or one officer), and retire
a key (it signs no more; its certificate stays for verifying old documents).

An officer's key is protected by that officer's own password, the seal's by each custodian's:
at import, each of them types their own password in a dialog of their own (`ask_password`),
the administrator never types it for them. Everything touching the store runs on the store
thread (`ctx.run`); refusals of the keys service are shown as messages. Only administrators
open the page (`open_keys_page`); the service refuses anyone else too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from gettext import gettext as _
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.domain.model import Officer
from desktop.services import keys
from desktop.store import signing_keys as repo
from desktop.store.store import Store
from desktop.ui.admin_gate import admin_or_told
from desktop.ui.background import report_error
from desktop.ui.context import AppContext
from desktop.ui.labels import key_kind_label, key_status_label, signing_role_label
from desktop.ui.screen_fit import fit_to_screen

KEY_COLUMNS = 9


def _day(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _date(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d")


def open_keys_page(ctx: AppContext, parent: QWidget | None = None) -> KeysPage | None:
    """The page for an administrator; anyone else is told why not (and gets nothing)."""
    if not admin_or_told(ctx, parent, _("Signing keys"),
                         _("Only an administrator can manage signing keys.")):
        return None
    page = KeysPage(ctx, parent)
    page.open()
    return page


@dataclass(frozen=True)
class ImportRequest:
    """One PKCS#12 import as chosen in `ImportDialog`; the holders' passwords come later."""

    path: Path
    passphrase: bytes | None
    role: str
    officer_id: str | None
    custodian_ids: tuple[str, ...]


class ImportDialog(QDialog):
    """The file, its passphrase, the role, and the officer or custodians it is for."""

    def __init__(self, people: list[Officer], parent: QWidget | None = None,
                 choose_file: Callable[[], str] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Import a key (PKCS#12)"))
        self.people = people
        self.choose_file = choose_file or self._choose_file
        self.request: ImportRequest | None = None
        self.path = QLineEdit()
        self.path.setPlaceholderText(_("the .p12 or .pfx file issued by the unit's CA"))
        browse = QPushButton(_("Browse…"))
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(browse)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(_("the file's passphrase, as issued"))
        self.role = QComboBox()
        for role in (repo.OFFICER, repo.SEAL, repo.DEVICE):
            self.role.addItem(signing_role_label(role), role)
        self.officer = QComboBox()
        for person in people:
            self.officer.addItem(f"{person.name} ({person.certificate_no})", person.id)
        self.custodians = QListWidget()
        self.custodians.setMaximumHeight(110)
        for person in people:
            item = QListWidgetItem(f"{person.name} ({person.certificate_no})")
            item.setData(Qt.ItemDataRole.UserRole, person.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.custodians.addItem(item)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.form = QFormLayout()
        self.form.addRow(_("Key file"), file_row)
        self.form.addRow(_("Passphrase of the file"), self.passphrase)
        self.form.addRow(_("Role"), self.role)
        self.form.addRow(_("Officer"), self.officer)
        self.form.addRow(_("Seal custodians"), self.custodians)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_("Import…"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.hint)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.role.currentIndexChanged.connect(self._role_chosen)
        self._role_chosen()
        self.resize(560, self.sizeHint().height())

    def _choose_file(self) -> str:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Import a key (PKCS#12)"), "", _("PKCS#12 files (*.p12 *.pfx);;All files (*)"))
        return path

    def _browse(self) -> None:
        path = self.choose_file()
        if path:
            self.path.setText(path)

    @property
    def chosen_role(self) -> str:
        return str(self.role.currentData())

    def _role_chosen(self) -> None:
        role = self.chosen_role
        self.form.setRowVisible(self.officer, role == repo.OFFICER)
        self.form.setRowVisible(self.custodians, role == repo.SEAL)
        self.hint.setText({
            repo.OFFICER: _("The officer then types their own password: their key is "
                            "protected by it and opens for nobody else."),
            repo.SEAL: _("Each custodian then types their own password; only they can apply "
                         "the unit seal."),
            repo.DEVICE: _("The statement room's own key: it certifies documents and signs "
                           "the interviewee's handwriting."),
        }[role])

    def custodian_ids(self) -> tuple[str, ...]:
        items = (self.custodians.item(i) for i in range(self.custodians.count()))
        return tuple(str(item.data(Qt.ItemDataRole.UserRole)) for item in items
                     if item.checkState() == Qt.CheckState.Checked)

    def accept(self) -> None:
        path = self.path.text().strip()
        role = self.chosen_role
        if not path:
            self.message.setText(_("Choose the key file."))
            return
        if role == repo.OFFICER and self.officer.currentIndex() < 0:
            self.message.setText(_("Choose the officer whose key this is."))
            return
        if role == repo.SEAL and not self.custodian_ids():
            self.message.setText(_("Tick at least one seal custodian."))
            return
        passphrase = self.passphrase.text()
        self.passphrase.clear()
        self.request = ImportRequest(
            Path(path), passphrase.encode("utf-8") if passphrase else None, role,
            str(self.officer.currentData()) if role == repo.OFFICER else None,
            self.custodian_ids() if role == repo.SEAL else ())
        super().accept()


class KeysPage(QDialog):
    """See the module docstring."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.data: keys.KeysOverview | None = None
        self._busy = False
        self.import_dialog: ImportDialog | None = None
        # Replaceable by tests; each asks the person at the screen.
        self.choose_file: Callable[[str], str] = self._choose_file
        self.ask_password: Callable[[Officer], str | None] = self._ask_password
        self.confirm: Callable[[str], bool] = self._confirm
        self.setWindowTitle(_("Signing keys"))
        self.keys_table = QTableWidget(0, KEY_COLUMNS)
        self.keys_table.setHorizontalHeaderLabels([
            _("Role"), _("Holder / custodians"), _("Kind"), _("Subject"), _("Serial"),
            _("Valid from"), _("Valid until"), _("Status"), _("Chain up to the root")])
        self.roots_table = QTableWidget(0, 3)
        self.roots_table.setHorizontalHeaderLabels([_("Subject"), _("SHA-256 fingerprint"),
                                                    _("Added")])
        for table in (self.keys_table, self.roots_table):
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
            table.verticalHeader().setVisible(False)
            table.setWordWrap(False)
            header = table.horizontalHeader()
            header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            header.setStretchLastSection(True)
        self.add_root_button = QPushButton(_("Add trust root…"))
        self.import_button = QPushButton(_("Import PKCS#12…"))
        self.retire_button = QPushButton(_("Retire…"))
        self.close_button = QPushButton(_("Close"))
        for button in (self.add_root_button, self.import_button, self.retire_button,
                       self.close_button):
            button.setAutoDefault(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.add_root_button.clicked.connect(self.add_root)
        self.import_button.clicked.connect(self.start_import)
        self.retire_button.clicked.connect(self.retire_selected)
        self.close_button.clicked.connect(self.accept)
        self.keys_table.itemSelectionChanged.connect(self._selection_changed)
        keys_box = QGroupBox(_("Signing keys"))
        QVBoxLayout(keys_box).addWidget(self.keys_table)
        roots_box = QGroupBox(_("Trusted roots"))
        QVBoxLayout(roots_box).addWidget(self.roots_table)
        buttons = QHBoxLayout()
        for button in (self.add_root_button, self.import_button, self.retire_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(keys_box, 3)
        layout.addWidget(roots_box, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        fit_to_screen(self, 1200, 560)
        self._selection_changed()
        self.refresh()

    # --- asking the person at the screen ------------------------------------------------------

    def _choose_file(self, title: str) -> str:
        path, _filter = QFileDialog.getOpenFileName(
            self, title, "", _("Certificates (*.pem *.crt *.cer *.der);;All files (*)"))
        return path

    def _ask_password(self, officer: Officer) -> str | None:
        text, ok = QInputDialog.getText(
            self, _("Own password"),
            _("{name} ({number}): type your own login password. It protects the key; the "
              "administrator does not type it for you.").format(
                name=officer.name, number=officer.certificate_no),
            QLineEdit.EchoMode.Password)
        return text if ok and text else None

    def _confirm(self, text: str) -> bool:
        answer = QMessageBox.question(self, _("Signing keys"), text)
        return answer == QMessageBox.StandardButton.Yes

    # --- showing ------------------------------------------------------------------------------

    def say(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet("color: #b00020;" if error else "")
        self.status.setText(text)

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, UserError):
            self.say(str(exc), error=True)
        else:
            report_error(exc, self)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for button in (self.add_root_button, self.import_button):
            button.setEnabled(not busy)
        self._selection_changed()

    def refresh(self) -> None:
        self.ctx.run(keys.overview, self._show, self._failed)

    def _show(self, data: keys.KeysOverview) -> None:
        self.data = data
        self.keys_table.setRowCount(len(data.keys))
        for row, listing in enumerate(data.keys):
            identity = listing.identity
            holders = ", ".join(listing.holders) if listing.holders else "—"
            serial = listing.serial if len(listing.serial) <= 16 else listing.serial[:16] + "…"
            cells = [signing_role_label(identity.role), holders, key_kind_label(identity.kind),
                     listing.subject, serial, _date(listing.not_before),
                     _date(listing.not_after), key_status_label(identity.status),
                     " → ".join(listing.chain)]
            tips = {3: _("SHA-256 fingerprint: {fingerprint}").format(
                        fingerprint=listing.fingerprint),
                    4: listing.serial, 5: _day(listing.not_before), 6: _day(listing.not_after)}
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tips.get(column, text))
                if not identity.active:
                    item.setForeground(self.palette().placeholderText())
                self.keys_table.setItem(row, column, item)
        self.roots_table.setRowCount(len(data.roots))
        for row, root in enumerate(data.roots):
            for column, text in enumerate((root.subject, root.fingerprint,
                                           _day(root.added_at))):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.roots_table.setItem(row, column, item)
        if not data.roots:
            self.say(_("No trust root yet: add the unit's (or bureau's) root certificate first, "
                       "then import the keys its CA issued."))
        self._set_busy(False)

    def selected(self) -> keys.KeyListing | None:
        rows = self.keys_table.selectionModel().selectedRows()
        if self.data is None or not rows or rows[0].row() >= len(self.data.keys):
            return None
        return self.data.keys[rows[0].row()]

    def _selection_changed(self) -> None:
        listing = self.selected()
        self.retire_button.setEnabled(not self._busy and listing is not None
                                      and listing.identity.active)

    # --- trust roots ----------------------------------------------------------------------------

    def add_root(self) -> None:
        path = self.choose_file(_("Add a trust root"))
        if not path:
            return
        self._set_busy(True)

        def work(store: Store) -> repo.TrustRoot:
            return keys.add_trust_root(store, keys.read_key_file(Path(path)))

        self.ctx.run(work, self._root_added, self._failed)

    def _root_added(self, root: repo.TrustRoot) -> None:
        self.refresh()
        self.say(_("Trust root added: {subject}.").format(subject=root.subject))

    # --- imports --------------------------------------------------------------------------------

    def start_import(self) -> None:
        people = self.data.officers if self.data is not None else []
        self.import_dialog = ImportDialog(people, self,
                                          lambda: self.choose_file(_("Import a key (PKCS#12)")))
        self.import_dialog.accepted.connect(self._import_chosen)
        self.import_dialog.open()

    def _import_chosen(self) -> None:
        dialog = self.import_dialog
        if dialog is None or dialog.request is None:
            return
        request = dialog.request
        by_id = {o.id: o for o in dialog.people}
        holder_ids = ((request.officer_id,) if request.officer_id is not None
                      else request.custodian_ids)
        passwords: dict[str, str] = {}
        for holder_id in holder_ids:
            password = self.ask_password(by_id[holder_id])
            if password is None:
                self.say(_("Import cancelled: {name} did not enter their password.").format(
                    name=by_id[holder_id].name), error=True)
                return
            passwords[holder_id] = password
        self._set_busy(True)

        def work(store: Store) -> repo.SigningIdentity:
            try:
                data = keys.read_key_file(request.path)
                return keys.import_pkcs12(store, data, request.passphrase, role=request.role,
                                          officer_id=request.officer_id,
                                          holder_passwords=passwords)
            finally:
                passwords.clear()

        self.say(_("Importing…"))
        self.ctx.run(work, self._imported, self._failed)

    def _imported(self, identity: repo.SigningIdentity) -> None:
        self.refresh()
        self.say(_("Imported: {role}.").format(role=signing_role_label(identity.role)))

    # --- retiring -------------------------------------------------------------------------------

    def retire_selected(self) -> None:
        listing = self.selected()
        if listing is None or not listing.identity.active:
            return
        if not self.confirm(_(
                "Retire the key of {subject} ({role}, serial {serial})? It will sign no more; "
                "its certificate is kept for verifying documents it signed.").format(
                    subject=listing.subject, role=signing_role_label(listing.identity.role),
                    serial=listing.serial)):
            return
        self._set_busy(True)
        identity_id = listing.identity.id
        self.ctx.run(lambda store: keys.retire_identity(store, identity_id), self._retired,
                     self._failed)

    def _retired(self, identity: repo.SigningIdentity) -> None:
        self.refresh()
        self.say(_("Retired: {role}. Its certificate is kept for verifying old documents."
                   ).format(role=signing_role_label(identity.role)))
