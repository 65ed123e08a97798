"""One HTTP connection to HQ over the standard library, every request signed (protocol §1).

`HqConnection` keeps one keep-alive connection (`http.client`, decision 25), signs each
request with the device key over `request_signing_bytes` (SR-* headers), bounds every wait
(connect and each read or write; a stalled connection fails in bounded time), measures the
device clock's offset from HQ's ``SR-HQ-Time``, and turns every outcome into either a
`Response` (2xx) or a typed exception: `HqError` for HQ's refusals (status, error code,
message, ``Retry-After``), `NetworkError` for everything the network did. Nothing here
retries except a ``409 replayed`` (a fresh nonce fixes it) and a ``401 officer_unknown`` once
its ``reregister`` hook has registered the officer again; what to retry is the engine's
business.

A connection that acts for an officer (`OfficerSigner`) names them in ``SR-Officer`` and
signs every request a second time with the officer's own HQ key (decision 27).

Plain ``http://`` is refused unless the host is a loopback address (the embedded HQ): on a
real network TLS protects the statements' confidentiality (`InsecureUrl`).
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import json
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.client.throttle import TokenBucket
from sync.protocol.requests import (
    HEADER_BODY_SHA256,
    HEADER_DEVICE,
    HEADER_HQ_TIME,
    HEADER_NONCE,
    HEADER_OFFICER,
    HEADER_OFFICER_SIGNATURE,
    HEADER_SIGNATURE,
    HEADER_TIME,
    SignedRequest,
)
from sync.protocol.signing import Signer, key_id_for

__all__ = [
    "CONNECT_TIMEOUT",
    "READ_TIMEOUT",
    "HqConnection",
    "HqError",
    "InsecureUrl",
    "NetworkError",
    "OfficerSigner",
    "Response",
    "SendCancelled",
    "check_hq_url",
    "parse_error",
]

CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0  # per socket read or write, not per request: a slow link still finishes
_SEND_SLICE = 64 * 1024  # body slices: the bandwidth cap and the timeouts act per slice


class SendCancelled(Exception):
    """The round was cancelled while a request body was being sent; the connection is gone."""


class InsecureUrl(ValueError):
    """An HQ address the client refuses: plain http:// to a host that is not loopback."""


class NetworkError(Exception):
    """The request did not get an answer: refused, cut, reset, timed out, garbled."""

    code = "network"


