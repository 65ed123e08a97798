"""Common questions from HQ's templates dataset in the interview workspace: listed after the
unit's own (whose Ctrl+1..9 keep their place), marked as HQ's, and inserted like any other;
a templates dataset that cannot be read is said in words in the list and cannot be inserted.
Real store, datasets accepted through `desktop.services.refdata` under a signed manifest."""

from __future__ import annotations

import hashlib
import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.services import refdata
from desktop.ui.context import AppContext
from desktop.ui.interview.phrases import load_phrases
from sync.protocol.refdata import DatasetVersion, RefManifest
from sync.protocol.signing import sign
from tests.conftest import World
from tests.ui.conftest import store_of
from tests.ui.interview.test_workspace import type_turn, workspace

HQ_KEY = Ed25519PrivateKey.generate()
NOTICE = "根据《中华人民共和国行政处罚法》的规定，你有陈述和申辩的权利，你是否明白？"


def send_templates(ctx: AppContext, data: bytes) -> None:
    dataset = DatasetVersion(1, hashlib.sha256(data).hexdigest(), len(data))
    signed = sign(RefManifest(hq="hq-test", issued_ms=1, expires_ms=2,
                              datasets={"templates": dataset}), HQ_KEY)
    refdata.accept(store_of(ctx), signed.to_json(), pinned_key=HQ_KEY.public_key(),
                   hq_id="hq-test", fetch=lambda name, version: data)


def test_hqs_common_questions_follow_the_units_and_insert_like_them(
        qtbot: QtBot, ui_ctx: AppContext, world: World) -> None:
    send_templates(ui_ctx, json.dumps({"phrases": [{"label": "陈述申辩告知",
                                                    "text": NOTICE}]}).encode())
    ws = workspace(qtbot, ui_ctx, world, world.statement.id)
    own = len(load_phrases())
    assert ws.phrase_list.count() == own + 1
    assert ws.phrase_list.item(0).text().startswith("Ctrl+1")
    sent = ws.phrase_list.item(own)
    assert sent.text() == "陈述申辩告知 (HQ)" and sent.toolTip() == NOTICE
    ws.turns.focus(len(ws.turns.rows) - 1)
    type_turn(qtbot, ws, "不申请")
    ws.phrase_list.itemActivated.emit(sent)
    assert ws.turns.rows[-1].text() == NOTICE
    assert not ws.message.isVisible()


def test_an_unreadable_templates_dataset_is_said_and_the_units_phrases_stay(
        qtbot: QtBot, ui_ctx: AppContext, world: World) -> None:
    send_templates(ui_ctx, b'{"phrases": [{"label": "no text"}]}')
    ws = workspace(qtbot, ui_ctx, world, world.statement.id)
    own = len(load_phrases())
    assert ws.phrase_list.count() == own + 1
    notice = ws.phrase_list.item(own)
    assert notice.text().startswith("HQ's common questions (templates version 1) cannot be "
                                    "read")
    assert not notice.flags() & Qt.ItemFlag.ItemIsEnabled  # cannot be inserted
