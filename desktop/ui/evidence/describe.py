"""Words for evidence on screen: kinds, sizes, sources, and an item's hashes and custody.

Pure functions from store records to translated text, so the panel, the docking summary and
their tests share one wording. Nothing here touches the store or Qt; hashes are shown in
full (officers copy them into forms), and custody fields appear only when the record has them.
"""

from __future__ import annotations

from datetime import datetime
from gettext import gettext as _
from typing import Any

from desktop.store.dockings import Docking
from desktop.store.evidence import EvidenceRecord


def kind_text(kind: str) -> str:
    names = {"video": _("video"), "photo": _("photo"), "audio": _("audio"),
             "document": _("document"), "other": _("other")}
    return names.get(kind, kind)


def size_text(size: int) -> str:
    if size < 1024:
        return _("{count} B").format(count=size)
    if size < 1 << 20:
        return _("{value:.1f} KiB").format(value=size / 1024)
    if size < 1 << 30:
        return _("{value:.1f} MiB").format(value=size / (1 << 20))
    return _("{value:.1f} GiB").format(value=size / (1 << 30))


def time_text(value: datetime | str | None) -> str:
    """A time as the officer reads it: date and time to the second, offset kept if known."""
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        moment = value
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    offset = moment.strftime("%z")
    return f"{text} {offset[:3]}:{offset[3:]}" if offset else text


def source_text(item: EvidenceRecord) -> str:
    if item.source == "bodycam":
        return _("recorder {serial}").format(serial=item.device_serial or "?")
    if item.source == "recorder":  # the statement room's own recording (issue 18)
        return _("interview recording")
    return _("file import")


def offset_text(offset_s: float | None) -> str:
    if offset_s is None:
        return "-"
    return _("{offset:+.1f} s").format(offset=offset_s)


def _gps_lines(gps: dict[str, Any]) -> list[str]:
    track = gps.get("track") or []
    lines = [_("GPS track: {count} points (from {sidecar}, {datum})").format(
        count=gps.get("points", len(track)), sidecar=gps.get("sidecar", "?"),
        datum=gps.get("datum", "WGS-84"))]
    if track:
        first, last = track[0], track[-1]
        lines.append(_("First fix: {time}  {lat}, {lon}").format(
            time=time_text(first[0]), lat=first[1], lon=first[2]))
        lines.append(_("Last fix: {time}  {lat}, {lon}").format(
            time=time_text(last[0]), lat=last[1], lon=last[2]))
    return lines


def item_details(item: EvidenceRecord, docking: Docking | None) -> str:
    """Everything a court asks of one item: what it is, its digests, where it came from."""
    lines = [
        _("Name: {name}").format(name=item.original_name),
        _("Kind: {kind}    Size: {size} ({bytes} bytes)").format(
            kind=kind_text(item.kind), size=size_text(item.size), bytes=item.size),
        _("SHA-256: {digest}").format(digest=item.sha256),
    ]
    if item.sm3:
        lines.append(_("SM3: {digest}").format(digest=item.sm3))
    lines.append(_("Imported at: {time}").format(time=time_text(item.imported_at)))
    if item.captured_at:
        lines.append(_("Recorded at (device clock): {time}").format(
            time=time_text(item.captured_at)))
    if item.marked:
        lines.append(_("Marked important on the recorder"))
    lines.append("")
    lines.append(_("Custody"))
    custody = item.custody_details
    if item.source == "recorder":
        lines.append(_("Recorded in the statement room: recording {id}").format(
            id=custody.get("recording", "?")))
    elif item.source != "bodycam":
        lines.append(_("Imported from a file: {path}").format(path=item.original_path))
    if item.device_serial:
        lines.append(_("Device serial: {serial}").format(serial=item.device_serial))
    if item.officer_number:
        lines.append(_("Officer number: {number}").format(number=item.officer_number))
    if item.device_path:
        lines.append(_("Device path: {path}").format(path=item.device_path))
    if item.device_mtime:
        lines.append(_("Device time: {time}").format(time=time_text(item.device_mtime)))
    if "clock_offset_ms" in custody:
        lines.append(_("Clock offset: {offset}").format(
            offset=offset_text(int(custody["clock_offset_ms"]) / 1000)))
    if custody.get("start_utc_corrected"):
        lines.append(_("Corrected start time (UTC): {time}").format(
            time=time_text(custody["start_utc_corrected"])))
    if isinstance(custody.get("gps"), dict):
        lines.extend(_gps_lines(custody["gps"]))
    if item.docking_id:
        lines.append(_("Docking: {id}").format(id=item.docking_id))
    if docking is not None and docking.certificate_sha256:
        lines.append(_("Ingest certificate SHA-256: {digest}").format(
            digest=docking.certificate_sha256))
    return "\n".join(lines)
