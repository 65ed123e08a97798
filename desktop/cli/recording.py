"""The `recording` subcommand of `statement-room`: a statement's audio and video recording.

    statement-room recording show STATEMENT [--json]
    statement-room recording chapters RECORDING [--json]
    statement-room recording export RECORDING PATH [--force] [--json]
    statement-room recording waive STATEMENT --reason TEXT [--json]

`show` lists the statement's recordings (identifier, state, duration, SHA-256, pauses with
their reasons, an interruption) and the waiver, if any; `chapters` the turns at their moments
in a recording; `export` writes the recording's media as an MP4 file (the officer's plaintext
copy, checked against its SHA-256; audited); `waive` records why the statement is taken
without a recording (e.g. a device failure), which the signed statement prints. Recording
itself happens in the window (the camera and microphone) and in `statement-room demo`.
"""

from __future__ import annotations

import argparse
from gettext import gettext as _
from pathlib import Path
from typing import Any

from desktop.cli.common import Subparsers, add_json, command, group, login_from_args, print_json


def _clock(ms: int | None) -> str:
    seconds = max(0, ms or 0) // 1000
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _state_text(state: str, interruption: str | None) -> str:
    if state == "recording":
        return _("recording")
    if state == "finished":
        return _("finished")
    reasons = {"crash": _("the program stopped while recording"),
               "disk_full": _("the disk was full"),
               "device": _("a device failed")}
    return _("interrupted ({reason})").format(reason=reasons.get(interruption or "", "?"))


def cmd_show(args: argparse.Namespace) -> int:
    from desktop.store import recordings

    with login_from_args(args) as store:
        found = recordings.for_statement(store.conn, args.statement)
        rows: list[dict[str, Any]] = []
        for r in found:
            rows.append({
                "id": r.id, "state": r.state.value,
                "interruption": None if r.interruption is None else r.interruption.value,
                "started_at": r.started_at.isoformat(),
                "ended_at": None if r.ended_at is None else r.ended_at.isoformat(),
                "duration_ms": r.duration_ms, "sha256": r.sha256, "size": r.size,
                "codec": r.codec, "width": r.width, "height": r.height, "fps": r.fps,
                "evidence_item": r.evidence_item_id,
                "pauses": [{"seq": p.seq, "media_ms": p.media_ms,
                            "started_at": p.started_at.isoformat(),
                            "ended_at": None if p.ended_at is None else p.ended_at.isoformat(),
                            "reason": p.reason} for p in recordings.pauses(store.conn, r.id)],
                "turns_marked": len(recordings.marks(store.conn, r.id)),
            })
        waiver = recordings.waiver(store.conn, args.statement)
    waived = None if waiver is None else {"reason": waiver.reason, "officer": waiver.officer_id,
                                          "at": waiver.at.isoformat()}
    if args.json:
        print_json({"statement": args.statement, "recordings": rows, "waiver": waived})
        return 0
    if not rows:
        print(_("The statement has no recording."))
    for row in rows:
        print(_("Recording {id}: {state}, {duration}, SHA-256 {sha256}").format(
            id=row["id"], state=_state_text(row["state"], row["interruption"]),
            duration=_clock(row["duration_ms"]), sha256=row["sha256"] or "-"))
        for pause in row["pauses"]:
            print(_("  paused at {at}: {reason}").format(at=_clock(pause["media_ms"]),
                                                       reason=pause["reason"]))
    if waived is not None:
        print(_("Recorded without: {reason}").format(reason=waived["reason"]))
    return 0


def cmd_chapters(args: argparse.Namespace) -> int:
    from desktop.services.recording import chapters
    from desktop.ui.labels import turn_label

    with login_from_args(args) as store:
        found = chapters(store, args.recording)
    if args.json:
        print_json({"recording": args.recording, "chapters": [
            {"turn": c.turn_id, "seq": c.seq, "kind": c.kind.value, "text": c.text,
             "media_ms": c.media_ms} for c in found]})
        return 0
    for chapter in found:
        print(f"{_clock(chapter.media_ms)}  {chapter.seq:>3}  {turn_label(chapter.kind)}: "
              f"{chapter.text}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from desktop.cli.common import refusing_overwrite
    from desktop.services.recording import export
    from desktop.store import recordings

    with login_from_args(args) as store, refusing_overwrite():
        path = export(store, args.recording, Path(args.path), force=args.force)
        recording = recordings.get(store.conn, args.recording)
    if args.json:
        print_json({"ok": True, "path": str(path), "sha256": recording.sha256,
                    "size": recording.size, "duration_ms": recording.duration_ms})
    else:
        print(_("Recording written to {path} ({size} bytes, SHA-256 {sha256}).").format(
            path=path, size=recording.size, sha256=recording.sha256))
    return 0


def cmd_waive(args: argparse.Namespace) -> int:
    from desktop.services.recording_rule import record_without

    with login_from_args(args) as store:
        waiver = record_without(store, args.statement, args.reason)
    if args.json:
        print_json({"ok": True, "statement": args.statement, "reason": waiver.reason,
                    "at": waiver.at.isoformat()})
    else:
        print(_("Recorded: the statement is taken without a recording ({reason}).").format(
            reason=waiver.reason))
    return 0


def register(sub: Subparsers) -> None:
    """Add `recording show|chapters|export|waive`."""
    recording = group(sub, "recording", _("the audio and video recording of an interview"),
                      "recording_command", metavar="ACTION")
    show = command(recording, "show", cmd_show,
                   _("a statement's recordings, their pauses and any waiver"), login=True)
    show.add_argument("statement", metavar="STATEMENT", help=_("the statement"))
    add_json(show)
    chapters = command(recording, "chapters", cmd_chapters,
                       _("the turns of the statement at their moments in a recording"),
                       login=True)
    chapters.add_argument("recording", metavar="RECORDING", help=_("the recording"))
    add_json(chapters)
    export = command(recording, "export", cmd_export,
                     _("write a recording's media to an MP4 file"), login=True)
    export.add_argument("recording", metavar="RECORDING", help=_("the recording"))
    export.add_argument("path", metavar="PATH", help=_("the file to write (.mp4)"))
    export.add_argument("--force", action="store_true",
                        help=_("replace the file if it exists"))
    add_json(export)
    waive = command(recording, "waive", cmd_waive,
                    _("record why a statement is taken without a recording"), login=True)
    waive.add_argument("statement", metavar="STATEMENT", help=_("the statement"))
    waive.add_argument("--reason", required=True,
                       help=_("why, e.g. the camera failed (printed on the statement)"))
    add_json(waive)
