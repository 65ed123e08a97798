"""File › Back up and restore…: what the officer sees when backing up, checking and restoring
on a real store."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop.store import audit
from desktop.store.store import StorePaths, unlock
from desktop.ui.backup_dialog import BackupDialog
from desktop.ui.context import AppContext
from tests.conftest import PASSWORD, SECOND_PASSWORD


def test_back_up_check_and_restore_into_a_new_folder(ui_ctx: AppContext, qtbot: QtBot,
                                                     tmp_path: Path) -> None:
    dialog = BackupDialog(ui_ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.backup_button.isEnabled()  # no folder chosen yet
    drive = tmp_path / "drive"
    dialog.folder.setText(str(drive))
    assert dialog.backup_button.isEnabled() and not dialog.restore_button.isEnabled()

    dialog.backup_button.click()
    assert dialog.status.text().startswith("Backup written and read back")
    assert not dialog.progress.isVisible()
    status = dialog.status
    assert status.height() >= status.heightForWidth(status.width())  # shown whole
    dialog.grab().save("/tmp/backup-dialog.png")

    dialog.verify_button.click()
    assert dialog.status.text().startswith("The backup is intact")

    target = tmp_path / "restored"
    dialog.target.setText(str(target))
    dialog.password.setText(PASSWORD)
    assert dialog.restore_button.isEnabled()
    dialog.restore_button.click()
    assert "was restored into" in dialog.status.text()
    assert dialog.password.text() == ""  # the password does not stay in the dialog
    with unlock(StorePaths(target), "TEST0002", SECOND_PASSWORD) as store:
        assert "backup.restored" in [r.action for r in audit.records(store.conn)]


def test_a_damaged_backup_is_named_and_a_wrong_password_refused(
        ui_ctx: AppContext, qtbot: QtBot, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = BackupDialog(ui_ctx)
    qtbot.addWidget(dialog)
    drive = tmp_path / "drive"
    dialog.folder.setText(str(drive))
    dialog.backup_button.click()
    key_file = next(drive.glob("keys-*.json"))
    key_file.write_bytes(key_file.read_bytes()[:-10])
    dialog.verify_button.click()
    assert "The backup is damaged: 1 of its" in dialog.status.text()
    assert key_file.name in dialog.status.text()

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: shown.append(text))
    dialog.target.setText(str(tmp_path / "restored"))
    dialog.password.setText("Wrong2026password")
    dialog.restore_button.click()
    assert dialog.status.text() == "Not completed."
    assert shown and key_file.name in shown[0]  # the damaged key file is named first
    assert not (tmp_path / "restored" / "store.db").exists()


def test_an_older_backup_is_restored_only_after_the_officer_confirms(
        ui_ctx: AppContext, qtbot: QtBot, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop.domain.model import TurnKind
    from desktop.services import interview

    monkeypatch.setenv("STATEMENT_ROOM_ANCHOR", str(tmp_path / "anchor-mirror.json"))
    store = ui_ctx.require_store()
    dialog = BackupDialog(ui_ctx)
    qtbot.addWidget(dialog)
    dialog.folder.setText(str(tmp_path / "drive"))
    dialog.backup_button.click()
    statement = store.conn.execute("SELECT id FROM statements").fetchone()[0]
    interview.add_turn(store, statement, TurnKind.ANSWER, "备份之后的回答")
    store.sign_tree_head()  # the mirror now names a head the backup does not reach

    asked: list[str] = []
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]

    def question(_parent: object, _title: str, text: str,
                 *_args: object) -> QMessageBox.StandardButton:
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    target = tmp_path / "restored"
    dialog.target.setText(str(target))
    dialog.password.setText(PASSWORD)
    dialog.restore_button.click()  # refused, and the officer says no
    assert len(asked) == 1 and "older than the store" in asked[0]
    assert "older than the store" in dialog.status.text()
    assert not (target / "store.db").exists()
    dialog.restore_button.click()  # this time the officer confirms
    assert "was restored into" in dialog.status.text()
    with unlock(StorePaths(target), "TEST0001", PASSWORD) as restored:
        rows = [r for r in audit.records(restored.conn) if r.action == "backup.restored"]
        assert len(rows) == 1 and '"forced":true' in rows[0].details.replace(" ", "")