class HqError(Exception):
    """HQ refused the request (protocol §2): the status and HQ's error code."""

    def __init__(self, status: int, code: str, message: str, retry_after: float | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status, code, message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.headers: Mapping[str, str] = headers or {}

    def __str__(self) -> str:
        return f"HQ answered {self.status} {self.code}: {self.message}"


@dataclass(frozen=True)
class OfficerSigner:
    """The officer a connection acts for, and the signer of their HQ key."""

    officer_id: str
    signer: Signer


@dataclass(frozen=True)
class Response:
    """A 2xx answer: status, headers (names in lower case) and body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> object:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise NetworkError(f"HQ answered with a body that is not JSON: {exc}") from None


def check_hq_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, base path) of an HQ URL; `InsecureUrl` for plain http off loopback."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    if scheme not in ("http", "https") or not host:
        raise InsecureUrl(f"{url!r} is not an http:// or https:// address of HQ")
    if scheme == "http" and not _is_loopback(host):
        raise InsecureUrl(f"{url!r}: plain http:// is allowed only to this computer (loopback);"
                          " use https:// to reach HQ over a network")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise InsecureUrl(f"{url!r}: {exc}") from None
    return scheme, host, port, parts.path.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# An answer to HEAD has no body: its status alone says what happened (protocol §2).
_BODYLESS_CODES = {401: "not_enrolled", 403: "device_revoked", 404: "unknown_upload",
                   410: "upload_expired", 507: "insufficient_storage"}


def parse_error(status: int, headers: Mapping[str, str], body: bytes) -> HqError:
    """HQ's refusal as `HqError`; a body that is not HQ's JSON still gets a code by status
    (the protocol's for a body-less answer, else ``http_<status>``, e.g. a proxy's 502)."""
    code = _BODYLESS_CODES.get(status, f"http_{status}") if not body else f"http_{status}"
    message = ""
    try:
        value = json.loads(body)
        if isinstance(value, dict):
            code = str(value.get("error") or code)
            message = str(value.get("message") or "")
    except (ValueError, UnicodeDecodeError):
        message = body[:200].decode("utf-8", "replace")
    return HqError(status, code, message, _retry_after(headers.get("retry-after")), headers)


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:  # an HTTP date: how far ahead of now
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class HqConnection:
    """Signed requests to one HQ as one device, over one reused connection."""

    def __init__(self, base_url: str, *, hq_id: str, device_key: Ed25519PrivateKey | None,
                 connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT,
                 throttle: TokenBucket | None = None,
                 clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
                 ssl_context: ssl.SSLContext | None = None,
                 cancel: threading.Event | None = None,
                 officer: OfficerSigner | None = None,
                 reregister: Callable[[], None] | None = None) -> None:
        self.scheme, self.host, self.port, self.base_path = check_hq_url(base_url)
        self.officer = officer  # None: requests are the device's alone (SR-Officer absent)
        # Registers the officer's HQ key again after HQ answered 401 officer_unknown.
        self.reregister = reregister
        # Checked before every body slice, so stopping (the window closing, a language switch)
        # waits for at most one slice, not a whole chunk at a low bandwidth cap.
        self.cancel = cancel
        self.hq_id = hq_id
        self._key = device_key
        self.device_id = key_id_for(device_key.public_key()) if device_key else ""
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.throttle = throttle
        self._clock_ms = clock_ms
        self._ssl = ssl_context
        self._conn: http.client.HTTPConnection | None = None
        self.clock_offset_ms: int | None = None  # HQ time minus device time, last measured
        self.bytes_sent = 0  # request body bytes handed to the socket

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> HqConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def target(self, path: str) -> str:
        """The request target for an HQ path (``/v1/...``) or a ``Location`` HQ gave."""
        if "://" in path:  # an absolute Location: only its path, and only on this HQ
            parts = urlsplit(path)
            if (parts.hostname or "").lower() != self.host.lower():
                raise NetworkError(f"HQ pointed to another host: {path!r}")
            return parts.path + (f"?{parts.query}" if parts.query else "")
        if self.base_path and path.startswith(self.base_path + "/"):
            return path
        return self.base_path + path

    def request(self, method: str, path: str, body: bytes = b"", *,
                headers: Mapping[str, str] | None = None, signed: bool = True,
                body_sha256: str | None = None,
                while_waiting: Callable[[], None] | None = None) -> Response:
        """Send one request and read the whole answer; `HqError` unless 2xx.

        ``body_sha256`` (hex) saves hashing a body twice when the caller already did.
        ``while_waiting`` runs once the body is sent, before the answer is read: HQ works on
        the request (hashing, fsync) while the caller prepares the next one."""
        replayed = reregistered = False
        while True:
            try:
                return self._once(method, path, body, headers or {}, signed, body_sha256,
                                  while_waiting)
            except HqError as err:
                if err.status == 409 and err.code == "replayed" and not replayed:
                    replayed = True
                    continue  # another nonce; nothing was done (protocol §2)
                if (err.code == "officer_unknown" and self.reregister is not None
                        and not reregistered):
                    reregistered = True  # HQ lost the officer's key: register it again
                    self.reregister()
                    continue
                raise

    def _once(self, method: str, path: str, body: bytes, extra: Mapping[str, str],
              signed: bool, body_sha256: str | None,
              while_waiting: Callable[[], None] | None) -> Response:
        target = self.target(path)
        headers = {"Content-Length": str(len(body)), **extra}
        if signed:
            headers.update(self.signature_headers(method, target, body, body_sha256))
        sent_ms = self._clock_ms()
        conn = self._connection()
        try:
            conn.putrequest(method, target, skip_accept_encoding=True)
            for name, value in headers.items():
                conn.putheader(name, value)
            conn.endheaders()
            self._send_body(conn, body)
        except (OSError, http.client.HTTPException) as exc:
            self.close()  # the connection's state is unknown: never reuse it
            raise NetworkError(_describe(exc)) from None
        if while_waiting is not None:
            try:
                while_waiting()
            except BaseException:
                self.close()  # an answer we will not read is still on its way
                raise
        try:
            answer = conn.getresponse()
            data = answer.read()
            answer_headers = {k.lower(): v for k, v in answer.getheaders()}
            will_close = answer.will_close
        except (OSError, http.client.HTTPException) as exc:
            self.close()  # the connection's state is unknown: never reuse it
            raise NetworkError(_describe(exc)) from None
        if will_close:
            self.close()
        self._measure_offset(answer_headers, sent_ms)
        if 200 <= answer.status < 300:
            return Response(answer.status, answer_headers, data)
        raise parse_error(answer.status, answer_headers, data)

    def signature_headers(self, method: str, target: str, body: bytes,
                          body_sha256: str | None = None) -> dict[str, str]:
        """The SR-* headers of a signed request (protocol §1)."""
        if self._key is None:
            raise ValueError("this connection has no device key to sign with")
        body_sha = body_sha256 or hashlib.sha256(body).hexdigest()
        request = SignedRequest(hq=self.hq_id, device=self.device_id, method=method.upper(),
                                target=target, body_sha256=body_sha, nonce=str(uuid.uuid4()),
                                time_ms=self._clock_ms(),
                                officer=None if self.officer is None else self.officer.officer_id)
        signed = request.signing_bytes()
        headers = {HEADER_DEVICE: request.device, HEADER_NONCE: request.nonce,
                   HEADER_TIME: str(request.time_ms), HEADER_BODY_SHA256: body_sha,
                   HEADER_SIGNATURE: self._key.sign(signed).hex()}
        if self.officer is not None:  # the same bytes, naming the officer, signed twice
            headers[HEADER_OFFICER] = self.officer.officer_id
            headers[HEADER_OFFICER_SIGNATURE] = self.officer.signer.sign_bytes(signed).value.hex()
        return headers

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            if self.scheme == "https":
                context = self._ssl or ssl.create_default_context()
                self._conn = http.client.HTTPSConnection(
                    self.host, self.port, timeout=self.connect_timeout, context=context)
            else:
                self._conn = http.client.HTTPConnection(
                    self.host, self.port, timeout=self.connect_timeout)
            try:
                self._conn.connect()
            except OSError as exc:
                self.close()
                raise NetworkError(_describe(exc)) from None
            assert self._conn.sock is not None
            # Connecting may take connect_timeout; after that every read and write is bounded
            # by read_timeout, so a connection that stops moving fails instead of hanging.
            self._conn.sock.settimeout(self.read_timeout)
            self._conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self._conn

    def _send_body(self, conn: http.client.HTTPConnection, body: bytes) -> None:
        view = memoryview(body)
        for start in range(0, len(view), _SEND_SLICE):
            if self.cancel is not None and self.cancel.is_set():
                self.close()  # a half-sent body: HQ keeps only what it committed before
                raise SendCancelled()
            piece = view[start:start + _SEND_SLICE]
            if self.throttle is not None:
                self.throttle.take(len(piece))
            conn.send(piece)
            self.bytes_sent += len(piece)

    def _measure_offset(self, headers: Mapping[str, str], sent_ms: int) -> None:
        value = headers.get(HEADER_HQ_TIME.lower())
        if value is None:
            return
        try:
            hq_ms = int(value)
        except ValueError:
            return
        # HQ stamped its time somewhere between our send and our receipt: the midpoint.
        self.clock_offset_ms = hq_ms - (sent_ms + self._clock_ms()) // 2


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "HQ did not answer in time (the connection stalled)"
    if isinstance(exc, ConnectionRefusedError):
        return "HQ refused the connection (is it running?)"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return "the connection to HQ was reset"
    if isinstance(exc, http.client.RemoteDisconnected | http.client.IncompleteRead):
        return "the connection to HQ closed before the answer was complete"
    if isinstance(exc, ssl.SSLError):
        return f"TLS with HQ failed: {exc.reason or exc}"
    return f"{type(exc).__name__}: {exc}"
