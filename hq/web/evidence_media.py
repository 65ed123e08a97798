"""An evidence medium served to the browser: its type, the element that plays it, and the
bytes asked for (HTTP Range), decrypted from the blob store as they are sent.

The type is read from the medium's first bytes, not from a name: HQ keeps no file name (the
record does not carry it), and the bytes are what the browser will decode. What Chromium plays
by itself (MP4 and WebM video, common audio, web images) gets a player on the item page; any
other type is offered as a download only.

Seeking in a video is a Range request (RFC 9110 §14): one range is answered with 206 and
``Content-Range``; a range past the end is 416; several ranges, or a unit other than bytes,
get the whole medium (a server may ignore Range). The plaintext only passes through memory,
one sealed chunk at a time (`hq.blobs.SEAL_SIZE`), and is never written anywhere. The blob
format has no index of chunks, so a range deep into a medium decrypts the chunks before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response, StreamingResponse
from starlette.types import Send

from hq.blobs import BlobStore
from hq.web.render import HEADERS

__all__ = ["Unsatisfiable", "element_for", "first_bytes", "media_response", "media_type",
           "requested_range", "suffix_for"]

_RANGE = re.compile(r"bytes=([0-9]{0,18})-([0-9]{0,18})")


@dataclass(frozen=True)
class _Type:
    name: str
    element: str | None  # "video", "audio", "img", or None: a download only
    suffix: str


_OCTETS = _Type("application/octet-stream", None, "bin")
_BY_NAME = {t.name: t for t in (
    _Type("video/mp4", "video", "mp4"), _Type("video/webm", "video", "webm"),
    _Type("video/quicktime", None, "mov"), _Type("video/mp2t", None, "ts"),
    _Type("video/x-msvideo", None, "avi"), _Type("audio/mp4", "audio", "m4a"),
    _Type("audio/wav", "audio", "wav"), _Type("audio/mpeg", "audio", "mp3"),
    _Type("audio/ogg", "audio", "ogg"), _Type("audio/flac", "audio", "flac"),
    _Type("image/png", "img", "png"), _Type("image/jpeg", "img", "jpg"),
    _Type("image/gif", "img", "gif"), _Type("image/webp", "img", "webp"),
    _Type("image/bmp", "img", "bmp"), _Type("application/pdf", None, "pdf"), _OCTETS)}


def media_type(head: bytes) -> str:
    """The media type of a medium beginning with ``head`` (its first few hundred bytes)."""
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return {b"qt  ": "video/quicktime", b"M4A ": "audio/mp4"}.get(brand, "video/mp4")
    if head[:4] == b"RIFF":
        return {b"WAVE": "audio/wav", b"WEBP": "image/webp",
                b"AVI ": "video/x-msvideo"}.get(head[8:12], _OCTETS.name)
    if len(head) > 188 and head[0] == head[188] == 0x47:  # MPEG-TS packets of 188 bytes
        return "video/mp2t"
    for magic, name in ((b"\x1a\x45\xdf\xa3", "video/webm"), (b"OggS", "audio/ogg"),
                        (b"fLaC", "audio/flac"), (b"ID3", "audio/mpeg"),
                        (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
                        (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"),
                        (b"BM", "image/bmp"), (b"%PDF-", "application/pdf")):
        if head.startswith(magic):
            return name
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:  # an MPEG audio frame
        return "audio/mpeg"
    return _OCTETS.name


def element_for(name: str) -> str | None:
    """The HTML element that plays ``name`` in the browser, or None (download only)."""
    return _BY_NAME.get(name, _OCTETS).element


def suffix_for(name: str) -> str:
    return _BY_NAME.get(name, _OCTETS).suffix


def first_bytes(blobs: BlobStore, sha256: str) -> bytes:
    """The first sealed chunk of a medium, decrypted (enough to tell its type)."""
    chunks = blobs.read(sha256)
    try:
        return next(iter(chunks), b"")
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


class Unsatisfiable(Exception):
    """A range that starts past the end of the medium (416)."""


def requested_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The first and last byte of the one range ``header`` asks for, or None for the whole
    medium (no Range, several ranges, another unit, or a malformed one)."""
    if header is None:
        return None
    found = _RANGE.fullmatch(header.strip())
    if found is None or found.group(1) == found.group(2) == "":
        return None
    first, last = found.groups()
    if first == "":  # the last ``last`` bytes
        if int(last) == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - int(last)), size - 1
    start = int(first)
    if last != "" and int(last) < start:
        return None  # not a valid range: ignored, as RFC 9110 says
    if start >= size:
        raise Unsatisfiable
    return start, size - 1 if last == "" else min(int(last), size - 1)


class _MediumResponse(StreamingResponse):
    """Bytes ``start`` to ``end`` (inclusive) of a medium, decrypted as they are sent.

    A chunk altered at rest ends the answer there without completing it: its length was
    already sent, so the server closes the connection and the browser sees a broken transfer,
    never altered or silently shortened bytes."""

    def __init__(self, blobs: BlobStore, sha256: str, start: int, end: int, **kwargs: Any
                 ) -> None:
        self.altered = False
        super().__init__(self._plaintext(blobs, sha256, start, end), **kwargs)

    def _plaintext(self, blobs: BlobStore, sha256: str, start: int, end: int
                   ) -> Iterator[bytes]:
        if end < start:  # an empty medium
            return
        chunks = blobs.read(sha256, start)  # the chunks before the range are not decrypted
        position = start
        try:
            for chunk in chunks:
                yield chunk[:end + 1 - position]
                position += len(chunk)
                if position > end:
                    return
        except ValueError:
            self.altered = True
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # the blob file is closed when the browser stops reading

    async def stream_response(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code,
                    "headers": self.raw_headers})
        async for chunk in self.body_iterator:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        if not self.altered:
            await send({"type": "http.response.body", "body": b"", "more_body": False})


def media_response(blobs: BlobStore, sha256: str, size: int, name: str, item: str,
                   range_header: str | None) -> Response:
    """The medium (or the range of it asked for) with its type; inline if the browser plays
    it, as a download otherwise."""
    disposition = "inline" if element_for(name) else "attachment"
    headers = {**HEADERS, "Accept-Ranges": "bytes",
               "Content-Disposition": f'{disposition}; filename="{item}.{suffix_for(name)}"'}
    try:
        wanted = requested_range(range_header, size)
    except Unsatisfiable:
        return Response(status_code=416, headers={**headers,
                                                  "Content-Range": f"bytes */{size}"})
    start, end = (0, size - 1) if wanted is None else wanted
    headers["Content-Length"] = str(end - start + 1)
    if wanted is not None:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return _MediumResponse(blobs, sha256, start, end,
                           status_code=200 if wanted is None else 206, media_type=name,
                           headers=headers)
