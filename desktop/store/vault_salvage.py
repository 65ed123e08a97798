"""Salvage of a recording whose writer was lost: seal a verified prefix in place (decision 44).

A recording grows in the vault under a ``.rec-`` temporary name (`VaultWriter` with small
segments). About once a second of media the writer makes every whole segment so far durable
and the store records a checkpoint: the plaintext offset (a whole number of segments) and the
SHA-256 of that prefix. After a SIGKILL, a power cut or a full disk the temporary file holds
at least that prefix, encrypted as non-final segments, followed by whatever had been written
after it, and no final segment: as it stands it is not a valid blob (the reader reports it
truncated).

`seal_prefix` makes it one without copying anything: it authenticates the first
``offset / segment_size`` segments under the file's own header and key, checks that their
plaintext hashes to the recorded SHA-256, writes an empty final segment right after them
(over bytes the file already holds, so no new disk space is needed when the file extends past
the prefix, which a full disk leaves it doing) and cuts the file there, fsyncs it, renames it
to the content name of the prefix (`blob_name`) and fsyncs the folder. The result is a blob
like any other, holding exactly the prefix, and reading it back yields the recorded hash.

Nothing is changed until the prefix has verified: a file that fails (wrong key, damaged
header, a damaged segment, a hash that differs) is kept exactly as it was, and the
`VaultIntegrityError` says what failed. A salvage interrupted half-way is repeated safely:
the final segment written is always the same bytes (the same key, nonce and empty plaintext).

If the writer had in fact finished the file (its last segment written and synced, the rename
not yet done), the segment after the prefix already opens as the final one; rewriting it would
encrypt a second message under that segment's nonce. The complete file is kept whole instead:
it is verified to its end and renamed under its own content name.

A salvage or a writer killed after its rename, before the store recorded the blob, leaves no
temporary file: `seal_prefix` then finds the blob already made (the one named for the
checkpoint, or a recording's blob whose prefix hashes to it, verified to its end) and returns
it, so salvage at the next login records it. The tidy at open spares unreferenced blobs while
a recording is unfinished (`vault_tidy`), so that blob is still there.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
from gettext import gettext as _
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from desktop.domain.errors import UserError
from desktop.store.files import fsync_directory
from desktop.store.vault_format import (
    PREAMBLE_SIZE,
    SUFFIX,
    TAG_SIZE,
    Header,
    VaultIntegrityError,
    blob_name,
    check_master_key,
    nonce,
)
from desktop.store.vault_read import _decrypt, _read_header, verify_blob
from desktop.store.vault_stream import StoredBlob

if TYPE_CHECKING:
    from hashlib import _Hash as Hash

__all__ = ["NothingToSalvage", "seal_prefix"]

_BLOB = re.compile(r"[0-9a-f]{64}" + re.escape(SUFFIX))


class NothingToSalvage(UserError):
    """The recording ended before its first checkpoint: no part of it was made durable."""


def _fail(temp_path: Path, problem: str) -> VaultIntegrityError:
    return VaultIntegrityError(_(
        "The interrupted recording {name} could not be salvaged: {problem} The file was kept "
        "as it is.").format(name=temp_path.name, problem=problem))


def seal_prefix(temp_path: Path, vault_dir: Path, master_key: bytes, offset: int,
                sha256: str) -> StoredBlob:
    """Seal the first `offset` plaintext bytes of the recording at `temp_path` as a vault blob
    in `vault_dir`, after checking they hash to `sha256`; return the blob (see the module)."""
    check_master_key(master_key)
    if offset <= 0:
        raise NothingToSalvage(_(
            "The interrupted recording {name} holds nothing that was made durable: there is "
            "nothing to salvage.").format(name=temp_path.name))
    try:
        handle = temp_path.open("r+b", buffering=0)
    except FileNotFoundError:
        # Renamed already: by a salvage, or by its writer's finish, killed before the store
        # recorded it (the tidy at open spares blobs while a recording is unfinished).
        found = _sealed_before(vault_dir, master_key, offset, sha256)
        if found is not None:
            return found
        raise UserError(_("The interrupted recording {name} is missing from the vault: "
                          "nothing could be salvaged.").format(name=temp_path.name)) from None
    with handle:
        try:
            header, aead = _read_header(temp_path, handle, master_key)
        except VaultIntegrityError as exc:
            raise _fail(temp_path, str(exc)) from None
        if header.plaintext_len is not None:
            raise _fail(temp_path, _("its header records a fixed length: it is not a "
                                     "recording."))
        seg = header.segment_size
        if offset % seg:
            raise _fail(temp_path, _("the checkpoint at byte {offset} does not end on a "
                                     "segment of {size} bytes.").format(offset=offset, size=seg))
        count = offset // seg
        stride = seg + TAG_SIZE
        end = PREAMBLE_SIZE + count * stride
        file_size = os.fstat(handle.fileno()).st_size
        if file_size < end:
            raise _fail(temp_path, _("it is shorter than its checkpoint ({size} of {expected} "
                                     "bytes).").format(size=file_size, expected=end))
        digest = _prefix_digest(temp_path, handle.fileno(), header, aead, count)
        if not hmac.compare_digest(digest.hexdigest(), sha256.lower()):
            raise _fail(temp_path, _("its first {offset} bytes do not match the SHA-256 "
                                     "recorded at the checkpoint.").format(offset=offset))
        whole = _finished_tail(handle.fileno(), header, aead, count, end, file_size, digest)
        if whole is not None:
            name, size = whole
        else:
            final_tag = aead.encrypt(nonce(header.nonce_prefix, count, True), b"", header.raw)
            assert len(final_tag) == TAG_SIZE
            # Over bytes the file already has where it extends past the prefix: no new space.
            os.pwrite(handle.fileno(), final_tag, end)
            os.ftruncate(handle.fileno(), end + TAG_SIZE)
            name, size = digest.hexdigest(), offset
        os.fsync(handle.fileno())
    final = vault_dir / blob_name(master_key, name)
    os.replace(temp_path, final)
    fsync_directory(vault_dir)
    return StoredBlob(sha256=name, sm3=None, size=size, path=final)


def _sealed_before(vault_dir: Path, master_key: bytes, offset: int,
                   sha256: str) -> StoredBlob | None:
    """The blob a killed salvage or a killed writer already made of this recording: the one
    named for the checkpoint's prefix, else a blob of a recording (no recorded length) whose
    first `offset` bytes hash to the checkpoint's SHA-256, verified to its end."""
    named = vault_dir / blob_name(master_key, sha256)
    if named.exists():
        verify_blob(named, master_key, sha256)
        return StoredBlob(sha256=sha256, sm3=None, size=offset, path=named)
    if not vault_dir.is_dir():
        return None
    for path in sorted(vault_dir.iterdir()):
        if not _BLOB.fullmatch(path.name):
            continue
        try:
            with path.open("rb", buffering=0) as handle:
                header, aead = _read_header(path, handle, master_key)
                seg = header.segment_size
                end = PREAMBLE_SIZE + offset // seg * (seg + TAG_SIZE)
                if (header.plaintext_len is not None or offset % seg
                        or os.fstat(handle.fileno()).st_size <= end):
                    continue
                digest = _prefix_digest(path, handle.fileno(), header, aead, offset // seg)
            if not hmac.compare_digest(digest.hexdigest(), sha256):
                continue
            whole = _decrypt(path, master_key, None)
        except (OSError, VaultIntegrityError):
            continue  # not this recording's (another key, another content, damaged)
        if path.name != blob_name(master_key, whole):
            continue
        size = path.stat().st_size - PREAMBLE_SIZE
        size -= TAG_SIZE * -(-size // (header.segment_size + TAG_SIZE))
        return StoredBlob(sha256=whole, sm3=None, size=size, path=path)
    return None


def _prefix_digest(temp_path: Path, fd: int, header: Header, aead: AESGCM,
                   count: int) -> Hash:
    """Authenticate segments 0..count-1 as non-final ones and hash their plaintext."""
    seg = header.segment_size
    stride = seg + TAG_SIZE
    plain = memoryview(bytearray(seg))
    digest = hashlib.sha256()
    for index in range(count):
        data = os.pread(fd, stride, PREAMBLE_SIZE + index * stride)
        if len(data) != stride:
            raise _fail(temp_path, _("segment {index} is incomplete.").format(index=index))
        try:
            aead.decrypt_into(nonce(header.nonce_prefix, index, False), data, header.raw, plain)
        except InvalidTag:
            raise _fail(temp_path, _("segment {index} failed authentication (damaged).").format(
                index=index)) from None
        digest.update(plain)
    return digest


def _finished_tail(fd: int, header: Header, aead: AESGCM, count: int, end: int,
                   file_size: int, digest: Hash) -> tuple[str, int] | None:
    """(SHA-256, size) of the whole plaintext if the segment after the prefix is the file's
    authentic final segment (its writer had finished it); None otherwise."""
    tail = file_size - end
    if not TAG_SIZE <= tail <= header.segment_size + TAG_SIZE:
        return None
    data = os.pread(fd, tail, end)
    with contextlib.suppress(InvalidTag):
        plain = aead.decrypt(nonce(header.nonce_prefix, count, True), data, header.raw)
        whole = digest.copy()
        whole.update(plain)
        return whole.hexdigest(), count * header.segment_size + len(plain)
    return None
