"""Media vault blobs: round trips, tamper detection with clear messages, dedup, memory."""

from __future__ import annotations

import hashlib
import io
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.domain.errors import UserError
from desktop.store.vault_format import (
    PREAMBLE_SIZE,
    TAG_SIZE,
    VaultIntegrityError,
    blob_name,
    blob_size,
)
from desktop.store.vault_read import decrypt_to, verify_blob
from desktop.store.vault_stream import encrypt_file
from desktop.store.vault_temporaries import sweep_temporaries

MIB = 1 << 20
KEY = bytes(range(32))
STRIDE = MIB + TAG_SIZE


def _data(size: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(size)


def _roundtrip(blob: Path, key: bytes = KEY) -> tuple[bytes, str]:
    out = io.BytesIO()
    digest = decrypt_to(blob, key, out)
    return out.getvalue(), digest


@pytest.mark.parametrize("size", [0, 1, MIB - 1, MIB, MIB + 1, 5 * MIB + MIB // 2])
def test_round_trip_from_path_and_stream(tmp_path: Path, size: int) -> None:
    data = _data(size, seed=size)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    blob = encrypt_file(src, tmp_path / "vault", KEY)
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert blob.size == size
    assert blob.sm3 is None
    assert blob.path.name == blob_name(KEY, blob.sha256)  # keyed: never the plain SHA-256
    assert blob.path.stat().st_size == blob_size(size)
    assert _roundtrip(blob.path) == (data, blob.sha256)
    verify_blob(blob.path, KEY, blob.sha256)
    # A stream of unknown length (no length in the header) round-trips too.
    other = encrypt_file(io.BytesIO(data), tmp_path / "vault2", KEY)
    assert other.sha256 == blob.sha256
    assert _roundtrip(other.path) == (data, blob.sha256)


class _Trickle(io.RawIOBase):
    """A pipe-like source: short reads of at most 1000 bytes."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(min(len(buffer), 1000))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_short_reads_are_filled(tmp_path: Path) -> None:
    data = _data(2 * MIB + 5)
    blob = encrypt_file(_Trickle(data), tmp_path, KEY)  # type: ignore[arg-type]
    assert _roundtrip(blob.path)[0] == data


def test_no_plaintext_in_blob(tmp_path: Path) -> None:
    marker = b"STATEMENT-ROOM-PLAINTEXT-MARKER-" + bytes(range(32))
    assert len(marker) == 64
    data = marker * (3 * MIB // 64)
    blob = encrypt_file(io.BytesIO(data), tmp_path, KEY)
    raw = blob.path.read_bytes()
    assert marker not in raw
    assert marker[:16] not in raw


def test_progress_reports_bytes(tmp_path: Path) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(_data(2 * MIB + 3))
    seen: list[tuple[int, int | None]] = []
    encrypt_file(src, tmp_path / "v", KEY, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (2 * MIB + 3, 2 * MIB + 3)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_dedup_same_content_one_file(tmp_path: Path) -> None:
    data = _data(MIB + 7)
    vault = tmp_path / "vault"
    first = encrypt_file(io.BytesIO(data), vault, KEY)
    second = encrypt_file(io.BytesIO(data), vault, KEY)
    assert first.path == second.path
    assert sorted(p.name for p in vault.iterdir()) == [first.path.name]
    assert _roundtrip(first.path)[0] == data


def test_sha256_and_sm3(tmp_path: Path) -> None:
    data = _data(3 * MIB + 11)
    blob = encrypt_file(io.BytesIO(data), tmp_path, KEY, sm3=True)
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    assert blob.sm3 == h.finalize().hex()


def test_verify_blob_rejects_other_hash(tmp_path: Path) -> None:
    blob = encrypt_file(io.BytesIO(b"abc"), tmp_path, KEY)
    verify_blob(blob.path, KEY, blob.sha256.upper())
    with pytest.raises(VaultIntegrityError, match="does not match"):
        verify_blob(blob.path, KEY, hashlib.sha256(b"abd").hexdigest())


# --- tampering -------------------------------------------------------------------------------

SIZE = 5 * MIB + MIB // 2  # six segments, the last one half full


@pytest.fixture(params=["path", "stream"])
def stored(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A 5.5 MiB blob, with the plaintext length in its header ("path") or not ("stream")."""
    data = _data(SIZE, seed=7)
    if request.param == "path":
        src = tmp_path / "src.bin"
        src.write_bytes(data)
        return encrypt_file(src, tmp_path / "vault", KEY).path
    return encrypt_file(io.BytesIO(data), tmp_path / "vault", KEY).path


def _mutate(path: Path, fn: Callable[[bytearray], bytearray]) -> None:
    path.write_bytes(bytes(fn(bytearray(path.read_bytes()))))


def _flip(offset: int) -> Callable[[bytearray], bytearray]:
    def go(raw: bytearray) -> bytearray:
        raw[offset] ^= 0x01
        return raw

    return go


def _expect(path: Path, pattern: str, key: bytes = KEY) -> str:
    with pytest.raises(VaultIntegrityError, match=pattern) as info:
        decrypt_to(path, key, io.BytesIO())
    with pytest.raises(VaultIntegrityError):
        verify_blob(path, key, "0" * 64)
    assert isinstance(info.value, UserError)
    assert path.name in info.value.message
    return info.value.message


def test_untampered_fixture_is_fine(stored: Path) -> None:
    assert _roundtrip(stored)[0] == _data(SIZE, seed=7)


def test_flipped_magic(stored: Path) -> None:
    _mutate(stored, _flip(0))
    _expect(stored, "not a vault blob")


def test_flipped_header_field(stored: Path) -> None:
    _mutate(stored, _flip(40))  # inside the salt
    _expect(stored, "header failed authentication")


def test_flipped_header_tag(stored: Path) -> None:
    _mutate(stored, _flip(PREAMBLE_SIZE - 1))
    _expect(stored, "header failed authentication")


def test_flipped_middle_byte(stored: Path) -> None:
    _mutate(stored, _flip(PREAMBLE_SIZE + 2 * STRIDE + 1234))
    _expect(stored, r"segment 2 failed authentication \(damaged\)")


def test_flipped_tag(stored: Path) -> None:
    _mutate(stored, _flip(PREAMBLE_SIZE + 4 * STRIDE - 1))  # last tag byte of segment 3
    _expect(stored, r"segment 3 failed authentication \(damaged\)")


def test_flipped_final_segment(stored: Path) -> None:
    _mutate(stored, _flip(PREAMBLE_SIZE + 5 * STRIDE + 10))
    _expect(stored, "final segment 5 failed authentication")


def test_truncated_at_segment_boundary(stored: Path) -> None:
    _mutate(stored, lambda raw: raw[: PREAMBLE_SIZE + 3 * STRIDE])
    _expect(stored, "truncated")


def test_truncated_at_boundary_names_missing_final_segment(tmp_path: Path) -> None:
    blob = encrypt_file(io.BytesIO(_data(SIZE)), tmp_path, KEY)  # no length in the header
    _mutate(blob.path, lambda raw: raw[: PREAMBLE_SIZE + 3 * STRIDE])
    _expect(blob.path, "ends after segment 2, before its final segment")


def test_truncated_mid_segment(stored: Path) -> None:
    _mutate(stored, lambda raw: raw[: PREAMBLE_SIZE + 2 * STRIDE + 4321])
    _expect(stored, "truncated")


def test_truncated_to_header(stored: Path) -> None:
    _mutate(stored, lambda raw: raw[:30])
    _expect(stored, "too short")


def test_swapped_segments(stored: Path) -> None:
    def swap(raw: bytearray) -> bytearray:
        a = PREAMBLE_SIZE + 1 * STRIDE
        b = PREAMBLE_SIZE + 2 * STRIDE
        raw[a:b], raw[b : b + STRIDE] = raw[b : b + STRIDE], raw[a:b]
        return raw

    _mutate(stored, swap)
    _expect(stored, "out of order: segment 1 holds the data of segment 2")


def test_trailing_data(stored: Path) -> None:
    _mutate(stored, lambda raw: raw + b"\x00" * 100)
    # With the length in the header the extra bytes are named exactly; without it they merge
    # into the half-full final segment, which then fails authentication.
    _expect(stored, "trailing data|final segment 5 failed")


def test_trailing_data_length_known(tmp_path: Path) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(_data(SIZE))
    blob = encrypt_file(src, tmp_path / "v", KEY)
    _mutate(blob.path, lambda raw: raw + b"junk")
    _expect(blob.path, "trailing data: 4 unexpected bytes")


def test_trailing_full_segment_after_final(tmp_path: Path) -> None:
    blob = encrypt_file(io.BytesIO(_data(2 * MIB)), tmp_path, KEY)  # exact multiple
    _mutate(blob.path, lambda raw: raw + b"x" * 40)
    _expect(blob.path, "trailing data after the final segment 1")


def test_wrong_master_key(stored: Path) -> None:
    _expect(stored, "different key", key=bytes(32))


def test_messages_are_distinct(tmp_path: Path) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(_data(SIZE))
    original = encrypt_file(src, tmp_path / "v", KEY).path.read_bytes()
    attacks: dict[str, Callable[[bytearray], bytearray]] = {
        "magic": _flip(0),
        "header": _flip(40),
        "middle": _flip(PREAMBLE_SIZE + 2 * STRIDE + 1),
        "final": _flip(PREAMBLE_SIZE + 5 * STRIDE + 1),
        "boundary": lambda r: r[: PREAMBLE_SIZE + 3 * STRIDE],
        "trailing": lambda r: r + b"!",
        "swap": lambda r: r[:PREAMBLE_SIZE] + r[PREAMBLE_SIZE + STRIDE : PREAMBLE_SIZE + 2 * STRIDE]
        + r[PREAMBLE_SIZE : PREAMBLE_SIZE + STRIDE] + r[PREAMBLE_SIZE + 2 * STRIDE :],
    }
    messages = set()
    target = tmp_path / "t.sr1"
    for attack in attacks.values():
        target.write_bytes(bytes(attack(bytearray(original))))
        with pytest.raises(VaultIntegrityError) as info:
            decrypt_to(target, KEY, io.BytesIO())
        messages.add(info.value.message)
    with pytest.raises(VaultIntegrityError) as info:
        decrypt_to(_fresh(tmp_path, original), bytes(32), io.BytesIO())  # wrong key
    messages.add(info.value.message)
    assert len(messages) == len(attacks) + 1


def _fresh(tmp_path: Path, raw: bytes) -> Path:
    path = tmp_path / "fresh.sr1"
    path.write_bytes(raw)
    return path


class _Chunky(io.RawIOBase):
    """A raw sink that accepts at most 777 bytes per write, or fails on demand."""

    def __init__(self, fail: bool = False) -> None:
        self.data = bytearray()
        self.fail = fail

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        if self.fail:
            raise OSError("sink broke")
        view = memoryview(data)  # type: ignore[arg-type]
        taken = bytes(view[:777])
        self.data += taken
        return len(taken)


def test_partial_writes_to_raw_sink(tmp_path: Path) -> None:
    data = _data(MIB // 3)
    blob = encrypt_file(io.BytesIO(data), tmp_path, KEY, segment_size=4096)
    sink = _Chunky()
    decrypt_to(blob.path, KEY, sink)  # type: ignore[arg-type]
    assert bytes(sink.data) == data


def test_sink_failure_propagates(tmp_path: Path) -> None:
    blob = encrypt_file(io.BytesIO(_data(3 * MIB)), tmp_path, KEY)
    with pytest.raises(OSError, match="sink broke"):
        decrypt_to(blob.path, KEY, _Chunky(fail=True))  # type: ignore[arg-type]


def test_nothing_reaches_sink_before_authentication(stored: Path) -> None:
    _mutate(stored, _flip(PREAMBLE_SIZE + 10))  # segment 0
    sink = io.BytesIO()
    with pytest.raises(VaultIntegrityError, match="segment 0"):
        decrypt_to(stored, KEY, sink)
    assert sink.getvalue() == b""


# --- crash safety ----------------------------------------------------------------------------


class _Exploding(io.RawIOBase):
    def __init__(self, good: int) -> None:
        self._left = good

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._left <= 0:
            raise OSError("device unplugged")
        n = min(len(buffer), self._left)
        buffer[:n] = b"a" * n
        self._left -= n
        return n


def test_failed_ingest_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="unplugged"):
        encrypt_file(_Exploding(3 * MIB + 5), tmp_path, KEY)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_failing_progress_callback_stops_cleanly(tmp_path: Path) -> None:
    def boom(done: int, total: int | None) -> None:
        if done > 2 * MIB:
            raise RuntimeError("cancelled by the user")

    with pytest.raises(RuntimeError, match="cancelled"):
        encrypt_file(io.BytesIO(_data(5 * MIB)), tmp_path, KEY, progress=boom)
    assert list(tmp_path.iterdir()) == []


def test_write_failure_in_worker_thread_propagates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.store import vault_stream

    real = vault_stream._write_all
    calls = 0

    def failing(fd: int, view: memoryview) -> None:
        nonlocal calls
        calls += 1
        if calls == 4:  # the header, then segments 0 and 1, then the disk fills up
            raise OSError(28, "No space left on device")
        real(fd, view)

    monkeypatch.setattr(vault_stream, "_write_all", failing)
    with pytest.raises(UserError, match="disk is full"):  # said plainly (issue 11 §6)
        encrypt_file(io.BytesIO(_data(20 * MIB)), tmp_path, KEY)
    assert list(tmp_path.iterdir()) == []


def test_write_failure_after_the_last_byte_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills while the last segments are still being written: `finish` says so and
    leaves no temporary behind (it once raised before cleaning up)."""
    from desktop.store import vault_stream
    from desktop.store.vault_stream import VaultWriter

    def full(fd: int, view: memoryview) -> None:
        raise OSError(28, "No space left on device")

    writer = VaultWriter(tmp_path, KEY)  # its header is written
    monkeypatch.setattr(vault_stream, "_write_all", full)  # then the disk is full
    writer.write(_data(5 * MIB))  # the first segments go to the stages and fail
    deadline = time.monotonic() + 30
    while not writer._failed.is_set() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert writer._failed.is_set()
    with pytest.raises(UserError, match="disk is full"):
        writer.finish()
    assert list(tmp_path.iterdir()) == []


def test_source_growing_during_ingest_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "growing.bin"
    src.write_bytes(_data(3 * MIB))
    vault = tmp_path / "vault"

    def grow(done: int, total: int | None) -> None:
        if done == MIB:
            with src.open("ab") as handle:
                handle.write(b"late bytes")

    with pytest.raises(UserError, match="changed while it was being stored"):
        encrypt_file(src, vault, KEY, progress=grow)
    assert list(vault.iterdir()) == []


def test_sweep_temporaries(tmp_path: Path) -> None:
    blob = encrypt_file(io.BytesIO(b"keep me"), tmp_path, KEY)
    (tmp_path / ".tmp-deadbeef.sr1").write_bytes(b"partial")
    (tmp_path / ".tmp-cafe.sr1").write_bytes(b"partial")
    assert sweep_temporaries(tmp_path, min_age_seconds=3600) == 0
    assert sweep_temporaries(tmp_path) == 2
    assert [p.name for p in tmp_path.iterdir()] == [blob.path.name]
    assert sweep_temporaries(tmp_path / "missing") == 0


def test_short_master_key_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="master key"):
        encrypt_file(io.BytesIO(b"x"), tmp_path, b"short")


# --- memory ----------------------------------------------------------------------------------


def _rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class _RssSampler(io.RawIOBase):
    """Discards the plaintext, sampling RSS at every write: the peak, not just the end state
    (a whole-file implementation would free its big buffers before returning)."""

    def __init__(self) -> None:
        self.peak = 0

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        self.peak = max(self.peak, _rss_bytes())
        return len(data)  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_decrypt_constant_memory(tmp_path: Path) -> None:
    src = tmp_path / "big.bin"
    with src.open("wb") as handle:
        for i in range(64):
            handle.write(random.Random(i).randbytes(MIB))
    blob = encrypt_file(src, tmp_path / "v", KEY)
    src.unlink()
    before = _rss_bytes()
    sampler = _RssSampler()
    digest = decrypt_to(blob.path, KEY, sampler)  # type: ignore[arg-type]
    after = _rss_bytes()
    assert digest == blob.sha256
    assert sampler.peak - before < 20 * MIB
    assert after - before < 20 * MIB


# --- properties ------------------------------------------------------------------------------


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    size=st.integers(min_value=0, max_value=20_000),
    segment_size=st.integers(min_value=1, max_value=5_000),
    as_path=st.booleans(),
)
def test_round_trip_property(tmp_path: Path, size: int, segment_size: int, as_path: bool) -> None:
    data = os.urandom(size)
    vault = tmp_path / f"v{size}-{segment_size}-{as_path}"
    if as_path:
        src = tmp_path / "p.bin"
        src.write_bytes(data)
        blob = encrypt_file(src, vault, KEY, segment_size=segment_size)
    else:
        blob = encrypt_file(io.BytesIO(data), vault, KEY, segment_size=segment_size)
    assert blob.path.stat().st_size == blob_size(size, segment_size)
    assert _roundtrip(blob.path) == (data, hashlib.sha256(data).hexdigest())


# -- the streaming writer (issue 12 §1): a recorder writes into the vault as it records ------


@pytest.mark.parametrize("size", [0, 1, MIB - 1, MIB, MIB + 1, 3 * MIB])
@pytest.mark.parametrize("chunk", [1000, MIB, MIB + 17])
def test_streaming_writer_stores_what_encrypt_file_stores(
    tmp_path: Path, size: int, chunk: int
) -> None:
    from desktop.store.vault_stream import VaultWriter

    data = _data(size, seed=size + chunk)
    vault = tmp_path / "vault"
    with VaultWriter(vault, KEY, sm3=True) as writer:
        for start in range(0, size, chunk):
            writer.write(data[start : start + chunk])
        assert writer.total == size
        blob = writer.finish()
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    sm3 = hashes.Hash(hashes.SM3())
    sm3.update(data)
    assert blob.sm3 == sm3.finalize().hex()
    assert blob.size == size
    assert blob.path.name == blob_name(KEY, blob.sha256)
    assert blob.path.stat().st_size == blob_size(size)  # the same STREAM segments
    assert _roundtrip(blob.path) == (data, blob.sha256)
    assert [p.name for p in vault.iterdir()] == [blob.path.name]  # no temporary left
    # Byte for byte the layout encrypt_file writes: the same content, the same name.
    again = encrypt_file(io.BytesIO(data), tmp_path / "other", KEY)
    assert again.path.name == blob.path.name
    assert again.path.stat().st_size == blob.path.stat().st_size


def test_streaming_writer_partial_blob_never_looks_complete(tmp_path: Path) -> None:
    from desktop.store.vault_stream import VaultWriter
    from desktop.store.vault_temporaries import TEMP_PREFIX

    vault = tmp_path / "vault"
    writer = VaultWriter(vault, KEY)
    writer.write(_data(2 * MIB + 5))
    # Mid-recording only a temporary exists, under a name no reader takes for a blob.
    names = [p.name for p in vault.iterdir()]
    assert len(names) == 1 and names[0].startswith(f"{TEMP_PREFIX}{os.getpid()}-")
    writer.abort()
    writer.abort()  # twice is harmless
    assert list(vault.iterdir()) == []
    with pytest.raises(ValueError, match="closed"):
        writer.write(b"more")


def test_streaming_writer_aborts_when_its_block_fails(tmp_path: Path) -> None:
    from desktop.store.vault_stream import VaultWriter

    vault = tmp_path / "vault"

    def record() -> None:
        with VaultWriter(vault, KEY) as writer:
            writer.write(_data(MIB + 3))
            raise RuntimeError("camera unplugged")

    with pytest.raises(RuntimeError, match="camera unplugged"):
        record()
    assert list(vault.iterdir()) == []


def test_streaming_writer_abandoned_by_a_crash_is_swept(tmp_path: Path) -> None:
    """A writer whose process died leaves a temporary that the sweep removes (as today)."""
    from desktop.store.vault_stream import VaultWriter

    vault = tmp_path / "vault"
    writer = VaultWriter(vault, KEY)
    writer.write(_data(MIB + 1))
    (tmp := next(vault.iterdir())).rename(vault / ".tmp-999999999-dead.sr1")  # "another pid"
    assert sweep_temporaries(vault, orphans_only=True) == 1
    assert list(vault.iterdir()) == []
    writer.abort()
    assert not tmp.exists()


def test_streaming_writer_with_a_known_length_refuses_a_short_recording(tmp_path: Path) -> None:
    from desktop.store.vault_stream import VaultWriter

    vault = tmp_path / "vault"
    writer = VaultWriter(vault, KEY, length=MIB)
    writer.write(_data(MIB - 1))
    with pytest.raises(UserError, match="changed while it was being stored"):
        writer.finish()
    assert list(vault.iterdir()) == []
