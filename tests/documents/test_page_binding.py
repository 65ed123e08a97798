"""What a party's page signature is bound to: everything printed on the page, not only the
QR payload. A change outside the content digest (typed declaration, form fields, the party's
particulars, an officer's name, a refusal) gives the pages that print it a new binding and
leaves the QR payloads, which verifiers compare with the content digest, as they were."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from desktop.documents.form_text import StatementDocument
from desktop.documents.render import RenderedStatement, render_statement
from desktop.domain.model import SignatureRefusal, StatementForm
from tests.documents.test_render import START, make_document, short_document


def rendered(doc: StatementDocument) -> RenderedStatement:
    return render_statement(doc, START + timedelta(hours=2))


def changed_pages(before: RenderedStatement, after: RenderedStatement) -> list[int]:
    """Pages (from 0) whose binding differs; the QR payloads must be the same."""
    assert after.qr_payloads == before.qr_payloads
    assert len(after.page_bindings) == after.page_count == before.page_count
    return [i for i, (a, b) in enumerate(zip(before.page_bindings, after.page_bindings,
                                             strict=True)) if a != b]


def two_pages() -> StatementDocument:
    doc = make_document([("请你详细陈述当天的经过。", "我把车停在人行道上。" * 60)])
    assert rendered(doc).page_count == 2
    return doc


def test_the_same_document_binds_its_pages_the_same_way_each_time() -> None:
    doc = two_pages()
    first = rendered(doc)
    # A different creation time changes the PDF's metadata, not what is printed.
    again = render_statement(doc, START + timedelta(hours=5))
    assert again.page_bindings == first.page_bindings
    assert len(set(first.page_bindings)) == first.page_count


def test_another_typed_declaration_rebinds_only_the_last_page() -> None:
    doc = two_pages()
    other = replace(doc, declaration="以上笔录我看过，和我说的不相符。")
    assert changed_pages(rendered(doc), rendered(other)) == [1]


def test_handwriting_space_instead_of_a_typed_declaration_rebinds_the_last_page() -> None:
    doc = two_pages()
    assert changed_pages(rendered(doc), rendered(replace(doc, declaration=None))) == [1]


def test_the_form_fields_rebind_the_pages_that_print_them() -> None:
    doc = two_pages()
    numbered = replace(doc, statement=replace(doc.statement, form=StatementForm(sequence=2)))
    assert changed_pages(rendered(doc), rendered(numbered)) == [0]  # 第2次询问 by the title
    interpreted = replace(doc, statement=replace(
        doc.statement, form=StatementForm(interpreter="翻译甲", interpreter_language="英语")))
    assert 1 in changed_pages(rendered(doc), rendered(interpreted))  # its line above the grid
    guarded = replace(doc, statement=replace(
        doc.statement, form=StatementForm(guardian="赵父", guardian_relation="父亲")))
    assert 1 in changed_pages(rendered(doc), rendered(guarded))


def test_the_partys_particulars_and_an_officers_name_rebind_their_pages() -> None:
    doc = two_pages()
    renamed = replace(doc, party=replace(doc.party, id_number="110101199003079999"))
    assert changed_pages(rendered(doc), rendered(renamed)) == [0]  # the header
    officer = replace(doc, recorder=replace(doc.recorder, name="王晓"))
    assert 0 in changed_pages(rendered(doc), rendered(officer))


def test_a_refusal_rebinds_the_last_page() -> None:
    doc = short_document()
    refused = replace(doc, statement=replace(doc.statement, refusal=SignatureRefusal(
        "当事人拒绝签名", "见证人丙", START + timedelta(hours=1))))
    assert changed_pages(rendered(doc), rendered(refused)) == [rendered(doc).page_count - 1]
