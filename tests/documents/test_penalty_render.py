"""Penalty documents as the party reads them: each kind's contents, fonts, pages (drafts).

Drafts are rendered from penalty decisions built as the engine's records (synthetic, see
tests/services/penalty_support.py) on a real store with a real case, party and officers;
what is checked is what poppler's pdftotext reads off the PDF, as a reader would.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from desktop.documents.penalty_text import Quote, amount_in_words
from desktop.domain.errors import UserError
from desktop.domain.penalty import PenaltyDocumentKind as Kind
from desktop.services import penalty_documents
from legal.discretion.evaluation import Choice, Evaluation
from tests.conftest import World
from tests.poppler import poppler_tool
from tests.services import penalty_support as ps


@pytest.fixture(autouse=True)
def _unit_profile(request: pytest.FixtureRequest) -> None:
    """The unit's legal particulars set by its administrator, as before any document (in
    the tests that have a store)."""
    if "world" in request.fixturenames:
        ps.set_unit_profile(request.getfixturevalue("world").store)


def quote() -> Quote:
    return ps.quoting(ps.library())


def text_of(pdf: bytes, tmp_path: Path) -> str:
    """What pdftotext reads, with the layout's spaces and line breaks taken out."""
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([poppler_tool("pdftotext"), "-enc", "UTF-8", str(path), "-"],
                         capture_output=True, text=True, check=True).stdout
    return "".join(out.split())


def flat(text: str) -> str:
    return "".join(text.split())


def draft_text(world: World, tmp_path: Path, kind: Kind, **decision: object) -> str:
    made = ps.decision(world.case.id, world.statement.id, world.admin.id, **decision)  # type: ignore[arg-type]
    draft = penalty_documents.draft(world.store, made, kind, quote())
    return text_of(draft.pdf, tmp_path)


def quoted(citation: str) -> str:
    return flat(quote()(citation))


def test_the_prior_notice_states_facts_basis_penalty_and_the_right_to_defend(
        world: World, tmp_path: Path) -> None:
    text = draft_text(world, tmp_path, Kind.PRIOR_NOTICE)
    assert "行政处罚事先告知书" in text and "示综执罚告字〔2026〕第1号" in text
    assert "2026年11月26日，当事人测试人甲在测试路口人行道违法停放机动车" in text  # facts
    assert "违反了《中华人民共和国道路交通安全法》第五十六条第一款的规定" in text  # reasons
    assert "罚款人民币100元（大写：壹佰元整）" in text  # the proposed penalty
    assert "有权进行陈述和申辩" in text and "自收到本告知书之日起五日内" in text
    # The basis is printed with the article's text from the library version used.
    assert ps.PARKING + "：" + quoted(ps.PARKING) in text
    assert "处二十元以上二百元以下罚款" in text
    assert flat(ps.LIBRARY_LABEL) in text and "合成" in text  # the synthetic library shows
    assert "适用一般阶次" in text  # the reasoning steps
    # No hearing is due: none is offered (art. 44 itself, quoted, names the right in general).
    assert "要求举行听证" not in text and "第六十三条" not in text and "第六十四条" not in text


def test_hearing_rights_are_printed_only_where_art_63_applies(world: World,
                                                              tmp_path: Path) -> None:
    text = draft_text(world, tmp_path, Kind.PRIOR_NOTICE, evaluated=ps.hearing())
    assert "有要求举行听证的权利" in text
    assert "应当自收到本告知书之日起五日内向本机关提出" in text  # art. 64 (一)
    hearing_article = "《中华人民共和国行政处罚法》第六十四条"
    assert hearing_article + "：" + quoted(hearing_article) in text
    assert "当事人要求听证的，应当在行政机关告知后五日内提出" in text


