"""HQ's refusals: one exception carrying the wire error of docs/protocols/sync.md §2.

Every refusal reaches the device as ``{"error": <code>, "message": <English words>}`` with the
status the protocol gives that code; the device chooses its own translated words by ``error``.
The messages are for the HQ log and the operator, so they are plain English (HQ has no
translations yet).
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import Response

from sync.protocol.canonical import canonical_json

__all__ = ["HQError", "error_response"]


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
