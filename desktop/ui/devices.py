"""The device status bar: ID-card reader, MRZ reader, body-worn recorder and GNSS receiver.

Each device shows whether it is connected and which port it uses. A click opens a
`PortChooser`, which lists the serial ports the system reports (with what their USB ids say)
and also takes a typed device path or URL. Pseudo-terminals and emulators are never listed,
so typing is the only way to reach them. "Test" checks that the right device answers there
(`devices.check_port`). Connection state is checked on a device thread every few seconds
(`devices.looks_connected`). The bar also shows the online/offline state that sync will drive.
What a device is and how it is reached is `desktop.services.devices`'; this module only shows.
"""

from __future__ import annotations

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

from desktop.services import devices
from desktop.services.devices import Device
from desktop.ui.context import DEMO_PORTS, AppContext


class PortChooser(QDialog):
    """Pick a listed port or type a path or URL; test it before saving."""

    def __init__(self, ctx: AppContext, device: Device, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.device = device
        self.setWindowTitle(_("Port of the {device}").format(device=devices.device_name(device)))
        self.setMinimumWidth(520)
        self.port = QComboBox()
        self.port.setEditable(True)
        line = self.port.lineEdit()  # an editable combo box always has one
        if line is not None:
            line.setPlaceholderText(_("/dev/ttyUSB0, COM3, /dev/pts/5 or a URL"))
        current = getattr(ctx.ports, device.value)
        for listed in devices.list_ports():
            self.port.addItem(f"{listed.device}  {listed.description}", listed.device)
        self.port.addItem(_("{url}  (emulator)").format(url=getattr(DEMO_PORTS, device.value)),
                          getattr(DEMO_PORTS, device.value))
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
        device, password = self.device, self.ctx.device_password
        self.ctx.bg.run(lambda: devices.check_port(device, port, password),
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
        for device in Device:
            button = QToolButton()
            button.setAutoRaise(True)
            button.clicked.connect(lambda _checked=False, d=device: self.choose(d))
            self.buttons[device.value] = button
            layout.addWidget(button)
        self.timer = QTimer(self)
        self.timer.setInterval(5000)
        self.timer.timeout.connect(self.refresh)
        self.refresh()
        self.timer.start()

    def refresh(self) -> None:
        if self.ctx.bg.closed:  # the timer's last tick while the window closes: nothing to run
            self.timer.stop()
            return
        ports = {device.value: getattr(self.ctx.ports, device.value) for device in Device}
        self.ctx.bg.run(lambda: {k: devices.looks_connected(p) for k, p in ports.items()},
                        self._show, io=True)

    def _show(self, connected: dict[str, bool]) -> None:
        self.connected = connected
        for device in Device:
            port = getattr(self.ctx.ports, device.value)
            on = connected.get(device.value, False)
            state = _("connected") if on else _("not connected")
            button = self.buttons[device.value]
            button.setText(f"{'●' if on else '○'} {devices.device_name(device)}: {state}")
            button.setToolTip(port or _("No port chosen; click to choose one."))

    def choose(self, device: Device) -> None:
        chooser = PortChooser(self.ctx, device, self)
        if chooser.exec() == QDialog.DialogCode.Accepted:
            setattr(self.ctx.ports, device.value, chooser.chosen())
            self.ctx.save_settings()
            self.ports_changed.emit()
            self.refresh()