def test_the_decision_carries_what_art_59_requires(world: World, tmp_path: Path) -> None:
    text = draft_text(world, tmp_path, Kind.DECISION)
    assert "行政处罚决定书" in text and "示综执罚决字〔2026〕第1号" in text
    # (一) the party's name and address
    assert "当事人：测试人甲" in text and "住址：北京市东城区测试路8号" in text
    assert "测试商店" not in text  # a person's workplace is never printed as their address
    # (二) the facts and the evidence
    assert "人行道违法停放机动车" in text and "等证据证实" in text
    # (三) the kind and basis of the penalty
    assert ("依据《中华人民共和国道路交通安全法》第九十三条第二款的规定，本机关决定对当事人作出如下"
            "行政处罚：罚款人民币100元（大写：壹佰元整）") in text
    # (四) how and by when to pay (art. 67: fifteen days), and the late-payment surcharge
    # and the channels to pay through, as the unit's administrator set them
    assert (f"自收到本决定书之日起十五日内按以下方式缴纳罚款：{ps.PAYMENT_METHOD}（收款单位："
            f"{ps.PAYEE}；开户银行：{ps.BANK}；账号：{flat(ps.ACCOUNT)}）") in text
    assert quoted("《中华人民共和国行政处罚法》第六十七条第三款") in text
    assert "每日按罚款数额的百分之三加处罚款" in text
    # (五) reconsideration and suit: the channels and time limits
    assert f"六十日内向{ps.RECONSIDERATION_BODY}申请行政复议" in text
    assert f"六个月内依法向{ps.COURT}提起行政诉讼" in text
    # (六) the agency and the date; the seal and the officers' boxes are on the page
    assert "示例区综合行政执法局（印章）" in text and "2026年11月27日" in text
    assert "测试管理员（执法证号：TEST0001）" in text and "测试队员（执法证号：TEST0002）" in text
    assert "送达回执" in text and "受送达人签名（捺印）" in text
    assert "听证" not in text  # no hearing due, no prior notice served yet
    assert "事先告知书" not in text


def test_the_on_the_spot_decision_follows_arts_51_and_52(world: World, tmp_path: Path) -> None:
    made = ps.decision(world.case.id, world.statement.id, world.admin.id,
                       evaluated=ps.on_the_spot())
    assert penalty_documents.kinds_for(made) == [Kind.ON_THE_SPOT]
    text = text_of(penalty_documents.draft(world.store, made, Kind.ON_THE_SPOT,
                                           quote()).pdf, tmp_path)
    assert "当场行政处罚决定书" in text and "示综执当罚字〔2026〕第1号" in text
    assert "已向当事人出示执法证件" in text
    assert "当场作出如下行政处罚：罚款人民币50元（大写：伍拾元整）" in text
    assert "作出决定的时间：2026年11月27日09时00分" in text and "地点：测试路口" in text
    assert "六十日内" in text and "六个月内" in text
    assert quoted("《中华人民共和国行政处罚法》第五十一条") in text
    assert "本决定书由执法人员当场交付当事人，并报本机关备案" in text


def test_the_decision_not_to_penalise_gives_the_reason_and_no_fine(world: World,
                                                                    tmp_path: Path) -> None:
    evaluated, choice = ps.no_penalty()
    made = ps.decision(world.case.id, world.statement.id, world.admin.id, evaluated=evaluated,
                       choice=choice)
    assert penalty_documents.kinds_for(made) == [Kind.NO_PENALTY]
    text = text_of(penalty_documents.draft(world.store, made, Kind.NO_PENALTY,
                                           quote()).pdf, tmp_path)
    assert "不予行政处罚决定书" in text and "示综执不罚字〔2026〕第1号" in text
    assert ("依据《中华人民共和国行政处罚法》第三十三条第一款的规定，本机关决定对当事人"
            "不予行政处罚") in text
    assert "违法行为轻微并及时改正，没有造成危害后果的，不予行政处罚" in text  # quoted
    assert "本机关已对当事人进行了教育" in text
    assert "罚款人民币" not in text and "缴纳罚款" not in text


def test_an_order_to_correct_and_a_lighter_fine_with_its_reason(world: World,
                                                                tmp_path: Path) -> None:
    evaluated, choice = ps.lighter_with_correction()
    made = ps.decision(world.case.id, world.statement.id, world.admin.id, evaluated=evaluated,
                       choice=choice)
    assert penalty_documents.kinds_for(made) == [Kind.ORDER_TO_CORRECT, Kind.PRIOR_NOTICE,
                                                 Kind.DECISION]
    order = text_of(penalty_documents.draft(world.store, made, Kind.ORDER_TO_CORRECT,
                                            quote()).pdf, tmp_path)
    assert "责令改正通知书" in order and "示综执责改字〔2026〕第1号" in order
    assert "现责令你自收到本通知书之日起立即改正上述违法行为" in order
    assert quoted("《中华人民共和国行政处罚法》第二十八条第一款") in order
    decision = text_of(penalty_documents.draft(world.store, made, Kind.DECISION,
                                               quote()).pdf, tmp_path)
    assert "罚款人民币30元（大写：叁拾元整），并处责令改正" in decision
    assert "依法从轻处罚，罚款三十元" in decision  # the deviation and its written reason
    assert ps.ART_32_1 + "：" + quoted(ps.ART_32_1) in decision


