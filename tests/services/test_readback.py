"""Read-back without a window: the document the interviewee signs, the signatures kept on it
when it is prepared again, who signs after them, and signing with each officer's own secret
(a real store, real keys, a real PDF)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest
from cryptography.x509 import load_pem_x509_certificate

from desktop.documents.capture import DECLARATION
from desktop.documents.page_signatures import PageSignature, ReadBackSignatures
from desktop.documents.synthetic_signature import synthetic_signature
from desktop.domain.errors import RuleViolation, UserError
from desktop.domain.model import Action, StatementState, TurnKind
from desktop.services import interview, readback
from desktop.services.officer_signing import (
    Credentials,
    load_roster,
    sign_in_turn,
)
from desktop.services.readback import (
    ReadBack,
    ReadBackDocument,
    declaration_presets,
    prepare_document,
)
from desktop.store import audit, documents
from tests.conftest import PASSWORD, SECOND_PASSWORD, World, provision_world_keys
from verification.pdf import verify_pdf


def to_read_back(world: World, paragraphs: int = 60) -> None:
    """The opening answered, one long answer (several pages), then read-back."""
    for turn in world.statement.turns:
        if turn.kind is TurnKind.ANSWER:
            interview.save_turn(world.store, turn.id, "明白。不申请回避。")
    interview.add_turn(world.store, world.statement.id, TurnKind.QUESTION, "车是你停的吗？")
    interview.add_turn(world.store, world.statement.id, TurnKind.ANSWER,
                       "是我停的，我去银行办事，停了大约十分钟。" * paragraphs)
    interview.start_read_back(world.store, world.statement.id)


def sign_every_page(session: ReadBack) -> None:
    for page, digest in enumerate(session.digests):
        session.signatures.add(PageSignature(page, synthetic_signature(page, digest, page)))


def test_a_draft_is_never_prepared_for_signing(world: World) -> None:
    with pytest.raises(RuleViolation, match="Only a statement in read-back can be signed"):
        prepare_document(world.store, world.statement.id, declaration_presets()[0])


def test_the_prepared_document_has_a_digest_per_page(world: World) -> None:
    to_read_back(world)
    document = prepare_document(world.store, world.statement.id, declaration_presets()[0])
    assert document.page_count > 1
    assert len(document.digests) == document.page_count == len(set(document.digests))
    assert document.pdf.startswith(b"%PDF")
    again = prepare_document(world.store, world.statement.id, declaration_presets()[0])
    assert again.digests == document.digests  # the same statement, the same pages


def test_the_two_usual_declarations_come_from_the_template() -> None:
    read, read_aloud = declaration_presets()
    assert "我看过" in read and "（或" not in read
    assert "我看过" not in read_aloud and read_aloud != read


def test_preparing_again_drops_only_the_signatures_of_changed_pages(world: World) -> None:
    to_read_back(world)
    read, read_aloud = declaration_presets()
    session = ReadBack(world.statement.id)
    document = prepare_document(world.store, world.statement.id, read)
    assert session.use_document(document, read) == []
    assert not session.handwritten and not session.complete()
    sign_every_page(session)
    assert session.complete() and session.missing_pages() == ()

    # Pages are bound to what they print: the same document keeps every signature.
    assert session.use_document(prepare_document(world.store, world.statement.id, read),
                                read) == []
    assert session.complete()
    # Another typed declaration changes the last page only: its signature goes, and the
    # officer is told which page; the pages before keep theirs.
    last = session.page_count - 1
    assert session.use_document(prepare_document(world.store, world.statement.id,
                                                 read_aloud), read_aloud) == [last]
    assert session.declaration == read_aloud and session.missing_pages() == (last,)
    session.signatures.add(PageSignature(last, synthetic_signature(
        last, session.digests[last], 5)))
    assert session.complete()
    # A page whose content changed loses its signature, and only that page.
    assert session.rendered is not None
    digests = list(session.digests)
    digests[1] = "0" * 64
    assert session.use_document(ReadBackDocument(session.rendered, tuple(digests)),
                                read_aloud) == [1]
    assert session.missing_pages() == (1,) and not session.complete()


def test_the_handwritten_declaration_goes_when_it_is_no_longer_wanted(world: World) -> None:
    to_read_back(world, paragraphs=1)
    session = ReadBack(world.statement.id)
    session.use_document(prepare_document(world.store, world.statement.id, None), None)
    assert session.handwritten and session.declaration is None
    sign_every_page(session)
    assert session.declaration_missing() and not session.complete()
    last = session.page_count - 1
    written = replace(synthetic_signature(last, session.digests[last], 7),
                      purpose=DECLARATION)
    session.signatures.set_declaration(written)
    assert session.complete() and not session.declaration_missing()

    assert session.use_document(prepare_document(world.store, world.statement.id, None),
                                None) == []
    assert session.signatures.declaration == written  # the same last page: it stays
    typed = declaration_presets()[0]
    # The typed declaration replaces the ruled space on the last page: the handwritten one
    # goes, and so does the last page's signature (it was signed under another page).
    assert session.use_document(prepare_document(world.store, world.statement.id, typed),
                                typed) == [last]
    assert session.signatures.declaration is None and not session.handwritten
    assert session.missing_pages() == (last,) and session.anything_signed()
    session.clear_signatures()
    assert not session.anything_signed() and session.missing_pages() == tuple(range(last + 1))


def test_the_roster_names_who_signs_and_who_lacks_a_key(world: World) -> None:
    to_read_back(world, paragraphs=1)
    roster = load_roster(world.store, world.statement.id)
    assert [seat.officer.id for seat in roster.seats] == [world.admin.id, world.second.id]
    assert [seat.part for seat in roster.seats] == ["Interviewer", "Interviewer and recorder"]
    assert not any(seat.token for seat in roster.seats)
    assert roster.missing and roster.custodians == ()
    provision_world_keys(world)
    roster = load_roster(world.store, world.statement.id)
    assert roster.missing == ()
    assert [officer.id for officer in roster.custodians] == [world.admin.id]


def test_each_officer_signs_with_their_own_secret_which_is_then_forgotten(
        world: World) -> None:
    to_read_back(world, paragraphs=1)
    unit = provision_world_keys(world)
    declaration = declaration_presets()[0]
    session = ReadBack(world.statement.id)
    session.use_document(prepare_document(world.store, world.statement.id, declaration),
                         declaration)
    sign_every_page(session)

    wrong = Credentials({world.admin.id: PASSWORD, world.second.id: "Wrong2026pass"},
                        world.admin.id, PASSWORD)
    assert "Wrong2026pass" not in repr(wrong) and PASSWORD not in repr(wrong)
    with pytest.raises(UserError):
        sign_in_turn(world.store, world.statement.id, session.signatures, wrong,
                     declaration=declaration)
    assert wrong.secrets == {} and wrong.custodian_secret == ""
    assert interview.get(world.store, world.statement.id).state is StatementState.READ_BACK

    right = Credentials({world.admin.id: PASSWORD, world.second.id: SECOND_PASSWORD},
                        world.admin.id, PASSWORD)
    signed = sign_in_turn(world.store, world.statement.id, session.signatures, right,
                          declaration=declaration)
    assert right.secrets == {} and right.custodian_secret == ""
    assert interview.get(world.store, world.statement.id).state is StatementState.SEALED
    assert documents.signed_document(world.store.conn, world.statement.id) == signed.pdf
    report = verify_pdf(signed.pdf, [load_pem_x509_certificate(unit.root_pem)])
    assert report.bottom_line, report.reasons
    assert signed.pages == session.page_count


def test_a_signed_statement_is_not_prepared_again(world: World) -> None:
    to_read_back(world, paragraphs=1)
    provision_world_keys(world)
    declaration = declaration_presets()[0]
    session = ReadBack(world.statement.id)
    session.use_document(readback.prepare_document(world.store, world.statement.id,
                                                   declaration), declaration)
    sign_every_page(session)
    sign_in_turn(world.store, world.statement.id, session.signatures,
                 Credentials({world.admin.id: PASSWORD, world.second.id: SECOND_PASSWORD},
                             world.admin.id, PASSWORD), declaration=declaration)
    with pytest.raises(RuleViolation, match="Only a statement in read-back can be signed"):
        prepare_document(world.store, world.statement.id, declaration)
    with pytest.raises(RuleViolation, match="Only a statement in read-back can be signed"):
        sign_in_turn(world.store, world.statement.id, ReadBackSignatures(),
                     Credentials({world.admin.id: PASSWORD, world.second.id: SECOND_PASSWORD},
                                 world.admin.id, PASSWORD), declaration=declaration)


def test_a_typed_declaration_is_recorded_as_the_officers_choice(world: World) -> None:
    to_read_back(world, paragraphs=1)

    def typed_events() -> list[dict[str, str]]:
        return [json.loads(e.details) for e in audit.events_about(world.store.conn,
                                                                  world.statement.id)
                if e.action == Action.STATEMENT_UPDATED.value]

    prepare_document(world.store, world.statement.id, None)
    assert typed_events() == []  # by hand is the default: nothing to record
    typed = declaration_presets()[1]
    prepare_document(world.store, world.statement.id, typed)
    [event] = typed_events()
    assert event == {"declaration": "typed", "chosen_by": "officer",
                     "declaration_sha256": hashlib.sha256(typed.encode()).hexdigest()}
    records = audit.events_about(world.store.conn, world.statement.id)
    assert records[-1].actor == world.admin.id

