"""The port chooser of the device bar: typing a URL and "Test" ask the device service."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.services.devices import Device
from desktop.ui.context import AppContext
from desktop.ui.devices import PortChooser


def _chooser(qtbot: QtBot, ctx: AppContext, device: Device, port: str) -> PortChooser:
    chooser = PortChooser(ctx, device)
    qtbot.addWidget(chooser)
    chooser.port.setCurrentText(port)
    return chooser


def test_typed_emulator_url_is_tested_and_chosen(qtbot: QtBot, ui_ctx: AppContext) -> None:
    chooser = _chooser(qtbot, ui_ctx, Device.IDCARD, "emu-idcard://")
    assert chooser.windowTitle() == "Port of the ID-card reader"
    assert chooser.chosen() == "emu-idcard://"
    chooser.test()
    assert chooser.verdict.text() == "ID-card reader answered on emu-idcard://."


def test_a_recorder_is_tested_with_the_device_password(qtbot: QtBot, ui_ctx: AppContext,
                                                       tmp_path: Path) -> None:
    url = f"emu-bodycam://?root={tmp_path}&serial=7654321&officer=654321"
    chooser = _chooser(qtbot, ui_ctx, Device.BODYCAM, url)
    chooser.test()
    assert chooser.verdict.text() == "Recorder EMU01 answered: serial 7654321, officer 654321."


def test_a_wrong_device_says_so(qtbot: QtBot, ui_ctx: AppContext) -> None:
    chooser = _chooser(qtbot, ui_ctx, Device.GNSS, "/dev/ttyDOES_NOT_EXIST")
    chooser.test()
    assert chooser.verdict.text().startswith("No device at /dev/ttyDOES_NOT_EXIST.")
