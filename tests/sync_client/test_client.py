"""The sync client against a tiny HQ (tests/sync_client/tiny_hq.py): every branch of the
transport, enrolment, the tus uploader and the round, with faults a real server cannot be
asked to make. The same paths against the real HQ: test_e2e_*.py."""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from sync.client.backoff import backoff_delay
from sync.client.engine import Progress, SyncEngine
from sync.client.enrol import EnrolmentRefused, enrol
from sync.client.source import UploadProgress
from sync.client.throttle import TokenBucket
from sync.client.transport import HqConnection, HqError, InsecureUrl, NetworkError, parse_error
from sync.protocol.records import RecordKind
from tests.support.fault_proxy import Fault, FaultProxy
from tests.sync_client.memory_source import MemorySource
from tests.sync_client.tiny_hq import TinyHqServer

CHUNK = 64 * 1024


@pytest.fixture
def hq() -> Iterator[TinyHqServer]:
    with TinyHqServer() as server:
        yield server


def enrolled(server: TinyHqServer, url: str | None = None) -> MemorySource:
    source = MemorySource()
    source.enrolled = enrol(url or server.url, server.hq.issue_code(), source.key, "desk-1")
    return source


def engine(source: MemorySource, **kwargs: object) -> SyncEngine:
    options: dict[str, object] = {"chunk_size": CHUNK, "backoff_base": 0.01,
                                  "backoff_cap": 0.05, "read_timeout": 5.0}
    options.update(kwargs)
    return SyncEngine(source, **options)  # type: ignore[arg-type]


# -- backoff and the bandwidth cap -------------------------------------------------------------

def test_backoff_is_full_jitter_under_a_doubling_ceiling_capped() -> None:
    ceilings = [backoff_delay(n, uniform=lambda lo, hi: hi) for n in range(12)]
    assert ceilings[:4] == [1.0, 2.0, 4.0, 8.0]
    assert ceilings[-1] == 300.0  # the cap: five minutes
    assert backoff_delay(3, uniform=lambda lo, hi: lo) == 0.0  # full jitter reaches zero
    assert backoff_delay(10_000, uniform=lambda lo, hi: hi) == 300.0


def test_backoff_honours_retry_after_as_a_floor() -> None:
    assert backoff_delay(0, retry_after=42.0, uniform=lambda lo, hi: hi) == 42.0
    assert backoff_delay(9, retry_after=1.0, uniform=lambda lo, hi: hi) == 300.0


def test_token_bucket_spends_one_second_of_burst_then_waits_for_the_rate() -> None:
    now = [0.0]
    slept: list[float] = []
    bucket = TokenBucket(1000, clock=lambda: now[0], sleep=slept.append)
    bucket.take(1000)
    assert slept == []
    bucket.take(500)
    assert slept == [0.5]
    now[0] += 0.5
    bucket.take(2000)
    assert slept[-1] == 2.0


# -- transport ----------------------------------------------------------------------------

def test_plain_http_is_refused_off_loopback_with_words_that_say_why() -> None:
    with pytest.raises(InsecureUrl, match="https://"):
        HqConnection("http://10.1.2.3:8470", hq_id="hq", device_key=None)
    HqConnection("https://hq.example.cn", hq_id="hq", device_key=None)
    HqConnection("http://localhost:8470", hq_id="hq", device_key=None)
    HqConnection("http://[::1]:8470", hq_id="hq", device_key=None)


def test_an_error_body_becomes_a_typed_error() -> None:
    err = parse_error(429, {"retry-after": "7"}, b'{"error":"busy","message":"later"}')
    assert (err.status, err.code, err.message, err.retry_after) == (429, "busy", "later", 7.0)
    assert parse_error(502, {}, b"<html>bad gateway</html>").code == "http_502"
    # A HEAD's answer has no body: the status names the protocol's code.
    assert parse_error(410, {}, b"").code == "upload_expired"
    assert parse_error(403, {}, b"").code == "device_revoked"


def test_signed_requests_pass_and_an_unknown_device_is_refused(hq: TinyHqServer) -> None:
    source = enrolled(hq)
    with HqConnection(hq.url, hq_id="hq-tiny", device_key=source.key) as conn:
        assert conn.request("GET", "/v1/log/head").status == 200
    stranger = MemorySource()
    with HqConnection(hq.url, hq_id="hq-tiny", device_key=stranger.key) as conn, \
            pytest.raises(HqError) as refused:
        conn.request("GET", "/v1/log/head")
    assert (refused.value.status, refused.value.code) == (401, "not_enrolled")


