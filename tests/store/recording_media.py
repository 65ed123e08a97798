"""Real recordings for the store's tests: a short fragmented MP4 (VP9, one fragment a second)
encoded by PyAV into memory, laid out the way the recorder writes it (decision 44): after
each fragment a ``free`` box pads the stream to the next vault segment, where a checkpoint
is taken; and a crashed `VaultWriter` whose process was killed after some whole segments.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import av
import numpy

from desktop.domain.ids import new_id
from desktop.store.vault_stream import VaultWriter

FPS = 10


def fragmented_mp4(seconds: int, *, width: int = 64, height: int = 48) -> bytes:
    """`seconds` of a moving bar, VP9 in fragmented MP4 with a keyframe (and so a fragment)
    every second, encoded in memory only."""
    buffer = io.BytesIO()
    out = av.open(buffer, mode="w", format="mp4",
                  options={"movflags": "frag_keyframe+empty_moov+default_base_moof"})
    stream = out.add_stream("libvpx-vp9", rate=FPS)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.options = {"deadline": "realtime", "cpu-used": "8", "g": str(FPS)}
    for index in range(seconds * FPS):
        pixels = numpy.zeros((height, width, 3), numpy.uint8)
        pixels[:, (index * 3) % width] = 255
        for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)
    out.close()
    return buffer.getvalue()


def boxes(data: bytes) -> list[tuple[bytes, bytes]]:
    """The top-level MP4 boxes: (type, bytes)."""
    found = []
    at = 0
    while at < len(data):
        size = struct.unpack(">I", data[at:at + 4])[0]
        found.append((data[at + 4:at + 8], data[at:at + size]))
        at += size
    return found


def free_box(size: int) -> bytes:
    return struct.pack(">I", size) + b"free" + bytes(size - 8)


@dataclass(frozen=True)
class Laid:
    """A recording as the recorder writes it: the bytes, and (offset, SHA-256 of the prefix,
    frames so far) at each checkpoint."""

    data: bytes
    checkpoints: list[tuple[int, str, int]]


def laid_out(mp4: bytes, segment_size: int) -> Laid:
    """The fragments of `mp4`, each followed by a ``free`` box up to the next segment boundary
    (a checkpoint there), as the recorder's encoder pads them."""
    out = bytearray()
    checkpoints: list[tuple[int, str, int]] = []
    frames = 0
    for kind, box in boxes(mp4):
        out += box
        if kind == b"mdat":
            frames += FPS
            gap = -len(out) % segment_size
            if 0 < gap < 8:  # a box is at least 8 bytes: pad on to the boundary after
                gap += segment_size
            if gap:
                out += free_box(gap)
            checkpoints.append((len(out), hashlib.sha256(out).hexdigest(), frames))
    return Laid(bytes(out), checkpoints)


def crashed(vault: Path, master_key: bytes, data: bytes, segment_size: int) -> Path:
    """A recording's vault file as a SIGKILL leaves it: `data` pushed into a `VaultWriter`,
    every segment the writer had dispatched written, the rest (its pending segments) lost,
    no final segment; under a ``.rec-`` name. The writer's internals are reached here only
    to stop it the way a kill would, after its stage threads wrote what they were given."""
    writer = VaultWriter(vault, master_key, segment_size=segment_size)
    writer.write(data)
    writer._stop_stages()
    assert writer._fd is not None
    os.close(writer._fd)
    writer._fd = None
    writer._closed = True
    path = vault / f".rec-{os.getpid()}-{new_id()}.sr1"
    os.replace(writer._tmp, path)
    return path


def decoded_frames(data: bytes) -> int:
    with av.open(io.BytesIO(data), mode="r") as container:
        return sum(1 for _frame in container.decode(video=0))