@pytest.mark.parametrize("evaluated", [ps.evaluation(), ps.on_the_spot()])
def test_the_documents_embed_their_one_font(world: World, tmp_path: Path,
                                            evaluated: Evaluation) -> None:
    made = ps.decision(world.case.id, world.statement.id, world.admin.id, evaluated=evaluated)
    kind = penalty_documents.kinds_for(made)[-1]
    draft = penalty_documents.draft(world.store, made, kind, quote())
    path = tmp_path / "fonts.pdf"
    path.write_bytes(draft.pdf)
    report = subprocess.run([poppler_tool("pdffonts"), str(path)], capture_output=True,
                            text=True, check=True).stdout.splitlines()[2:]
    assert report, "no fonts listed"
    for line in report:
        assert "WenQuanYiMicroHei" in line, line
        assert line.split()[-5:-3] == ["yes", "yes"], line  # embedded, subset
    # The page images for read-back are PNGs, one per page; the receipt is on the last page.
    assert len(draft.page_images) == draft.page_count >= 1
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in draft.page_images)
    assert draft.receipt_page == draft.page_count - 1
    assert "receipt" in draft.rendered.boxes and draft.rendered.boxes["receipt"][0] == \
        draft.receipt_page


def test_which_documents_a_decision_calls_for(world: World) -> None:
    ids = (world.case.id, world.statement.id, world.admin.id)
    assert penalty_documents.kinds_for(ps.decision(*ids)) == [Kind.PRIOR_NOTICE, Kind.DECISION]
    # The simple procedure asked for where art. 51 does not allow it: the general procedure.
    refused_spot = ps.on_the_spot()
    refused_spot = refused_spot.__class__(**{**refused_spot.__dict__,
                                              "on_the_spot_allowed": False})
    assert penalty_documents.kinds_for(ps.decision(*ids, evaluated=refused_spot)) == [
        Kind.PRIOR_NOTICE, Kind.DECISION]
    with pytest.raises(UserError, match="does not call for"):
        penalty_documents.draft(world.store, ps.decision(*ids), Kind.NO_PENALTY, quote())


def test_a_citation_the_library_cannot_quote_refuses_the_draft(world: World) -> None:
    def no_library(citation: str) -> str:
        raise UserError(f"The citation {citation} is not in the law library.")

    made = ps.decision(world.case.id, world.statement.id, world.admin.id)
    with pytest.raises(UserError, match="not in the law library"):
        penalty_documents.draft(world.store, made, Kind.DECISION, no_library)


@pytest.mark.parametrize(("yuan", "words"), [
    (20, "贰拾元整"), (100, "壹佰元整"), (105, "壹佰零伍元整"), (200, "贰佰元整"),
    (1010, "壹仟零壹拾元整"), (3000, "叁仟元整"), (50000, "伍万元整"),
    (100200, "壹拾万零贰佰元整"), (500000, "伍拾万元整"), (10000001, "壹仟万零壹元整")])
def test_amounts_in_capital_figures(yuan: int, words: str) -> None:
    assert amount_in_words(yuan) == words


def test_the_deciding_agency_is_the_bureau_not_the_squad() -> None:
    assert penalty_documents.agency_name("示例区综合行政执法局测试中队") == "示例区综合行政执法局"
    assert penalty_documents.agency_name("测试中队") == "测试中队"


def test_every_page_image_carries_a_code_that_ties_it_to_the_document(world: World) -> None:
    import io

    import zxingcpp
    from PIL import Image

    made = ps.decision(world.case.id, world.statement.id, world.admin.id,
                       evaluated=ps.hearing())
    draft = penalty_documents.draft(world.store, made, Kind.PRIOR_NOTICE, quote())
    assert draft.page_count >= 2
    for page, png in enumerate(draft.page_images, start=1):
        with Image.open(io.BytesIO(png)) as image:
            codes = [c.text for c in zxingcpp.read_barcodes(image)
                     if c.format == zxingcpp.BarcodeFormat.QRCode]
        assert codes == [f"SRP1:{made.id}:prior_notice:{draft.content.content_digest}:"
                         f"{page}/{draft.page_count}"]
    # Drafting again for the same moment gives the same pages, so a receipt signed on the
    # draft shown binds to the document signed.
    other = penalty_documents.draft(world.store, made, Kind.PRIOR_NOTICE, quote(),
                                    at=draft.at)
    assert other.page_bindings == draft.page_bindings  # deterministic for the same moment