def test_a_request_signed_for_another_hq_is_refused(hq: TinyHqServer) -> None:
    source = enrolled(hq)
    with HqConnection(hq.url, hq_id="hq-elsewhere", device_key=source.key) as conn, \
            pytest.raises(HqError, match="bad_signature"):
        conn.request("GET", "/v1/log/head")


def test_a_stalled_connection_fails_in_bounded_time(hq: TinyHqServer) -> None:
    source = enrolled(hq)
    with FaultProxy(("127.0.0.1", hq.port), [Fault("stall", 0)]) as proxy, \
            HqConnection(proxy.url, hq_id="hq-tiny", device_key=source.key,
                         read_timeout=0.5) as conn, \
            pytest.raises(NetworkError, match="stalled"):
        conn.request("GET", "/v1/log/head")


def test_the_clock_offset_is_measured_from_hq_time(hq: TinyHqServer) -> None:
    source = enrolled(hq)
    hq.hq.clock_offset_ms = 3 * 3600 * 1000
    with HqConnection(hq.url, hq_id="hq-tiny", device_key=source.key) as conn:
        conn.request("GET", "/v1/log/head")
        assert conn.clock_offset_ms is not None
        assert abs(conn.clock_offset_ms - 3 * 3600 * 1000) < 60_000


# -- enrolment ----------------------------------------------------------------------------

def test_enrolment_pins_the_key_hq_authenticated_with_the_code(hq: TinyHqServer) -> None:
    source = enrolled(hq)
    assert source.enrolled is not None
    assert source.enrolled.hq_id == "hq-tiny"
    assert source.enrolled.device_id == source.device
    assert (source.enrolled.receipt_key.public_bytes_raw()
            == hq.hq.key.public_key().public_bytes_raw())


def test_a_man_in_the_middle_answer_is_refused_and_nothing_pinned(hq: TinyHqServer) -> None:
    hq.hq.mitm = True
    with pytest.raises(EnrolmentRefused) as refused:
        enrol(hq.url, hq.hq.issue_code(), MemorySource().key, "desk-1")
    assert refused.value.code == "unauthenticated_answer"


def test_a_wrong_code_is_refused(hq: TinyHqServer) -> None:
    code = hq.hq.issue_code()
    with pytest.raises(EnrolmentRefused) as refused:
        enrol(hq.url, code[:-1] + "x", MemorySource().key, "desk-1")
    assert refused.value.code == "bad_code"


# -- one round ----------------------------------------------------------------------------

def test_a_round_sends_records_and_media_and_keeps_every_receipt(hq: TinyHqServer) -> None:
    source = enrolled(hq)
    for _ in range(3):
        source.add_event()
    source.add_tree_head()
    video = source.add_media(bytes(range(256)) * 1000)  # 256,000 bytes: 4 chunks
    seen: list[Progress] = []
    result = engine(source, progress=seen.append).run_round()
    assert result.complete, result
    assert (result.sent, result.already_held, result.receipts_verified) == (5, 0, 5)
    assert source.receipted() == {e.op_id for e in source.entries}
    assert seen[-1] == Progress(5, 5, 256_000, 256_000)
    assert result.log_size == 5 and source.log_head is not None
    # The upload was saved before the first PATCH, and its receipt is the medium's.
    calls = [c for c in source.calls if c[1].startswith(video.op_id)]
    assert calls[0] == ("save_upload", f"{video.op_id}@0")
    assert calls[1] == ("media_chunks", f"{video.op_id}@0")
    assert source.receipts[video.op_id].body.sha256 == video.sha256


def test_a_second_round_finds_everything_held_and_sends_nothing(hq: TinyHqServer) -> None:
    source = enrolled(hq)
    source.add_event()
    source.add_media(b"x" * 100_000)
    assert engine(source).run_round().complete
    # The device lost its receipts (a restore): the manifest gives them back, no bytes move.
    source.receipts.clear()
    patched = hq.hq.patched_bytes
    result = engine(source).run_round()
    assert (result.sent, result.already_held, result.receipts_verified) == (0, 2, 2)
    assert hq.hq.patched_bytes == patched
    assert len(hq.hq.log) == 2  # no receipt twice


