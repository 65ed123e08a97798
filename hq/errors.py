"""HQ's refusals: one exception carrying the wire error of docs/protocols/sync.md §2.

Every refusal reaches the device as ``{"error": <code>, "message": <English words>}`` with the
status the protocol gives that code; the device chooses its own translated words by ``error``.
The messages are for the HQ log and the operator, so they are plain English (HQ has no
translations yet).
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from sync.protocol.canonical import canonical_json

__all__ = ["HQError", "error_response", "read_body"]


class HQError(Exception):
    """A refusal with its HTTP status, wire error code and extra response headers."""

    def __init__(self, status: int, code: str, message: str,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def error_response(error: HQError) -> Response:
    body = canonical_json({"error": error.code, "message": error.message})
    return Response(body, status_code=error.status, headers=error.headers,
                    media_type="application/json")


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refused (413) as soon as it is over ``limit`` bytes: an unenrolled
    caller must not make HQ hold a gigabyte in memory before it is even checked."""
    declared = request.headers.get("Content-Length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HQError(413, "too_large", f"the body is over {limit} bytes")
    parts, size = [], 0
    async for part in request.stream():
        size += len(part)
        if size > limit:
            raise HQError(413, "too_large", f"the body is over {limit} bytes")
        parts.append(part)
    return b"".join(parts)
