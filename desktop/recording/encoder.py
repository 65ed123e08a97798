"""Encoding the recording: PyAV, fragmented MP4 with VP9 picture and Opus sound (decision 43),
written straight into the vault through a file-like object of ours (never a plaintext file).

Fragmented MP4 (``frag_keyframe+empty_moov+default_base_moof``) keeps the file playable up to
its last complete fragment after a crash; a keyframe every second of media starts a fragment
every second; ``flush_packets=1`` makes the muxer hand each fragment to us as soon as it is
complete (without it nothing but the header left the muxer before close). ``skip_trailer``
leaves out the ``mfra`` index at the end: its absolute offsets would not count the padding
below, and a finished recording then has the same shape as a salvaged one.

Durability: a checkpoint must cover a whole number of vault segments. When a fragment is out
(the muxer's output is then at a top-level box boundary, which `_BoxScanner` confirms) and
about `checkpoint_s` of media passed since the last checkpoint, the stream is padded with an MP4
``free`` box (which every reader skips) up to the next segment boundary, and the sink is asked
for a checkpoint. Each checkpoint is reported with the media time its prefix holds: the end of
its last fragment, i.e. the time of the keyframe that started the next one.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from fractions import Fraction
from typing import Any, Protocol

import av
import numpy
from av.audio.stream import AudioStream
from av.video.frame import PictureType
from av.video.stream import VideoStream

from desktop.recording.settings import RecordingSettings
from desktop.store.vault_stream import Checkpoint

MUXER_OPTIONS = {
    "movflags": "frag_keyframe+empty_moov+default_base_moof+skip_trailer",
    "flush_packets": "1",
    # Keep the picture's times as given: by default the muxer shifted every stream by Opus's
    # encoder delay (6.5 ms), which moved every frame but the first off the media clock.
    "avoid_negative_ts": "make_non_negative",
}
VP9_OPTIONS = {"deadline": "realtime", "cpu-used": "8", "row-mt": "1", "lag-in-frames": "0"}
AUDIO_CODEC = "libopus"
MS = Fraction(1, 1000)
FREE_BOX_MIN = 8  # size (4) + type (4)


class RecordingSink(Protocol):
    """Where the encoded bytes go: a `VaultWriter` in production (write + checkpoint)."""

    def write(self, chunk: bytes | bytearray | memoryview) -> None: ...

    def checkpoint(self) -> Checkpoint: ...


def free_box(size: int) -> bytes:
    """An MP4 ``free`` box of exactly `size` bytes (at least 8)."""
    if size < FREE_BOX_MIN:
        raise ValueError("a free box is at least 8 bytes")
    return struct.pack(">I4s", size, b"free") + bytes(size - FREE_BOX_MIN)


def padding_for(position: int, segment_size: int) -> int:
    """Bytes of ``free`` box that bring `position` to a segment boundary (0, or 8 or more)."""
    gap = -position % segment_size
    if 0 < gap < FREE_BOX_MIN:
        gap += segment_size
    return gap


class _BoxScanner:
    """Follows the top-level MP4 boxes in the byte stream: where they end, how many moofs."""

    def __init__(self) -> None:
        self._left = 0  # bytes of the current box still to come
        self._header = bytearray()  # a box header split across writes
        self.fragments = 0

    @property
    def at_boundary(self) -> bool:
        return self._left == 0 and not self._header

    def feed(self, data: memoryview) -> None:
        while data:
            if self._left:
                take = min(self._left, len(data))
                self._left -= take
                data = data[take:]
                continue
            need = 16 if len(self._header) >= 8 and self._header[:4] == b"\0\0\0\1" else 8
            take = min(need - len(self._header), len(data))
            self._header += data[:take]
            data = data[take:]
            if len(self._header) < need:
                continue
            size, kind = struct.unpack(">I4s", self._header[:8])
            if size == 1 and need == 8:
                continue  # a 64-bit size follows
            if size == 1:
                size = struct.unpack(">Q", self._header[8:16])[0]
            if size < len(self._header):
                raise ValueError("malformed MP4 box in the encoder's output")
            if kind == b"moof":
                self.fragments += 1
            self._left = size - len(self._header)
            self._header.clear()


class _MuxOutput:
    """The file-like object PyAV writes into: bytes go straight to the sink.

    Not seekable on purpose (the fragmented muxer never needs to seek, and our padding between
    fragments would make its idea of positions wrong). After the sink failed, further writes
    are dropped so that the muxer can still be closed; `failure` keeps the first error.
    """

    def __init__(self, sink: RecordingSink) -> None:
        self._sink = sink
        self.scanner = _BoxScanner()
        self.position = 0  # bytes handed to the sink, padding included
        self.failure: BaseException | None = None

    def write(self, data: bytes | bytearray | memoryview) -> int:
        view = memoryview(data).cast("B")
        if self.failure is not None:
            return len(view)
        try:
            self._sink.write(view)
        except BaseException as exc:
            self.failure = exc
            raise
        self.scanner.feed(view)
        self.position += len(view)
        return len(view)

    def pad(self, size: int) -> None:
        if size:
            self._sink.write(free_box(size))
            self.position += size

    def flush(self) -> None:
        return None


class FragmentedMp4Encoder:
    """Encodes composed pictures and int16 sound into the sink; checkpoints about once a second.

    Called from one thread (the one handling the recorder's items). Video times are media
    milliseconds; audio times are sample counts. `on_checkpoint(checkpoint, media_ms)` is
    called after each durable checkpoint.
    """

    def __init__(self, sink: RecordingSink, settings: RecordingSettings,
                 on_checkpoint: Callable[[Checkpoint, int], None]) -> None:
        self._settings = settings
        self._on_checkpoint = on_checkpoint
        self._output = _MuxOutput(sink)
        self._sink = sink
        self._container = av.open(self._output, mode="w", format="mp4", options=MUXER_OPTIONS)
        video = self._container.add_stream(settings.codec, rate=settings.fps,
                                           options=dict(VP9_OPTIONS))
        assert isinstance(video, VideoStream)
        video.width = settings.width
        video.height = settings.height
        video.pix_fmt = "yuv420p"
        video.bit_rate = settings.bitrate
        video.time_base = MS
        video.codec_context.time_base = MS
        # Keyframes are forced at every second of media (`encode_video`); this is only the
        # ceiling for a camera that delivers fewer frames than it promised.
        video.codec_context.gop_size = 2 * settings.fps
        self._video = video
        audio = self._container.add_stream(AUDIO_CODEC, rate=settings.audio_rate, layout="mono")
        assert isinstance(audio, AudioStream)
        audio.time_base = Fraction(1, settings.audio_rate)
        self._audio = audio
        self._keyframes_ms: list[int] = []  # pts of the video keyframe packets, in order
        self._last_checkpoint_ms = 0
        self._last_video_ms = -1
        self.last_checkpoint: Checkpoint | None = None
        self.closed = False

    @property
    def bytes_written(self) -> int:
        return self._output.position

    @property
    def sink_failure(self) -> BaseException | None:
        """The sink's first error (disk full ...), if the vault refused a write."""
        return self._output.failure

    def encode_video(self, picture: numpy.ndarray, media_ms: int, keyframe: bool) -> None:
        if media_ms <= self._last_video_ms:
            raise ValueError("video times must increase")
        self._last_video_ms = media_ms
        frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
        frame.pts = media_ms
        frame.time_base = MS
        if keyframe:
            frame.pict_type = PictureType.I
        for packet in self._video.encode(frame):
            self._mux(packet)

    def encode_audio(self, samples: numpy.ndarray, first_sample: int) -> None:
        """Mono int16 samples, shape (n, 1) or (n,), starting at sample `first_sample`."""
        if not len(samples):
            return
        planar = numpy.ascontiguousarray(samples.reshape(1, -1), dtype=numpy.int16)
        frame = av.AudioFrame.from_ndarray(planar, format="s16", layout="mono")
        frame.sample_rate = self._settings.audio_rate
        frame.pts = first_sample
        frame.time_base = self._audio.time_base
        for packet in self._audio.encode(frame):
            self._mux(packet)

    def _mux(self, packet: av.Packet[Any]) -> None:
        if packet.stream is self._video and packet.is_keyframe and packet.pts is not None:
            self._keyframes_ms.append(int(packet.pts))
        self._container.mux(packet)
        self._maybe_checkpoint()

    def _fragment_end_ms(self) -> int | None:
        """Media time at the end of the last fragment out (fragment k ends at keyframe k)."""
        count = self._output.scanner.fragments
        return self._keyframes_ms[count] if 0 < count < len(self._keyframes_ms) else None

    def _maybe_checkpoint(self) -> None:
        if not self._output.scanner.at_boundary:
            return
        end = self._fragment_end_ms()
        due = 750 * self._settings.checkpoint_s  # a fragment a little early still counts
        if end is not None and end - self._last_checkpoint_ms >= due:
            self.checkpoint(end)

    def checkpoint(self, media_ms: int) -> Checkpoint:
        """Pad to a segment boundary, make the prefix durable, report it."""
        self._output.pad(padding_for(self._output.position, self._settings.segment_size))
        point = self._sink.checkpoint()
        if point.offset != self._output.position:
            raise RuntimeError("checkpoint does not cover the padded stream")
        self._last_checkpoint_ms = media_ms
        self.last_checkpoint = point
        self._on_checkpoint(point, media_ms)
        return point

    def fail(self, error: BaseException) -> None:
        """Stop sending bytes to the sink (it failed, or the recorder gave up on it)."""
        if self._output.failure is None:
            self._output.failure = error

    def close(self) -> None:
        """Flush the encoders and the muxer's last fragment (no checkpoint: `finish` seals)."""
        if self.closed:
            return
        self.closed = True
        try:
            if self._output.failure is None:
                for packet in self._video.encode(None):
                    self._container.mux(packet)
                for packet in self._audio.encode(None):
                    self._container.mux(packet)
        finally:
            self._container.close()
