"""A loopback RFC 3161 time-stamping authority for tests and the offline demo.

`LoopbackTsa` serves pyHanko's `DummyTimeStamper` over HTTP on 127.0.0.1 (a free port
chosen by the OS) from a daemon thread, so signing code exercises the real client path
(`HTTPTimeStamper`) exactly as against a production TSA. The TSA key must be RSA (pyHanko's
dummy TSA is RSA-only). Use it as a context manager; `.url` is where requests go.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from pyhanko.sign import timestamps

from desktop.documents.signer import certificate_store, to_asn1_key
from verification.certificates import to_asn1_certificate

MAX_REQUEST = 64 * 1024


class LoopbackTsa:
    """An HTTP TSA on 127.0.0.1; `with LoopbackTsa(cert, key) as tsa: tsa.url`."""

    def __init__(self, certificate: x509.Certificate, key: rsa.RSAPrivateKey,
                 chain: Sequence[x509.Certificate] = ()) -> None:
        self._stamper = timestamps.DummyTimeStamper(
            tsa_cert=to_asn1_certificate(certificate), tsa_key=to_asn1_key(key),
            certs_to_embed=certificate_store(chain))
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.requests = 0

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the TSA is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/tsr"

    def timestamper(self) -> Any:
        """pyHanko's HTTP client pointed at this TSA."""
        return timestamps.HTTPTimeStamper(self.url)

    def _respond(self, body: bytes) -> bytes:
        request = tsp.TimeStampReq.load(body)
        response = self._stamper.request_tsa_response(request)
        self.requests += 1
        return bytes(response.dump())

    def start(self) -> LoopbackTsa:
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if self.headers.get_content_type() != "application/timestamp-query" or not (
                        0 < length <= MAX_REQUEST):
                    self.send_error(400)
                    return
                try:
                    answer = tsa._respond(self.rfile.read(length))
                except ValueError:
                    self.send_error(400)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: tests and the demo print their own progress

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="loopback-tsa",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LoopbackTsa:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