def test_a_damaged_chunk_is_resent_up_to_three_times(hq: TinyHqServer) -> None:
    source = enrolled(hq)
    medium = source.add_media(b"d" * 100_000)
    hq.hq.refuse_chunks = 3
    assert engine(source).run_round().complete
    assert medium.op_id in source.receipts
    hq.hq.refuse_chunks = 4
    other = source.add_media(b"e" * 100_000)
    result = engine(source).run_round()
    assert [(f.op_id, f.error, f.retry) for f in result.failed] == [
        (other.op_id, "checksum_mismatch", False)]
    assert other.op_id not in source.receipts


def test_an_upload_resumes_from_the_saved_url_asking_hq_first(hq: TinyHqServer) -> None:
    source = enrolled(hq)
    medium = source.add_media(b"r" * (5 * CHUNK))
    cancel = threading.Event()

    def stop_after_two_chunks(p: Progress) -> None:
        if p.bytes_done >= 2 * CHUNK:
            cancel.set()

    first = engine(source, cancel=cancel, progress=stop_after_two_chunks).run_round()
    assert first.cancelled and medium.op_id not in source.receipts
    saved = source.uploads[medium.op_id]
    assert saved.offset == 2 * CHUNK
    hq.hq.requests.clear()
    patched = hq.hq.patched_bytes
    assert engine(source).run_round().complete
    upload_requests = [r for r in hq.hq.requests if r[1].startswith("/v1/uploads")]
    assert upload_requests[0] == ("HEAD", saved.url)
    assert hq.hq.patched_bytes - patched == 3 * CHUNK  # nothing sent twice
    assert source.receipts[medium.op_id].body.sha256 == medium.sha256


def test_an_expired_upload_is_created_again(hq: TinyHqServer) -> None:
    source = enrolled(hq)
    medium = source.add_media(b"x" * (3 * CHUNK))
    cancel = threading.Event()
    engine(source, cancel=cancel, progress=lambda p: cancel.set() if p.bytes_done else None
           ).run_round()
    old = source.uploads[medium.op_id]
    hq.expire(old.url.rsplit("/", 1)[1])
    assert engine(source).run_round().complete
    assert source.receipts[medium.op_id].body.size == 3 * CHUNK
    assert ("save_upload", f"{medium.op_id}@None") in source.calls


def test_a_wrong_offset_is_asked_for_and_continued(hq: TinyHqServer) -> None:
    source = enrolled(hq)
    medium = source.add_media(b"o" * (4 * CHUNK))
    cancel = threading.Event()
    engine(source, cancel=cancel,
           progress=lambda p: cancel.set() if p.bytes_done >= CHUNK else None).run_round()
    # The device's saved offset is behind HQ's (it crashed before saving the last one).
    saved = source.uploads[medium.op_id]
    source.uploads[medium.op_id] = UploadProgress(saved.url, 0)
    assert engine(source).run_round().complete
    assert hq.hq.patched_bytes == 4 * CHUNK


def test_same_id_other_content_is_a_conflict_for_a_person(hq: TinyHqServer) -> None:
    source = enrolled(hq)
    first = source.add_media(b"a" * 1000, entity_id="evidence-7")
    assert engine(source).run_round().complete
    second = source.add_media(b"b" * 1000, entity_id="evidence-7")
    result = engine(source).run_round()
    assert [(f.op_id, f.error, f.retry) for f in result.failed] == [
        (second.op_id, "conflict", False)]
    assert first.op_id in source.receipts and second.op_id not in source.receipts


def test_receipts_under_another_key_are_refused_and_nothing_is_marked_sent(
        hq: TinyHqServer) -> None:
    source = enrolled(hq)
    source.add_event()
    source.add_media(b"m" * 1000)
    hq.hq.key = Ed25519PrivateKey.generate()  # HQ is replaced by a server with another key
    result = engine(source).run_round()
    assert result.paused == "bad_receipt"
    assert source.receipts == {}


def test_an_unenrolled_device_pauses_the_round(hq: TinyHqServer) -> None:
    source = enrolled(hq)
    source.add_event()
    hq.hq.devices.clear()  # HQ forgot (or revoked) the device
    result = engine(source).run_round()
    assert result.paused == "not_enrolled" and not result.complete
    assert source.receipts == {} and source.failures == {}


def test_hq_out_of_reach_is_a_result_not_a_traceback() -> None:
    with TinyHqServer() as server:
        source = enrolled(server)
    source.add_event()
    result = engine(source, retries=1).run_round()
    assert result.offline and "refused" in result.pause_message


def test_a_bandwidth_cap_still_delivers_everything(hq: TinyHqServer) -> None:
    source = enrolled(hq)
    source.add_media(b"c" * 200_000, kind=RecordKind.STATEMENT_PDF)
    assert engine(source, bandwidth=4_000_000).run_round().complete


