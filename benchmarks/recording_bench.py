"""Benchmark the interview recorder: CPU per second of 720p25 media with overlays, against a
bare PyAV encode of the same frames with the same codec settings (issue 18).

Measured, in one process, rounds interleaved (bare, recorder, recorder, bare, ...) so drift
lands on both:

- anchor: the front camera's frames -> `av.VideoFrame.from_ndarray` -> libvpx-vp9 with the
  recorder's settings (realtime, cpu-used 8, row-mt, no lag, 2 Mbit/s, a keyframe each second)
  -> the same fragmented MP4 muxer, into a sink that counts the bytes;
- the recorder: the same frames pushed into a real `Recorder` with a room camera (inset), a
  subtitle that changes every two seconds, the burned-in clock, 48 kHz sound (Opus), written
  encrypted into a vault folder with a checkpoint (padding + fsync) every second, sealed at
  the end (`stop()`: finish, fsync, rename), the encoding in this process;
- the recorder as the program runs it: the same, with the encoding in its own process
  (`ChildEncoding`, decision 47); its CPU is this process's and the child's together, the
  pictures' trip through the pipe included.

The synthetic frames are drawn before the clock starts (a one-second cycle of the person and of
the room, reused with new times), so neither side pays for drawing them. Reported: CPU seconds
(all threads) and wall seconds per second of media for each, `ratio_cpu` (the encoding with
overlays against the bare encode, target <= 1.3) and `ratio_cpu_child` (the program's way,
both processes), `core_share` of each recorder (CPU time / media time: the share of one core a
live recording takes, aim < 0.5), the bytes per second, and the compositor alone per frame.

    python3 benchmarks/recording_bench.py [--seconds S] [--rounds N] [--smoke]

Prints one JSON object on its last line; `meets_target` is information, the exit code only
says the benchmark ran (and its recordings decoded to the expected length).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from anywhere

import av  # noqa: E402
import numpy  # noqa: E402
from av.video.frame import PictureType  # noqa: E402
from av.video.stream import VideoStream  # noqa: E402

from benchmarks.common import fsync_p50_ms  # noqa: E402
from desktop.recording.child import ChildEncoding  # noqa: E402
from desktop.recording.compose import Compositor  # noqa: E402
from desktop.recording.encoder import MUXER_OPTIONS, VP9_OPTIONS  # noqa: E402
from desktop.recording.media import probe  # noqa: E402
from desktop.recording.session import Recorder  # noqa: E402
from desktop.recording.settings import RecordingSettings  # noqa: E402
from desktop.store.vault_read import decrypt_to  # noqa: E402
from desktop.store.vault_stream import VaultWriter  # noqa: E402
from hardware.camera.frames import AudioChunk, VideoFrame  # noqa: E402
from hardware.camera.synthetic import SyntheticCamera, SyntheticMicrophone  # noqa: E402

TARGET_RATIO = 1.3
TARGET_CORE_SHARE = 0.5
KEY = bytes(range(32))
SUBTITLES = ("问：请说一下你的姓名、年龄和住址。",
             "答：我叫张三，今年四十二岁，住在本市东城区和平里街道。",
             "问：执法人员检查时你在店里吗？当时有哪些人在场？",
             "答：在的，我和店员李四都在，执法人员出示了证件。")


class _Counter:
    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)


def _bare(settings: RecordingSettings, person: list[numpy.ndarray], frames: int) -> int:
    """The anchor: encode the person frames alone, same codec and muxer; bytes produced."""
    sink = _Counter()
    with av.open(sink, mode="w", format="mp4", options=MUXER_OPTIONS) as container:
        stream = container.add_stream(settings.codec, rate=settings.fps,
                                      options=dict(VP9_OPTIONS))
        assert isinstance(stream, VideoStream)
        stream.width, stream.height, stream.pix_fmt = settings.width, settings.height, "yuv420p"
        stream.bit_rate = settings.bitrate
        stream.time_base = stream.codec_context.time_base = Fraction(1, 1000)
        stream.codec_context.gop_size = 2 * settings.fps
        for n in range(frames):
            frame = av.VideoFrame.from_ndarray(person[n % len(person)], format="rgb24")
            frame.pts = n * 1000 // settings.fps
            frame.time_base = Fraction(1, 1000)
            if n % settings.fps == 0:
                frame.pict_type = PictureType.I
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return sink.size


def _recorder(settings: RecordingSettings, person: list[numpy.ndarray],
              room: list[numpy.ndarray], sound: list[numpy.ndarray], frames: int,
              vault: Path, *, child: bool) -> tuple[int, Path, int]:
    """The recorder with every overlay, sound and the vault, encoding here or in its own
    process; (bytes, blob, duration ms)."""
    temp_name = f".rec-{os.getpid()}-bench.sr1"
    vault.mkdir(parents=True, exist_ok=True)
    target = (ChildEncoding.start(vault, KEY, settings, temp_name) if child else
              VaultWriter(vault, KEY, segment_size=settings.segment_size, temp_name=temp_name))
    recorder = Recorder(target, settings, started_at=datetime(2026, 12, 7, 14, 0, 0),
                        on_checkpoint=lambda point, ms: None)
    for n in range(frames):
        at = n / settings.fps
        if n % (2 * settings.fps) == 0:
            recorder.set_subtitle(SUBTITLES[n // (2 * settings.fps) % len(SUBTITLES)])
        recorder.push_front(VideoFrame(person[n % len(person)], at), wait=True)
        recorder.push_room(VideoFrame(room[n % len(room)], at), wait=True)
        recorder.push_audio(AudioChunk(sound[n % len(sound)], settings.audio_rate, at), wait=True)
    stopped = recorder.stop()
    assert stopped.blob is not None, stopped.failure
    return stopped.blob.size, stopped.blob.path, stopped.duration_ms


def _children_cpu() -> float:
    """CPU seconds of the child processes waited for so far (the encoding processes)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _compose_ms(settings: RecordingSettings, person: list[numpy.ndarray],
                room: list[numpy.ndarray]) -> float:
    compositor = Compositor(settings.width, settings.height)
    start = time.process_time()
    for n in range(len(person)):
        compositor.compose(person[n], room[n], datetime(2026, 12, 7, 14, 0, n // settings.fps),
                           SUBTITLES[1])
    return (time.process_time() - start) * 1000 / len(person)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="media per round")
    parser.add_argument("--rounds", type=int, default=4, help="rounds of each (ABBA)")
    parser.add_argument("--smoke", action="store_true", help="2 s, one round of each")
    args = parser.parse_args()
    if args.smoke:
        args.seconds, args.rounds = 2.0, 1
    settings = RecordingSettings()
    fps = settings.fps
    front = SyntheticCamera(width=settings.width, height=settings.height, fps=fps)
    room_camera = SyntheticCamera("room", look="room", width=settings.width,
                                  height=settings.height, fps=fps)
    microphone = SyntheticMicrophone(rate=settings.audio_rate)
    person = [front.frame_at(n / fps).pixels for n in range(fps)]
    room = [room_camera.frame_at(n / fps).pixels for n in range(fps)]
    per_frame = settings.audio_rate // fps
    sound = [microphone.chunk_at(n / fps, per_frame).samples for n in range(fps)]
    frames = round(args.seconds * fps)
    media_s = frames / fps
    kinds = ("bare", "recorder", "recorder_child")
    runs: dict[str, list[tuple[float, float]]] = {kind: [] for kind in kinds}
    sizes: dict[str, int] = {}
    order = ([*kinds, *reversed(kinds)] * args.rounds)[: len(kinds) * args.rounds]
    with tempfile.TemporaryDirectory() as work:
        vault = Path(work) / "vault"
        disk_ms = fsync_p50_ms(Path(work))
        checked: set[str] = set()
        for kind in order:
            cpu_at, wall_at, children = time.process_time(), time.perf_counter(), _children_cpu()
            if kind == "bare":
                sizes[kind] = _bare(settings, person, frames)
            else:
                size, blob, duration_ms = _recorder(settings, person, room, sound, frames,
                                                    vault, child=kind == "recorder_child")
                sizes[kind] = size
            used = time.process_time() - cpu_at + _children_cpu() - children  # the child's too
            runs[kind].append((used / media_s, (time.perf_counter() - wall_at) / media_s))
            if kind != "bare":
                if kind not in checked:  # the recording is real: it decrypts and plays
                    out = io.BytesIO()
                    decrypt_to(blob, KEY, out)
                    info = probe(io.BytesIO(out.getvalue()))
                    assert duration_ms == frames * 1000 // fps, duration_ms
                    assert abs(info.duration_ms - duration_ms) <= 50, info
                    checked.add(kind)
                blob.unlink()
        compose_ms = _compose_ms(settings, person, room)
    cpu = {kind: statistics.median(c for c, _ in runs[kind]) for kind in kinds}
    wall = {kind: statistics.median(w for _, w in runs[kind]) for kind in kinds}
    cpu_bare, cpu_rec, cpu_child = cpu["bare"], cpu["recorder"], cpu["recorder_child"]
    ratio = cpu_rec / cpu_bare
    ratio_child = cpu_child / cpu_bare
    report: dict[str, Any] = {
        "benchmark": "recording",
        "smoke": args.smoke,
        "media_s_per_round": media_s,
        "rounds": args.rounds,
        "picture": f"{settings.width}x{settings.height}@{fps}",
        "codec": settings.codec,
        "cpu_s_per_media_s": {kind: round(value, 4) for kind, value in cpu.items()},
        "wall_s_per_media_s": {kind: round(value, 4) for kind, value in wall.items()},
        "ratio_cpu": round(ratio, 3),
        "ratio_cpu_child": round(ratio_child, 3),
        "ratio_wall": round(wall["recorder"] / wall["bare"], 3),
        "ratio_wall_child": round(wall["recorder_child"] / wall["bare"], 3),
        "core_share": round(cpu_rec, 3),
        "core_share_child": round(cpu_child, 3),
        "compose_ms_per_frame": round(compose_ms, 3),
        "bytes_per_media_s": {k: round(v / media_s) for k, v in sizes.items()},
        "fsync_p50_ms": disk_ms,
        "cpus": os.cpu_count(),
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio <= TARGET_RATIO and cpu_rec < TARGET_CORE_SHARE,
        "meets_target_child": ratio_child <= TARGET_RATIO and cpu_child < TARGET_CORE_SHARE,
    }
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