@pytest.mark.parametrize("kind", list(Kind))
def test_every_template_fills_every_placeholder(world: World, tmp_path: Path,
                                                kind: Kind) -> None:
    evaluated, choice = (ps.no_penalty() if kind is Kind.NO_PENALTY
                         else ps.lighter_with_correction())
    if kind is Kind.ON_THE_SPOT:
        evaluated = ps.on_the_spot()
        choice = ps.decision("c", None, "o", evaluated=evaluated).choice  # type: ignore[assignment]
    made = ps.decision(world.case.id, world.statement.id, world.admin.id, evaluated=evaluated,
                       choice=choice)
    text = text_of(penalty_documents.draft(world.store, made, kind, quote()).pdf, tmp_path)
    assert "{" not in text and "}" not in text
    assert "示例区综合行政执法局" in text and "第1页" in text


def test_a_unit_is_addressed_as_a_unit(world: World, tmp_path: Path) -> None:
    """A unit is addressed by the name the case holds for it (decision 54), never by the
    interviewee's workplace; a unit decision on a case that names no unit is refused."""
    from dataclasses import replace

    from desktop.domain.model import RepresentativeTitle, UnitParty
    from desktop.services import case_party
    from legal.discretion.model import PartyType

    evaluated = ps.evaluation()
    evaluated = replace(evaluated, facts=replace(evaluated.facts, party_type=PartyType.UNIT))
    with pytest.raises(UserError, match="names no unit"):
        draft_text(world, tmp_path, Kind.PRIOR_NOTICE, evaluated=evaluated)
    case_party.set_unit(world.store, world.case.id, UnitParty(
        name="测试科技有限公司", credit_code="91110101TE00000019", representative="测试负责人丙",
        representative_title=RepresentativeTitle.PRINCIPAL, address="北京市东城区测试大街1号"))
    text = draft_text(world, tmp_path, Kind.PRIOR_NOTICE, evaluated=evaluated)
    assert text.startswith("示例区综合行政执法局行政处罚事先告知书")
    assert "测试科技有限公司：" in text and "测试商店" not in text
    assert "你单位的上述行为违反了" in text and "你单位有权进行陈述和申辩" in text
    decision = draft_text(world, tmp_path, Kind.DECISION, evaluated=evaluated)
    assert ("当事人：测试科技有限公司统一社会信用代码：91110101TE00000019负责人：测试负责人丙"
            "住所：北京市东城区测试大街1号联系电话：—") in decision


def test_the_hearing_paragraph_follows_the_penalty_as_chosen(world: World,
                                                             tmp_path: Path) -> None:
    """The evaluation proposed a penalty with a hearing right; the officer chose one without
    (and the other way round): the notice tells of a hearing exactly when the choice gives
    one (arts. 63-64), and a chosen hearing right takes an on-the-spot case to the notice."""
    lowered = Choice(waived=False, amount=60, penalties=("罚款",), deviation=None, steps=(),
                     hearing_right=False, legal_review_required=False)
    text = draft_text(world, tmp_path, Kind.PRIOR_NOTICE, evaluated=ps.hearing(),
                      choice=lowered)
    assert "要求举行听证" not in text and "第六十四条" not in text
    raised = Choice(waived=False, amount=100, penalties=("罚款",), deviation=None, steps=(),
                    hearing_right=True, legal_review_required=True)
    text = draft_text(world, tmp_path, Kind.PRIOR_NOTICE, choice=raised)
    assert "有要求举行听证的权利" in text and "也未要求听证的" in text
    spot = ps.decision(world.case.id, world.statement.id, world.admin.id,
                       evaluated=ps.on_the_spot(), choice=raised)
    assert penalty_documents.kinds_for(spot) == [Kind.PRIOR_NOTICE, Kind.DECISION]
    assert spot.review_required and spot.hearing_right
