"""The room's evidence in a real browser (Debian's chromium, headless, via Playwright): a
supervisor opens the evidence list from the overview's alert and the nav, a body-worn
recorder's audio item with its GPS track drawn (the SVG path with one point per fix) and its
recording playable (the browser reads its length through the Range-served medium, so the CSP
lets media through), a photo whose docking certificate never came, and an item whose stored
certificate no longer verifies.

Screenshots go to a temporary folder, or to ``docs/screenshots/hq/`` with
``SR_HQ_SCREENSHOTS=docs/screenshots/hq python3 -m pytest tests/hq/test_web_evidence_browser.py``.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import Page

from hq.blobs import FilesystemBlobStore
from hq.keys import load_master_key
from sync.protocol.canonical import canonical_json
from sync.protocol.signing import sign
from tests.hq.client import enrolled
from tests.hq.evidence_support import (
    Item,
    certificate,
    png,
    send_certificate,
    send_context,
    send_item,
    track_custody,
    wav,
)
from tests.hq.test_web_browser import SUPERVISOR, Room, log_in, page
from tests.hq.web_support import add_user, hq_rows
from tests.support.hq_server import start_hq

FIXES = 37

__all__ = ["page"]  # the browser page fixture, shared with test_web_browser


@dataclass
class Evidence:
    room: Room  # the HQ and where screenshots go, as the room's other browser tests have them
    device: str
    audio: Item
    photo: Item
    forged: Item
    shots: Path


def _id() -> str:
    return str(uuid.uuid4())


@pytest.fixture(scope="module")
def evidence(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Evidence]:
    base = tmp_path_factory.mktemp("evidence")
    hq = start_hq(base / "hq")
    try:
        device = enrolled(hq)
        case, statement = _id(), _id()
        send_context(device, case, statement, _id())
        docking_a, docking_b, docking_c = _id(), _id(), _id()
        audio = Item(_id(), wav(6.0), "audio", docking_a,
                     track_custody(base / "recorder", docking_a, FIXES))
        photo = Item(_id(), png(), "photo", docking_b, {"docking": docking_b})
        forged = Item(_id(), wav(1.0), "audio", docking_c, {"docking": docking_c})
        for item in (audio, photo, forged):
            send_item(device, item, case, statement)
        send_certificate(device, certificate(docking_a, case, statement, [audio]))
        send_certificate(device, certificate(docking_c, case, statement, [forged]))
        # The stored certificate of docking C replaced by one another key signed.
        fake = canonical_json(sign(certificate(docking_c, case, statement, [forged]),
                                   Ed25519PrivateKey.generate()).to_json())
        FilesystemBlobStore(hq.data_dir, load_master_key(hq.data_dir)).put(
            hashlib.sha256(fake).hexdigest(), fake)
        db = hq.database()
        try:
            with db.transaction() as conn:
                conn.execute("UPDATE room_dockings SET certificate_sha256 = ? "
                             "WHERE docking = ?", (hashlib.sha256(fake).hexdigest(), docking_c))
        finally:
            db.close()
        add_user(hq, SUPERVISOR[0], "supervisor", SUPERVISOR[1])
        shots = Path(os.environ.get("SR_HQ_SCREENSHOTS") or base / "shots")
        shots.mkdir(parents=True, exist_ok=True)
        yield Evidence(Room(hq, device.id, "", shots), device.id, audio, photo, forged, shots)
    finally:
        hq.stop()
    assert "Traceback" not in hq.log(), hq.log()


def _shot(evidence: Evidence, page: Page, name: str) -> None:
    page.screenshot(path=str(evidence.shots / f"{name}.png"), full_page=True)


def _wait_for(page: Page, expression: str, timeout_s: float = 20.0) -> object:
    deadline = time.monotonic() + timeout_s
    while True:
        value = page.evaluate(expression)
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_a_supervisor_sees_the_track_plays_the_medium_and_the_certificates(
        evidence: Evidence, page: Page) -> None:
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    hq = evidence.room.hq
    log_in(evidence.room.hq.url, page, SUPERVISOR)
    alert = page.locator("table.alerts tr", has_text="证据缺少对接入库证书")
    assert alert.count() == 1 and str(evidence.photo.docking) in alert.inner_text()
    _shot(evidence, page, "evidence-0-overview-alert")

    page.locator("nav a", has_text="证据").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "证据"
    rows = page.locator("table.evidence tbody tr")
    assert rows.count() == 3
    assert "未到" in rows.filter(has_text=evidence.photo.id).inner_text()
    _shot(evidence, page, "evidence-1-list")

    page.locator("a", has_text=evidence.audio.id).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == f"证据 {evidence.audio.id}"
    assert "✓ 签名有效" in page.locator("#certificate-verdict").inner_text()
    assert evidence.audio.id in page.locator("table.certificate tr.this").inner_text()
    assert "2026-12-07 09:29:47" in page.locator("dl.facts").first.inner_text()
    track = page.locator("svg.track")
    assert track.is_visible()
    drawn = page.locator("svg.track path.track").get_attribute("d") or ""
    assert drawn.count("M ") + drawn.count("L ") == FIXES
    assert page.locator("svg.track polyline.segment").count() > 1  # coloured over time
    assert (page.locator("svg.track g.start").text_content() or "").startswith("起 09:29:47")
    assert (page.locator("svg.track g.end").text_content() or "").startswith("终 09:35:47")
    assert page.locator("svg.track g.tick").count() == 4
    track.screenshot(path=str(evidence.shots / "evidence-3-track.png"))
    audio = page.locator("div.medium audio")
    assert audio.count() == 1
    # The browser fetched the medium (by Range) and decoded it: six seconds of recording.
    duration = _wait_for(page, "document.querySelector('div.medium audio').duration")
    assert isinstance(duration, (int, float)) and abs(duration - 6.0) < 0.1
    _shot(evidence, page, "evidence-2-item")

    page.goto(f"{hq.url}/room/evidence/{evidence.photo.id}")
    assert "未收到该次对接的入库证书" in page.locator("#no-certificate").inner_text()
    width = _wait_for(page, "document.querySelector('div.medium img').naturalWidth")
    assert width == 160
    _shot(evidence, page, "evidence-4-no-certificate")

    page.goto(f"{hq.url}/room/evidence/{evidence.forged.id}")
    assert "签名未通过核验" in page.locator("#certificate-verdict").inner_text()
    _shot(evidence, page, "evidence-5-forged-certificate")
    assert refused == []

    # Each item view is in the access log with the item and its device.
    seen = {(r["page"], r["record"]) for r in hq_rows(
        hq, "SELECT page, record FROM web_access_log WHERE user_name = ? AND device = ?",
        (SUPERVISOR[0], evidence.device))}
    for item in (evidence.audio, evidence.photo, evidence.forged):
        assert ("evidence-item", item.id) in seen
    assert ("evidence-media", evidence.audio.id) in seen
