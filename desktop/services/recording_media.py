"""A recording's media, decrypted in memory: playback (`open_media`) and the officer's export.

The media of an ended recording is a vault blob like any evidence item's. `MediaReader` reads
it as a seekable, read-only file, decrypting (and authenticating) only the segments a read
needs, never writing plaintext anywhere: what a player (PyAV, Qt) is given. A recording still
being made plays too, up to its last checkpoint (the part already durable: the party asks
during the read-back what they said a minute ago). Each opening is audited as a viewing;
`export` writes the officer's plaintext copy (an MP4 file), checked against the recorded
SHA-256 before it is put in place, audited too. Part of `desktop.services.recording` (decision
45).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from gettext import gettext as _
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.domain.recording import Recording, RecordingState
from desktop.services.export_files import exporting
from desktop.store import recordings
from desktop.store.evidence import blob_path, vault_directory
from desktop.store.store import Store
from desktop.store.vault_format import VaultIntegrityError
from desktop.store.vault_read import decrypt_to, plaintext_chunks

__all__ = ["MediaReader", "export", "open_media"]

_READ_CHUNK = 64 * 1024


def _media_blob(store: Store, recording: Recording) -> tuple[Path, int, str]:
    """(vault file, size, SHA-256) of an ended recording's media; refused otherwise."""
    if recording.state is RecordingState.RECORDING:
        raise UserError(_("The recording is still being made; stop it before playing or "
                          "exporting it."))
    if recording.sha256 is None or recording.size is None:
        raise UserError(_("Nothing of recording {id} could be kept: it was interrupted before "
                          "its first second was saved.").format(id=recording.id))
    blob = blob_path(store.paths.workdir, recording.sha256, store.vault_key())
    if not blob.is_file():
        raise UserError(_("The media of recording {id} is missing from the vault.").format(
            id=recording.id))
    return blob, recording.size, recording.sha256


class MediaReader(io.RawIOBase):
    """A recording's media as a read-only, seekable file, decrypted in memory on demand.

    Each read decrypts (and authenticates) only the segments it needs, sequential reads from
    one pass over the file; nothing is ever written to disk. What a player (PyAV, Qt) needs.
    """

    def __init__(self, blob: Path, master_key: bytes, size: int, *,
                 saved_ms: int | None = None) -> None:
        super().__init__()
        self._blob = blob
        self._key = master_key
        self._size = size
        # Of a recording still being made: the media time its durable prefix (the first
        # `size` bytes of the growing file) holds; None for an ended recording's blob.
        self.saved_ms = saved_ms
        self._position = 0
        self._chunks: Iterator[bytes] | None = None
        self._pending = b""  # decrypted bytes at `_position` not yet handed out

    @property
    def size(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        target = base + offset
        if target < 0:
            raise ValueError("negative seek position")
        if target != self._position:
            self._position = target
            self._chunks = None
            self._pending = b""
        return self._position

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        if self.closed:
            raise ValueError("the recording is closed")
        view = memoryview(buffer).cast("B")
        if self._position >= self._size or not len(view):
            return 0
        if not self._pending:
            if self._chunks is None:
                self._chunks = plaintext_chunks(
                    self._blob, self._key, self._position, _READ_CHUNK,
                    durable_prefix=None if self.saved_ms is None else self._size)
            self._pending = next(self._chunks, b"")
            if not self._pending:
                return 0
        take = min(len(view), len(self._pending))
        view[:take] = self._pending[:take]
        self._pending = self._pending[take:]
        self._position += take
        return take

    def close(self) -> None:
        self._chunks = None
        self._pending = b""
        super().close()


def _record_view(store: Store, recording_id: str, purpose: str) -> None:
    def view() -> None:
        with store.transaction() as tx:
            recordings.record_view(tx, recording_id, purpose=purpose)

    store.write(view)


def _saved_so_far(store: Store, recording: Recording) -> MediaReader:
    """A recording still being made, up to its last checkpoint (see the module)."""
    with store.reading() as conn:
        last = recordings.last_checkpoint(conn, recording.id)
    temp = vault_directory(store.paths.workdir) / recording.temp_name
    if last is None or not temp.is_file():
        raise UserError(_("Nothing of this recording is saved yet: it can be played a few "
                          "seconds after it started."))
    offset, _sha256, media_ms = last
    return MediaReader(temp, store.vault_key(), offset, saved_ms=media_ms)


def open_media(store: Store, recording_id: str) -> MediaReader:
    """The recording's media to play (see `MediaReader`), audited as viewed once here; of a
    recording still being made, what is saved so far (`MediaReader.saved_ms`)."""
    with store.reading() as conn:
        recording = recordings.get(conn, recording_id)
    if recording.state is RecordingState.RECORDING:
        reader = _saved_so_far(store, recording)
    else:
        blob, size, _sha256 = _media_blob(store, recording)
        reader = MediaReader(blob, store.vault_key(), size)
    _record_view(store, recording_id, "playback")
    return reader


def export(store: Store, recording_id: str, path: Path, *, force: bool = False) -> Path:
    """Write the recording's media to `path` (.mp4), the plaintext copy the officer asked for;
    checked against its recorded SHA-256 before it is put in place, and audited."""
    with store.reading() as conn:
        recording = recordings.get(conn, recording_id)
    blob, _size, sha256 = _media_blob(store, recording)
    with exporting(path, force=force) as handle:
        got = decrypt_to(blob, store.vault_key(), handle)
        if got != sha256:
            raise VaultIntegrityError(_(
                "Recording {id} decrypted to content that does not match its recorded "
                "SHA-256; nothing was exported.").format(id=recording_id))
    _record_view(store, recording_id, "export")
    return path