def test_an_hq_that_dropped_a_receipt_from_its_log_is_caught(hq: TinyHqServer) -> None:
    source = enrolled(hq)
    source.add_event()
    source.add_event()
    assert engine(source).run_round().complete
    assert source.log_head is not None and source.log_head.body.size == 2
    kept = source.log_head
    hq.hq.log.pop(0)  # HQ quietly rewrites its log
    source.add_event()
    result = engine(source).run_round()
    assert result.paused == "bad_log"
    assert source.log_head == kept  # the newer head is not kept


def test_an_hq_address_off_loopback_without_tls_pauses_the_round(hq: TinyHqServer) -> None:
    source = enrolled(hq)
    source.add_event()
    assert source.enrolled is not None
    source.enrolled = dataclasses.replace(source.enrolled, hq_url="http://192.0.2.7:8470")
    result = engine(source).run_round()
    assert result.paused == "insecure_url" and "https://" in result.pause_message


def test_a_malformed_answer_pauses_the_round_without_a_traceback(hq: TinyHqServer) -> None:
    source = enrolled(hq)
    source.add_event()
    hq.hq.garbled.add("/v1/sync/manifest")
    result = engine(source).run_round()
    assert result.paused == "bad_answer" and "malformed" in result.pause_message
    assert source.receipts == {}


def test_hq_lost_mid_round_ends_the_round_after_one_item_s_retries(hq: TinyHqServer) -> None:
    with FaultProxy(("127.0.0.1", hq.port)) as proxy:
        source = enrolled(hq, proxy.url)
        events = [source.add_event() for _ in range(5)]

        def network_gone(p: Progress) -> None:
            if p.records_done == 2:
                proxy.close()

        result = engine(source, progress=network_gone, retries=2).run_round()
    assert result.offline and not result.complete
    assert set(source.receipts) == {events[0].op_id, events[1].op_id}
    assert [(f.op_id, f.error, f.retry) for f in result.failed] == [
        (events[2].op_id, "network", True)]
    assert source.failures[events[2].op_id][2] is not None  # a time to try again
    assert not any(e.op_id in source.failures for e in events[3:])  # untouched


def test_an_hq_that_keeps_answering_409_does_not_hold_the_round_forever(
        hq: TinyHqServer) -> None:
    source = enrolled(hq)
    medium = source.add_media(b"s" * (2 * CHUNK))
    hq.hq.stuck = True
    result = engine(source, retries=1).run_round()
    assert result.offline
    assert [(f.op_id, f.error) for f in result.failed] == [(medium.op_id, "network")]
    assert medium.op_id not in source.receipts


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files (a test HQ's TLS identity)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hq-test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "hq.pem", tmp_path / "hq.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_https_to_a_trusted_hq_works_and_an_untrusted_certificate_is_refused(
        tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    with TinyHqServer() as server:
        source = enrolled(server)
        served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        served.load_cert_chain(cert, key)
        server.server.socket = served.wrap_socket(server.server.socket, server_side=True)
        url = f"https://127.0.0.1:{server.port}"
        trusting = ssl.create_default_context(cafile=str(cert))
        with HqConnection(url, hq_id="hq-tiny", device_key=source.key,
                          ssl_context=trusting) as conn:
            assert conn.request("GET", "/v1/log/head").status == 200
        # The system's trust store does not know this certificate: another server in HQ's
        # place, as far as the client can tell.
        with HqConnection(url, hq_id="hq-tiny", device_key=source.key) as conn, \
                pytest.raises(NetworkError, match="TLS"):
            conn.request("GET", "/v1/log/head")


def test_a_cancel_stops_an_upload_within_a_slice_not_a_chunk(hq: TinyHqServer) -> None:
    """Closing the window during a capped upload must not wait for the whole chunk."""
    source = enrolled(hq)
    chunk = 32 * CHUNK  # 2 MiB: many send slices of 64 KiB
    source.add_media(b"d" * (4 * chunk), kind=RecordKind.EVIDENCE_ITEM)
    cancel = threading.Event()
    run = engine(source, bandwidth=512_000, cancel=cancel, chunk_size=chunk)
    timer = threading.Timer(0.3, cancel.set)
    timer.start()
    try:
        result = run.run_round()
    finally:
        timer.cancel()
    assert result.cancelled and not result.complete
    assert 0 < result.bytes_sent < chunk  # stopped inside the first chunk
