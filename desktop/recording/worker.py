"""The encoding process of a recording: ``python -m desktop.recording.worker`` (decision 47).

Started by `ChildEncoding` (child.py) with its standard input and output as the channel
(wire.py). The first message opens the vault writer (the vault key comes through the pipe,
never the command line or the environment); then every item the recorder sends is handed to
an `Encoding`, in order, and its checkpoints, progress, a small preview picture about ten
times a second, and a failure go back. "finish" seals the recording and ends the process;
"abort" removes the temporary file. When the parent goes away (its end of the pipe closes)
the writer is abandoned where it is: the temporary file and its checkpoints stay for the
salvage at the next login.

Standard output is the channel: anything else printed (FFmpeg's log) goes to standard error.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from desktop.hardening import forbid_core_dumps
from desktop.recording.encoding import (
    Encoding,
    FrontItem,
    Item,
    RoomItem,
    SoundItem,
    SubtitleItem,
)
from desktop.recording.settings import RecordingSettings
from desktop.recording.wire import Channel, ChannelClosed, picture_of, samples_of
from desktop.store.vault_stream import Checkpoint, VaultWriter
from hardware.camera.frames import VideoFrame

PREVIEW_WIDTH = 640  # the preview picture sent back is at most about this wide
PREVIEW_EVERY_S = 0.1
# Below the window's priority: the encoder needs well under a core and keeps up either way,
# but when both cores are busy the officer's typing goes first.
NICENESS = 5

_log = logging.getLogger(__name__)


def _item(header: tuple[object, ...], raw: bytearray | memoryview) -> Item | None:
    """The item a message carries. `raw` is the channel's reused buffer: a front picture is
    composed (copied) before the next message; what is kept longer is copied here."""
    kind = header[0]
    if kind == "front":
        _, shape, at, media_ms, wall = header
        return FrontItem(VideoFrame(picture_of(raw, shape), at), media_ms, wall)  # type: ignore[arg-type]
    if kind == "room":  # kept as the inset until the next one
        _, shape, at = header
        return RoomItem(VideoFrame(picture_of(raw, shape).copy(), at))  # type: ignore[arg-type]
    if kind == "sound":
        return SoundItem(samples_of(raw).copy(), header[1])  # type: ignore[arg-type]
    if kind == "subtitle":
        return SubtitleItem(str(header[1]))
    return None


def _open(channel_in: Channel, channel_out: Channel) -> Encoding | None:
    received = channel_in.receive()
    if received is None or received[0][0] != "open":
        return None
    _, vault_dir, key, settings, temp_name, language = received[0]
    from desktop.i18n import set_language
    set_language(str(language))
    assert isinstance(settings, RecordingSettings)
    try:
        writer = VaultWriter(Path(str(vault_dir)), bytes(key),
                             segment_size=settings.segment_size, temp_name=str(temp_name))
        encoding = Encoding(writer, settings)
    except Exception as exc:
        from desktop.domain.errors import UserError
        from desktop.i18n import os_error_text
        message = (exc.message if isinstance(exc, UserError) else
                   os_error_text(exc) if isinstance(exc, OSError) else str(exc))
        channel_out.send(("error", message))
        return None

    def checkpointed(point: Checkpoint, media_ms: int) -> None:
        channel_out.send(("checkpoint", point.offset, point.sha256, media_ms))

    encoding.connect(checkpointed, lambda message: channel_out.send(("failure", message)))
    channel_out.send(("ready",))
    return encoding


def serve(channel_in: Channel, channel_out: Channel) -> int:
    encoding = _open(channel_in, channel_out)
    if encoding is None:
        return 1
    preview_at = 0.0
    try:
        while (received := channel_in.receive(reuse=True)) is not None:
            header, raw = received
            kind = header[0]
            item = _item(header, raw)
            if item is not None:
                encoding.handle(item)
                if isinstance(item, FrontItem) and encoding.failure is None:
                    channel_out.send(("progress", item.media_ms, encoding.bytes_written))
                    now = time.monotonic()
                    picture = encoding.latest_picture()
                    if picture is not None and now - preview_at >= PREVIEW_EVERY_S:
                        preview_at = now
                        step = max(1, picture.shape[1] // PREVIEW_WIDTH)
                        small = picture[::step, ::step]
                        channel_out.send(("picture", small.shape), small)
            elif kind == "sync":
                channel_out.send(("synced", header[1]))
            elif kind == "finish":
                channel_out.send(("stopped", encoding.finish()))
                return 0
            elif kind == "abort":
                encoding.abort()
                channel_out.send(("aborted",))
                return 0
    except ChannelClosed:
        pass
    encoding.abandon()  # the recorder is gone: keep what is written for the salvage
    return 0


def main() -> int:
    channel_in = Channel(os.fdopen(0, "rb", buffering=0))
    channel_out = Channel(os.fdopen(os.dup(1), "wb", buffering=0))
    os.dup2(2, 1)  # stray output must never enter the channel
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # It holds the vault key and the interview's pictures: a crash must not write them to a
    # core file (the window's process forbids its own the same way).
    forbid_core_dumps()
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    try:
        return serve(channel_in, channel_out)
    except ChannelClosed:
        return 0


if __name__ == "__main__":
    sys.exit(main())
