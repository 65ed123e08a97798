"""Property tests: anything in gives typed errors only; synthetic documents round-trip."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.mrz.emulator import synthetic_document
from hardware.mrz.errors import MrzError
from hardware.mrz.framing import (
    Decoder,
    DeskoDecoder,
    Framing,
    ThreeMDecoder,
    WedgeDecoder,
    decoder_for,
    encode,
)
from hardware.mrz.parser import MrzRecord, parse

TODAY = date(2026, 1, 1)
LAYOUTS = st.sampled_from(["TD1", "TD2", "TD3", "MRV-A", "MRV-B", "permit"])
MRZ_ALPHABET = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<<<<_ \r\n")


def _parse_or_typed(text: str) -> None:
    message: str | None = None
    try:
        record = parse(text, today=TODAY)
    except MrzError as exc:
        message = exc.message
    else:
        assert isinstance(record, MrzRecord)
        assert isinstance(record.valid, bool)
    assert message is None or message


@given(st.text())
def test_parser_arbitrary_text(text: str) -> None:
    _parse_or_typed(text)


@given(st.lists(MRZ_ALPHABET, max_size=140).map("".join))
def test_parser_mrz_like_text(text: str) -> None:
    _parse_or_typed(text)


@given(
    st.sampled_from([(3, 30), (2, 36), (2, 44)]),
    st.data(),
)
def test_parser_right_shape_random_content(shape: tuple[int, int], data: st.DataObject) -> None:
    count, width = shape
    line = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<", min_size=width, max_size=width)
    lines = [data.draw(line) for _ in range(count)]
    _parse_or_typed("\n".join(lines))


@given(st.binary(), st.integers(min_value=1, max_value=64))
def test_framers_arbitrary_bytes_never_raise(data: bytes, size: int) -> None:
    wedge = WedgeDecoder(max_gap=0.5)
    decoders: list[Decoder] = [DeskoDecoder(), ThreeMDecoder(), ThreeMDecoder(verify_bcc=True)]
    for i in range(0, len(data), size):
        chunk = data[i : i + size]
        texts = wedge.feed(chunk, at=float(i))
        for decoder in decoders:
            texts += decoder.feed(chunk)
        for text in texts:
            _parse_or_typed(text)
    for text in wedge.flush():
        _parse_or_typed(text)


@settings(max_examples=200)
@given(LAYOUTS, st.integers(min_value=0, max_value=2**32), st.sampled_from(list(Framing)))
def test_synthetic_round_trip(layout: str, seed: int, framing: Framing) -> None:
    doc = synthetic_document(layout, seed)
    decoder = decoder_for(framing)
    texts: list[str] = []
    for byte in encode(framing, doc.lines):
        texts += decoder.feed(bytes([byte]))
    assert len(texts) == 1
    record = parse(texts[0], today=TODAY)
    assert record.valid
    assert record.warnings == ()
    assert record.lines == doc.lines
    assert record.layout is doc.layout
    assert record.cn_permit is doc.cn_permit
    assert (
        record.document_type,
        record.issuing_state,
        record.surname,
        record.given_names,
        record.document_number,
        record.nationality,
        record.birth_date,
        record.sex,
        record.expiry_date,
        record.optional_data_1,
    ) == (
        doc.document_type,
        doc.issuing_state,
        doc.surname,
        doc.given_names,
        doc.document_number,
        doc.nationality,
        doc.birth_date,
        doc.sex,
        doc.expiry_date,
        doc.optional_data,
    )


@given(LAYOUTS, st.integers(min_value=0, max_value=10_000), st.binary(max_size=40))
def test_garbage_before_a_frame_does_not_lose_it(layout: str, seed: int, junk: bytes) -> None:
    doc = synthetic_document(layout, seed)
    for framing in (Framing.DESKO, Framing.THREE_M):
        decoder = decoder_for(framing)
        frame = encode(framing, doc.lines)
        # Junk may open a bogus frame; a complete frame after it must still come through.
        texts = decoder.feed(junk) + decoder.feed(frame) + decoder.feed(frame)
        assert texts[-1] == doc.text
