"""Signatures captured at read-back: validation, rendering, digests, a document's pages."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from desktop.documents.capture import (
    CAPTURE_FORMAT,
    DECLARATION,
    DECLARATION_FORMAT,
    SignatureCapture,
    Stroke,
    StrokePoint,
    capture_digest,
    capture_record,
    render_png,
)
from desktop.documents.page_signatures import FingerprintImage, PageSignature, ReadBackSignatures
from desktop.documents.synthetic_signature import synthetic_signature
from desktop.domain.errors import RuleViolation, UserError
from desktop.domain.model import SignatureRefusal
from desktop.i18n import set_language
from sync.protocol.canonical import parse_canonical

PAGE = hashlib.sha256(b"synthetic page 1 of a test statement").hexdigest()
OTHER_PAGE = hashlib.sha256(b"synthetic page 1, corrected").hexdigest()
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def point(t: int, x: float, y: float, p: float = 0.5) -> StrokePoint:
    return StrokePoint(t_ms=t, x=x, y=y, pressure=p)


def simple_capture(page_index: int = 0, page_digest: str = PAGE) -> SignatureCapture:
    strokes = (
        Stroke((point(0, 10, 10, 0.2), point(10, 30, 12, 0.9), point(20, 50, 15, 0.4))),
        Stroke((point(200, 20, 5), point(210, 22, 25), point(220, 24, 35))),
    )
    return SignatureCapture(page_index=page_index, page_digest=page_digest, width_mm=100.0,
                            height_mm=40.0, strokes=strokes, device="test pad")


def fingerprint_png(size: tuple[int, int] = (400, 400)) -> bytes:
    image = Image.new("L", size, 200)
    for i in range(0, size[0], 8):
        image.paste(60, (i, 0, i + 3, size[1]))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def open_png(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


# --- validation ------------------------------------------------------------------------------


def test_pressure_out_of_range_is_refused_with_a_clear_message() -> None:
    with pytest.raises(UserError, match=r"Pen pressure must be between 0 and 1, got 1\.5"):
        point(0, 1, 1, 1.5)
    with pytest.raises(UserError, match="Pen pressure"):
        point(0, 1, 1, -0.01)
    with pytest.raises(UserError, match="Pen pressure"):
        point(0, 1, 1, float("nan"))


def test_invalid_time_or_position_is_refused() -> None:
    with pytest.raises(UserError, match="invalid time stamp"):
        point(-1, 1, 1)
    with pytest.raises(UserError, match="invalid position"):
        point(0, float("inf"), 1)


def test_empty_stroke_and_empty_signature_are_refused() -> None:
    with pytest.raises(UserError, match="A pen stroke has no points"):
        Stroke(())
    with pytest.raises(UserError, match="The signature is empty: nothing was drawn"):
        replace(simple_capture(), strokes=())


def test_time_going_backwards_within_a_stroke_is_refused() -> None:
    with pytest.raises(UserError, match=r"go back in time \(5 ms after 10 ms\)"):
        Stroke((point(0, 1, 1), point(10, 2, 2), point(5, 3, 3)))
    # equal time stamps happen when the digitizer reports faster than 1 ms
    Stroke((point(0, 1, 1), point(0, 2, 2)))


def test_point_outside_the_surface_is_refused() -> None:
    outside = Stroke((point(0, 10, 10), point(5, 100.5, 10)))
    with pytest.raises(
        UserError, match=r"Stroke 3 leaves the 100 x 40 mm signing surface at \(100\.5, 10\.0\)"
    ):
        replace(simple_capture(), strokes=(*simple_capture().strokes, outside))


def test_page_digest_surface_and_device_are_checked() -> None:
    capture = simple_capture()
    with pytest.raises(UserError, match="64 lowercase hexadecimal digits"):
        replace(capture, page_digest="abc")
    with pytest.raises(UserError, match="64 lowercase hexadecimal digits"):
        replace(capture, page_digest=PAGE.upper())
    with pytest.raises(UserError, match="page number"):
        replace(capture, page_index=-1)
    with pytest.raises(UserError, match="signing surface must be"):
        replace(capture, width_mm=0.0)
    with pytest.raises(UserError, match=r"signature pad .* must be named"):
        replace(capture, device="  ")


def test_messages_are_translated() -> None:
    set_language("zh_CN")
    with pytest.raises(UserError) as caught:
        Stroke(())
    message = str(caught.value)
    set_language("en")
    # Chinese once the catalog has the message (tools/i18n.py extract); English until then
    assert message == "A pen stroke has no points." or re.search(r"[\u4e00-\u9fff]", message)


# --- rendering -------------------------------------------------------------------------------


def test_png_is_rgba_transparent_with_ink_and_sized_by_dpi() -> None:
    capture = simple_capture()
    for dpi, expected in ((300, (1181, 472)), (150, (591, 236))):
        image = open_png(render_png(capture, dpi=dpi))
        assert image.format == "PNG"
        assert image.mode == "RGBA"
        assert image.size == expected  # round(100 mm / 25.4 * dpi), round(40 mm ...)
        assert image.info["dpi"] == pytest.approx((dpi, dpi), abs=0.05)  # whole dots per metre
        alpha = image.getchannel("A")
        assert alpha.getpixel((0, 0)) == 0
        assert alpha.getpixel((image.width - 1, image.height - 1)) == 0
        histogram = alpha.histogram()
        assert histogram[255] > 0, "solid ink in the middle of strokes"
        assert sum(histogram[1:255]) > 0, "anti-aliased edges"
        assert histogram[0] > image.width * image.height * 0.8, "mostly transparent"


def test_ink_lies_where_the_pen_went() -> None:
    image = open_png(render_png(simple_capture(), dpi=100))
    mm = 100 / 25.4
    alpha = image.getchannel("A")
    assert alpha.getpixel((round(30 * mm), round(12 * mm))) == 255
    assert alpha.getpixel((round(80 * mm), round(35 * mm))) == 0


def test_stroke_width_grows_with_pressure() -> None:
    def ink(pressure: float) -> int:
        stroke = Stroke(tuple(point(i, 10 + i, 20, pressure) for i in range(60)))
        capture = replace(simple_capture(), strokes=(stroke,))
        alpha = open_png(render_png(capture)).getchannel("A")
        return sum(alpha.histogram()[128:])

    assert ink(0.0) < ink(0.5) < ink(1.0)


def test_same_capture_gives_identical_png_and_digest() -> None:
    first = synthetic_signature(2, PAGE, seed=7)
    second = synthetic_signature(2, PAGE, seed=7)
    assert first == second
    assert render_png(first) == render_png(second)
    assert capture_digest(first, render_png(first)) == capture_digest(second, render_png(second))


def test_rejects_unreasonable_dpi() -> None:
    with pytest.raises(UserError, match="print resolution"):
        render_png(simple_capture(), dpi=10)
    huge = replace(simple_capture(), width_mm=420.0, height_mm=420.0)
    with pytest.raises(UserError, match="too large to render at 1200 dpi"):
        render_png(huge, dpi=1200)


# --- digest ----------------------------------------------------------------------------------


def digest_of(capture: SignatureCapture) -> str:
    return capture_digest(capture, render_png(capture, dpi=150))


def test_digest_changes_with_one_point_pressure_page_or_device() -> None:
    base = simple_capture()
    first, second = base.strokes
    moved = Stroke((first.points[0], replace(first.points[1], x=30.01), first.points[2]))
    pressed = Stroke((first.points[0], replace(first.points[1], pressure=0.8),
                      first.points[2]))
    retimed = Stroke((first.points[0], replace(first.points[1], t_ms=11), first.points[2]))
    variants = [
        base,
        replace(base, strokes=(moved, second)),
        replace(base, strokes=(pressed, second)),
        replace(base, strokes=(retimed, second)),
        replace(base, page_digest=OTHER_PAGE),
        replace(base, page_index=1),
        replace(base, device="another pad"),
        replace(base, strokes=(second, first)),
    ]
    digests = [digest_of(capture) for capture in variants]
    assert len(set(digests)) == len(digests)


def test_digest_binds_the_picture() -> None:
    capture = simple_capture()
    assert capture_digest(capture, render_png(capture, dpi=300)) != capture_digest(
        capture, render_png(capture, dpi=150)
    )
    with pytest.raises(UserError, match="not a PNG image"):
        capture_digest(capture, b"GIF89a...")


def test_record_is_canonical_integers_only() -> None:
    record = capture_record(simple_capture())
    assert record["width_um"] == 100_000
    strokes = record["strokes"]
    assert isinstance(strokes, list)
    assert strokes[0][1] == [10, 30_000, 12_000, 900]
    from sync.protocol.canonical import canonical_json

    assert parse_canonical(canonical_json(record)) == record


# --- fingerprints ----------------------------------------------------------------------------


def test_fingerprint_accepts_a_real_png() -> None:
    png = fingerprint_png()
    slot = FingerprintImage(page_index=0, page_digest=PAGE, png=png, source="emulated reader")
    assert slot.sha256 == hashlib.sha256(png).hexdigest()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"BM" + bytes(1078),  # the reader's BMP, not converted
        b"\x89PNG\r\n\x1a\n" + bytes(100),  # signature alone is not enough
    ],
)
def test_fingerprint_rejects_non_png(data: bytes) -> None:
    with pytest.raises(UserError, match=r"not a PNG image|damaged"):
        FingerprintImage(page_index=0, page_digest=PAGE, png=data, source="emulated reader")


def test_fingerprint_rejects_truncated_and_huge_images() -> None:
    png = fingerprint_png()
    with pytest.raises(UserError, match="damaged"):
        FingerprintImage(0, PAGE, png[: len(png) // 2], "emulated reader")
    with pytest.raises(UserError, match="at most 2048 pixels"):
        FingerprintImage(0, PAGE, fingerprint_png((3000, 10)), "emulated reader")
    with pytest.raises(UserError, match="larger than 4 MB"):
        FingerprintImage(0, PAGE, png + bytes(4 * 1024 * 1024), "emulated reader")
    with pytest.raises(UserError, match=r"fingerprint reader .* must be named"):
        FingerprintImage(0, PAGE, png, "")


# --- pages of a document ---------------------------------------------------------------------


def signed(page: int, digest: str = PAGE, fingerprint: bool = False) -> PageSignature:
    capture = synthetic_signature(page, digest, seed=page)
    print_ = FingerprintImage(page, digest, fingerprint_png(), "emulated") if fingerprint else None
    return PageSignature(page_index=page, capture=capture, fingerprint=print_)


def test_page_signature_must_match_its_page() -> None:
    with pytest.raises(UserError, match="captured for page 2, not page 1"):
        PageSignature(page_index=0, capture=simple_capture(page_index=1))
    wrong_version = FingerprintImage(0, OTHER_PAGE, fingerprint_png(), "emulated")
    with pytest.raises(UserError, match="different page or a different version"):
        PageSignature(page_index=0, capture=simple_capture(), fingerprint=wrong_version)
    assert signed(0, fingerprint=True).fingerprint is not None


def test_completeness_over_pages() -> None:
    signatures = ReadBackSignatures()
    assert signatures.missing_pages(3) == (0, 1, 2)
    assert not signatures.complete(3)
    signatures.add(signed(0, fingerprint=True))
    signatures.add(signed(2))
    assert signatures.missing_pages(3) == (1,)
    assert not signatures.complete(3)
    signatures.add(signed(1))
    assert signatures.missing_pages(3) == ()
    assert signatures.complete(3)
    assert [s.page_index for s in signatures.signatures] == [0, 1, 2]
    # the document shrank after signing: page 3 is no longer part of it
    assert not signatures.complete(2)
    assert signatures.extra_pages(2) == (2,)
    with pytest.raises(UserError, match="at least one page"):
        signatures.complete(0)


def test_a_page_is_signed_once_until_cleared() -> None:
    signatures = ReadBackSignatures([signed(0)])
    with pytest.raises(UserError, match="Page 1 is already signed"):
        signatures.add(signed(0))
    signatures.remove(0)
    signatures.add(signed(0))
    with pytest.raises(UserError, match="Page 5 is not signed"):
        signatures.remove(4)


def test_stale_pages_after_the_content_changed() -> None:
    signatures = ReadBackSignatures([signed(0), signed(1)])
    assert signatures.stale_pages([PAGE, PAGE]) == ()
    assert signatures.stale_pages([PAGE, OTHER_PAGE]) == (1,)
    assert signatures.stale_pages([PAGE]) == (1,)


def test_refusal_requires_a_witness_and_replaces_signatures() -> None:
    signatures = ReadBackSignatures()
    no_witness = SignatureRefusal(reason="当事人称不认可笔录内容", witness_name=" ",
                                  recorded_at=NOW)
    with pytest.raises(RuleViolation, match="must be recorded with a witness"):
        signatures.record_refusal(no_witness)
    assert signatures.refusal is None
    assert not signatures.complete(2)

    refusal = replace(no_witness, witness_name="见证人乙")
    signatures.record_refusal(refusal)
    assert signatures.refusal == refusal
    assert signatures.complete(2)
    assert signatures.missing_pages(2) == ()
    with pytest.raises(UserError, match="refusal to sign is recorded"):
        signatures.add(signed(0))

    signatures.withdraw_refusal()
    signatures.add(signed(0))
    with pytest.raises(UserError, match="already signed"):
        signatures.record_refusal(refusal)


# --- the handwritten declaration -------------------------------------------------------------


def declaration(page: int = 1, digest: str = PAGE) -> SignatureCapture:
    return replace(simple_capture(page, digest), width_mm=180.0, purpose=DECLARATION)


def test_the_declaration_is_a_capture_of_its_own_kind() -> None:
    written = declaration()
    assert capture_record(written)["format"] == DECLARATION_FORMAT
    assert capture_record(simple_capture())["format"] == CAPTURE_FORMAT
    png = render_png(written)
    # the same strokes as a page signature give another digest: neither passes for the other
    as_signature = replace(written, purpose="signature")
    assert capture_digest(written, png) != capture_digest(as_signature, png)
    with pytest.raises(UserError, match=r"^A page signature needs a captured signature\.$"):
        PageSignature(page_index=1, capture=written)
    with pytest.raises(UserError, match="either a signature or a handwritten declaration"):
        replace(written, purpose="initials")
    with pytest.raises(UserError, match="nothing was drawn"):
        replace(written, strokes=())
    with pytest.raises(UserError, match="leaves the 180 x 40 mm signing surface"):
        replace(written, height_mm=40.0, strokes=(Stroke((point(0, 10, 45),)),))
    signatures = ReadBackSignatures()
    with pytest.raises(UserError, match="needs a captured declaration"):
        signatures.set_declaration(simple_capture(1))
    assert signatures.declaration is None


def test_the_declaration_is_bound_to_the_last_page() -> None:
    signatures = ReadBackSignatures([signed(0), signed(1)])
    assert signatures.complete(2) and not signatures.complete(2, declaration=True)
    signatures.set_declaration(declaration(page=1))
    assert signatures.complete(2, declaration=True)
    assert not signatures.declaration_stale([PAGE, PAGE])
    assert signatures.declaration_stale([PAGE, OTHER_PAGE])  # the last page changed
    assert signatures.declaration_stale([PAGE, PAGE, PAGE])  # no longer the last page
    assert not signatures.complete(3, declaration=True)
    with pytest.raises(UserError, match="already written; clear it"):
        signatures.set_declaration(declaration(page=1))
    signatures.clear_declaration()
    assert signatures.declaration is None and not signatures.declaration_stale([PAGE])
    wrong_page = ReadBackSignatures([signed(0), signed(1)], declaration(page=0))
    assert wrong_page.declaration_stale([PAGE, PAGE])
    assert not wrong_page.complete(2, declaration=True)


def test_a_refusal_excludes_the_declaration() -> None:
    refusal = SignatureRefusal(reason="不认可笔录内容", witness_name="见证人乙", recorded_at=NOW)
    signatures = ReadBackSignatures(declaration=declaration(page=0))
    with pytest.raises(UserError, match="already written the declaration"):
        signatures.record_refusal(refusal)
    assert signatures.refusal is None
    signatures.clear_declaration()
    signatures.record_refusal(refusal)
    with pytest.raises(UserError, match="refusal to sign is recorded"):
        signatures.set_declaration(declaration(page=0))
    assert signatures.declaration is None
    assert signatures.complete(1, declaration=True)


# --- synthetic signatures --------------------------------------------------------------------


def test_synthetic_signatures_look_like_handwriting() -> None:
    a = synthetic_signature(0, PAGE, seed=1)
    b = synthetic_signature(0, PAGE, seed=2)
    assert a != b
    assert 6 <= len(a.strokes) <= 15
    for stroke in a.strokes:
        pressures = [p.pressure for p in stroke.points]
        assert len(stroke.points) >= 25
        assert max(pressures) > pressures[0]  # the pen presses down after touching
    alpha = open_png(render_png(a)).getchannel("A")
    assert alpha.getbbox() is not None


# --- property: any valid strokes render and digest deterministically -------------------------

WIDTH, HEIGHT = 80.0, 30.0


@st.composite
def captures(draw: st.DrawFn) -> SignatureCapture:
    strokes = []
    t = draw(st.integers(0, 10_000))
    for _ in range(draw(st.integers(1, 4))):
        points = []
        for _ in range(draw(st.integers(1, 12))):
            t += draw(st.integers(0, 50))
            points.append(StrokePoint(
                t_ms=t,
                x=draw(st.floats(0.0, WIDTH)),
                y=draw(st.floats(0.0, HEIGHT)),
                pressure=draw(st.floats(0.0, 1.0)),
            ))
        strokes.append(Stroke(tuple(points)))
    return SignatureCapture(
        page_index=draw(st.integers(0, 50)),
        page_digest=draw(st.binary(min_size=1, max_size=8).map(
            lambda b: hashlib.sha256(b).hexdigest())),
        width_mm=WIDTH,
        height_mm=HEIGHT,
        strokes=tuple(strokes),
        device=draw(st.text(min_size=1, max_size=20).filter(str.strip)),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(captures())
def test_random_valid_strokes_render_and_digest_deterministically(
    capture: SignatureCapture,
) -> None:
    png = render_png(capture, dpi=150)
    assert png == render_png(capture, dpi=150)
    image = open_png(png)
    assert image.mode == "RGBA"
    assert image.size == (472, 177)
    assert image.getchannel("A").getbbox() is not None  # something was drawn
    digest = capture_digest(capture, png)
    assert digest == capture_digest(capture, render_png(capture, dpi=150))
    assert len(digest) == 64
