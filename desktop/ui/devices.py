"""The device status bar: ID-card reader, MRZ reader, body-worn recorder and GNSS receiver.

Each device shows whether it is connected and which port it uses. A click opens a
`PortChooser`, which lists the serial ports the system reports (with what their USB ids say)
and also takes a typed device path or URL. Pseudo-terminals and emulators are never listed,
so typing is the only way to reach them. "Test" checks that the right device answers there.
Connection state is checked on a device thread every few seconds: a configured emulator URL
counts as connected, a device path when it exists, and other URLs once a test answered. The
bar also shows the online/offline state that sync will drive.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from gettext import gettext as _

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.ui.context import DEMO_PORTS, AppContext
from hardware.discovery import DeviceKind, list_candidate_ports, probe
from hardware.transport import PortError


@dataclass(frozen=True)
class DeviceSlot:
    key: str  # field of DevicePorts
    label: Callable[[], str]
    probe_kind: DeviceKind | None  # None: tested by connecting (body-worn recorder)


SLOTS = (
    DeviceSlot("idcard", lambda: _("ID-card reader"), DeviceKind.IDCARD),
    DeviceSlot("mrz", lambda: _("MRZ reader"), DeviceKind.MRZ),
    DeviceSlot("bodycam", lambda: _("Body-worn recorder"), None),
    DeviceSlot("gnss", lambda: _("GNSS receiver"), DeviceKind.GNSS),
)


def looks_connected(port: str) -> bool:
    """Cheap presence check, safe to run every few seconds."""
    if not port:
        return False
    if port.startswith("emu-"):
        return True  # an in-process emulator is always there
    if "://" in port:
        return port.startswith(("socket://", "rfc2217://", "loop://"))
    return os.path.exists(port)


def test_port(slot: DeviceSlot, port: str, device_password: str) -> str:
    """Open the port and check the right device answers; a translated verdict (or raise)."""
    if slot.probe_kind is None:
        from hardware.bodycam import open_bodycam
        from hardware.bodycam.errors import BodycamError

        try:
            driver = open_bodycam(port)
            try:
                model = driver.connect(device_password)
                identity = driver.read_identity()
            finally:
                driver.disconnect()
        except (BodycamError, PortError) as exc:
            raise UserError(str(exc)) from exc
        return _("Recorder {model} answered: serial {serial}, officer {officer}.").format(
            model=model, serial=identity.serial, officer=identity.officer_number)
    try:
        baud = 115200 if slot.probe_kind is DeviceKind.IDCARD else 9600
        found = probe(port, [slot.probe_kind], listen=1.5, baudrate=baud)
    except PortError as exc:
        raise UserError(exc.message) from exc
    if found is None:
        raise UserError(_("No {device} answered on {port}.").format(device=slot.label(),
                                                                      port=port))
    return _("{device} answered on {port}.").format(device=slot.label(), port=port)


class PortChooser(QDialog):
    """Pick a listed port or type a path or URL; test it before saving."""

    def __init__(self, ctx: AppContext, slot: DeviceSlot, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.slot = slot
        self.setWindowTitle(_("Port of the {device}").format(device=slot.label()))
        self.setMinimumWidth(520)
        self.port = QComboBox()
        self.port.setEditable(True)
        self.port.lineEdit().setPlaceholderText(_("/dev/ttyUSB0, COM3, /dev/pts/5 or a URL"))
        current = getattr(ctx.ports, slot.key)
        for info in list_candidate_ports():
            self.port.addItem(f"{info.device}  {info.description}", info.device)
        self.port.addItem(_("{url}  (emulator)").format(url=getattr(DEMO_PORTS, slot.key)),
                          getattr(DEMO_PORTS, slot.key))
        self.port.setCurrentText(current)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        test = QPushButton(_("Test"))
        test.clicked.connect(self.test)
        row = QHBoxLayout()
        row.addWidget(self.port, 1)
        row.addWidget(test)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Choose a port, or type a device path or URL:")))
        layout.addLayout(row)
        layout.addWidget(self.verdict)
        layout.addWidget(buttons)

    def chosen(self) -> str:
        text = self.port.currentText().strip()
        index = self.port.findText(text)
        data = self.port.itemData(index) if index >= 0 else None
        return str(data) if data else text.split("  ")[0]

    def test(self) -> None:
        port = self.chosen()
        self.verdict.setText(_("Testing {port}…").format(port=port))
        self.ctx.bg.run(lambda: test_port(self.slot, port, self.ctx.device_password),
                        self.verdict.setText, lambda exc: self.verdict.setText(str(exc)), io=True)


class DeviceBar(QWidget):
    """One button per device (name, port, connected or not) and the online state."""

    ports_changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.buttons: dict[str, QToolButton] = {}
        self.connected: dict[str, bool] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for slot in SLOTS:
            button = QToolButton()
            button.setAutoRaise(True)
            button.clicked.connect(lambda _checked=False, s=slot: self.choose(s))
            self.buttons[slot.key] = button
            layout.addWidget(button)
        self.online = QLabel(_("Offline: sync is not set up yet"))
        self.online.setObjectName("online-state")
        layout.addWidget(self.online)
        self.timer = QTimer(self)
        self.timer.setInterval(5000)
        self.timer.timeout.connect(self.refresh)
        self.refresh()
        self.timer.start()

    def refresh(self) -> None:
        ports = {slot.key: getattr(self.ctx.ports, slot.key) for slot in SLOTS}
        self.ctx.bg.run(lambda: {k: looks_connected(p) for k, p in ports.items()},
                        self._show, io=True)

    def _show(self, connected: dict[str, bool]) -> None:
        self.connected = connected
        for slot in SLOTS:
            port = getattr(self.ctx.ports, slot.key)
            on = connected.get(slot.key, False)
            state = _("connected") if on else _("not connected")
            self.buttons[slot.key].setText(f"{'●' if on else '○'} {slot.label()}: {state}")
            self.buttons[slot.key].setToolTip(port or _("No port chosen; click to choose one."))

    def choose(self, slot: DeviceSlot) -> None:
        chooser = PortChooser(self.ctx, slot, self)
        if chooser.exec() == QDialog.DialogCode.Accepted:
            setattr(self.ctx.ports, slot.key, chooser.chosen())
            self.ctx.save_settings()
            self.ports_changed.emit()
            self.refresh()
