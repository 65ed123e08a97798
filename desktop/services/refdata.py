"""Reference data from HQ: accept a signed manifest and the datasets it names, or refuse.

HQ publishes versioned datasets (roster, templates, revocations; later laws and discretion
standards) under a manifest signed with its receipt key (`sync.protocol.refdata`). Before
anything is kept: the manifest verifies with the key pinned at enrolment and names the HQ the
device enrolled with; it is not older than the one held (a replayed manifest would freeze the
device on old data); no dataset goes back to a version below the one held (a rollback); and
each dataset's bytes have the SHA-256 and size the manifest states. A refused manifest keeps
nothing and leaves the device on its last good data, and the reason is kept (as a code, in
words when shown) until a manifest is accepted. An expired manifest is "stale": the officer
is warned and keeps working (an interview is never blocked for want of a network).

A dataset the officer works from (the law library, the discretion standard) is also decoded
before it replaces the one held (and before the law index is rebuilt from it): a version that
verifies but that this program cannot read (say a newer format from an upgraded HQ) is set
aside, audited as refused, and said in words (`RefdataUpdate.refused`, and the status until a
manifest is accepted whole); the last good version stays in use (the client works offline on
it), and the rest of the manifest is kept, so that one unreadable dataset does not hold back
the others. While that refusal stands, the same version (same name, version and SHA-256) is
not fetched again by the same program, so a large library HQ cannot serve readably does not
cost its download at every round; a program of another version (an upgrade may read it)
fetches and tries it again, audited once all the same. A newer readable version replaces the
held one as usual.

The expiry is HQ's time, so it is judged by HQ's clock: this device's clock corrected by the
offset the last round measured (`SR-HQ-Time`, kept by `desktop.services.sync_round`). A
device whose clock is wrong by days neither calls fresh data stale nor keeps expired data
fresh; when the offset is large (`LARGE_CLOCK_OFFSET_MS`) the status says which clock judged.

The fetching is the caller's (`fetch(name, version) -> bytes`), so this works the same over
the sync client, from a file carried by hand, or in a test.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from gettext import gettext as _
from gettext import ngettext

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from desktop.domain.errors import UserError
from desktop.store import refdata, sync_state
from desktop.store.store import Store
from desktop.version import program_version
from legal.discretion.model import Standard, StandardError
from legal.library.model import Library, LibraryError
from sync.protocol.canonical import canonical_json
from sync.protocol.refdata import RefManifest
from sync.protocol.signing import Signed

__all__ = [
    "LARGE_CLOCK_OFFSET_MS",
    "RefdataRefused",
    "RefdataStatus",
    "RefdataUpdate",
    "accept",
    "clock_words",
    "dataset_words",
    "refusal_words",
    "revoked_fingerprints",
    "status",
]

REVOCATIONS = "revocations"
# The datasets decoded before they replace the held version: those an officer works from,
# whose decoding fails only at use (search, evaluation) when nothing checks it here.
_DECODERS: dict[str, Callable[[bytes], object]] = {
    "laws": Library.from_bytes, "discretion": Standard.from_bytes}
# What a decoder raises for bytes it cannot read: its own error, and what a document of an
# unexpected shape raises before the decoder can say so (an attribute missing on a list).
_UNREADABLE = (LibraryError, StandardError, ValueError, TypeError, KeyError, AttributeError,
               AssertionError)
# A dataset set aside as unreadable, in the words of `refusal_words`.
_SET_ASIDE = ("unreadable_dataset", "unreadable_first_dataset")
# Beyond this the status says that HQ's clock judged the expiry: Kerberos's default tolerance
# for clock skew, a drift an officer would not notice.
LARGE_CLOCK_OFFSET_MS = 5 * 60 * 1000


def dataset_words(name: str) -> str:
    """A reference dataset's name in the officer's words (the wire name if a new one)."""
    words = {"roster": _("roster"), "templates": _("templates"),
             "revocations": _("revocations"), "laws": _("laws"),
             "discretion": _("discretion")}
    return words.get(name, name)


def refusal_words(code: str, params: Mapping[str, str | int]) -> str:
    """Why a manifest was refused, in the officer's words (`RefdataRefused.code`)."""
    words = {
        "unreadable": _("HQ's reference data could not be read ({problem}); the last good "
                        "version stays in use."),
        "bad_signature": _("HQ's reference data is not signed with the key pinned at "
                           "enrolment; nothing was kept, the last good version stays in use."),
        "other_hq": _("The reference data is from HQ 「{other}」, not from 「{hq}」 this device "
                      "is enrolled with; nothing was kept."),
        "replayed": _("HQ sent reference data older than the data this device already holds "
                      "(a replay?); nothing was kept."),
        "rollback": _("HQ offered version {offered} of 「{name}」, older than version "
                      "{current} held here (a rollback); nothing was kept."),
        "bad_dataset": _("Version {version} of 「{name}」 does not have the SHA-256 and size "
                         "HQ's signed manifest states; nothing was kept."),
        "unreadable_dataset": _("Version {version} of 「{name}」 from HQ cannot be read by "
                                "this program ({problem}); it was set aside and version "
                                "{current} stays in use. If HQ was upgraded, this program may "
                                "need upgrading too; otherwise ask HQ to publish it again."),
        "unreadable_first_dataset": _("Version {version} of 「{name}」 from HQ cannot be read "
                                      "by this program ({problem}); it was set aside and none "
                                      "is held yet. If HQ was upgraded, this program may need "
                                      "upgrading too; otherwise ask HQ to publish it again."),
    }
    if code not in words:
        return _("HQ's reference data was refused ({code}).").format(code=code)
    shown = dict(params)
    if "name" in shown:
        shown["name"] = dataset_words(str(shown["name"]))
    try:
        return words[code].format(**shown)
    except (KeyError, IndexError):  # kept by another version of the program
        return _("HQ's reference data was refused ({code}).").format(code=code)


def _duration(ms: int) -> str:
    minutes = round(abs(ms) / 60_000)
    if minutes >= 2 * 24 * 60:
        days = round(minutes / (24 * 60))
        return ngettext("{n} day", "{n} days", days).format(n=days)
    if minutes >= 2 * 60:
        hours = round(minutes / 60)
        return ngettext("{n} hour", "{n} hours", hours).format(n=hours)
    return ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)


def clock_words(offset_ms: int) -> str:
    """Which clock judged the expiry, when this device's is far from HQ's."""
    if offset_ms > 0:  # HQ is ahead: this device's clock is behind
        return _("This computer's clock is {amount} behind HQ's: the expiry is judged by "
                 "HQ's clock.").format(amount=_duration(offset_ms))
    return _("This computer's clock is {amount} ahead of HQ's: the expiry is judged by HQ's "
             "clock.").format(amount=_duration(offset_ms))


class RefdataRefused(UserError):
    """HQ's reference data was not accepted; the message says why, and nothing was kept.

    `code` and `params` are what the store keeps of the reason (`refusal_words` gives the
    words again later, in the language of the moment)."""

    def __init__(self, code: str, **params: str | int) -> None:
        super().__init__(refusal_words(code, params))
        self.code = code
        self.params = params


@dataclass(frozen=True)
class RefdataUpdate:
    """What one manifest changed: the datasets now at a newer version, the rest, and those
    whose new version this program cannot read (name -> why, in words; the held version of
    each stays, and is among `unchanged`)."""

    updated: dict[str, int]
    unchanged: dict[str, int]
    refused: dict[str, str] = field(default_factory=dict)

    @property
    def problem(self) -> str | None:
        """The refused datasets in one paragraph, or None when every one was kept."""
        return " ".join(self.refused.values()) or None


@dataclass(frozen=True)
class _SetAside:
    """A verified version of a dataset that did not decode: what the refusal keeps of it."""

    name: str
    version: int
    sha256: str
    current: int  # the version held, which stays (0: none)
    problem: str

    @property
    def code(self) -> str:
        return _SET_ASIDE[0] if self.current else _SET_ASIDE[1]

    @property
    def params(self) -> dict[str, str | int]:
        # "program": which version of this program could not read it (`known_unreadable`)
        return {"name": self.name, "version": self.version, "current": self.current,
                "sha256": self.sha256, "problem": self.problem, "program": program_version()}

    @classmethod
    def known_unreadable(cls, standing: refdata.Refusal | None, name: str, offered_version: int,
                         sha256: str, current: int) -> _SetAside | None:
        """The standing refusal of this very version, when this program set it aside (so
        fetching it again would only give the same answer); None otherwise."""
        if standing is None or standing.code not in _SET_ASIDE:
            return None
        said = standing.params
        if (said.get("name"), said.get("version"), said.get("sha256"), said.get("program")) \
                != (name, offered_version, sha256, program_version()):
            return None
        return cls(name, offered_version, sha256, current, str(said.get("problem", "")))

    def already_said(self, standing: refdata.Refusal | None) -> bool:
        """Whether the refusal standing is this very version set aside (audited already)."""
        return (standing is not None and standing.code in _SET_ASIDE
                and standing.params.get("name") == self.name
                and standing.params.get("sha256") == self.sha256)


def _unreadable(name: str, data: bytes) -> str | None:
    """Why this program cannot read a dataset it decodes, or None (also for the others)."""
    decoder = _DECODERS.get(name)
    if decoder is None:
        return None
    try:
        decoder(data)
    except _UNREADABLE as exc:
        return str(exc) or type(exc).__name__
    return None


@dataclass(frozen=True)
class RefdataStatus:
    """What the device holds, and whether it is stale."""

    versions: dict[str, int]
    issued_ms: int | None
    expires_ms: int | None
    stale: bool  # judged by HQ's clock when an offset was measured
    datasets: tuple[refdata.DatasetHeld, ...] = ()
    received_at: datetime | None = None  # when the manifest held came (this device's clock)
    clock_offset_ms: int | None = None  # HQ's time minus this device's, last measured
    refusal: str | None = None  # why the last manifest was refused, in words
    refused_at: datetime | None = None

    @property
    def clock_note(self) -> str | None:
        """Which clock judged the expiry, when this device's is far from HQ's; else None."""
        offset = self.clock_offset_ms
        if offset is None or abs(offset) < LARGE_CLOCK_OFFSET_MS:
            return None
        return clock_words(offset)


def _parse(signed_json: object) -> Signed[RefManifest]:
    try:
        return Signed.from_json(signed_json, RefManifest)
    except ValueError as exc:
        raise RefdataRefused("unreadable", problem=str(exc)) from exc


def accept(store: Store, signed_json: object, *, pinned_key: Ed25519PublicKey, hq_id: str,
           fetch: Callable[[str, int], bytes]) -> RefdataUpdate:
    """Check a signed manifest and keep every newer dataset it names, all or nothing (but
    for a dataset this program cannot read, set aside: `RefdataUpdate.refused`); a refusal
    keeps only its reason (shown by `status`)."""
    try:
        return _accept(store, signed_json, pinned_key=pinned_key, hq_id=hq_id, fetch=fetch)
    except RefdataRefused as refused:
        code, params = refused.code, refused.params

        def note() -> None:
            with store.transaction() as tx:
                refdata.save_refusal(tx, code, params)

        store.write(note)
        raise


def _accept(store: Store, signed_json: object, *, pinned_key: Ed25519PublicKey, hq_id: str,
            fetch: Callable[[str, int], bytes]) -> RefdataUpdate:
    signed = _parse(signed_json)
    manifest = signed.body
    if not signed.verify(pinned_key):
        raise RefdataRefused("bad_signature")
    if manifest.hq != hq_id:
        raise RefdataRefused("other_hq", other=manifest.hq, hq=hq_id)
    with store.reading() as conn:
        held_manifest = refdata.manifest(conn)
        held = refdata.held_versions(conn)
        standing = refdata.refusal(conn)
    if held_manifest is not None and manifest.issued_ms < held_manifest.issued_ms:
        raise RefdataRefused("replayed")
    newer: dict[str, bytes] = {}
    set_aside: list[_SetAside] = []
    for name, offered in sorted(manifest.datasets.items()):
        current = held.get(name, 0)
        if offered.version < current:
            raise RefdataRefused("rollback", offered=offered.version, name=name,
                                 current=current)
        if offered.version == current:
            continue
        known = _SetAside.known_unreadable(standing, name, offered.version, offered.sha256,
                                           current)
        if known is not None:
            set_aside.append(known)
            continue
        data = fetch(name, offered.version)
        if len(data) != offered.size or hashlib.sha256(data).hexdigest() != offered.sha256:
            raise RefdataRefused("bad_dataset", version=offered.version, name=name)
        problem = _unreadable(name, data)
        if problem is not None:  # checked before anything replaces the held version
            set_aside.append(_SetAside(name, offered.version, offered.sha256, current, problem))
            continue
        newer[name] = data
    wire = canonical_json(signed.to_json()).decode("utf-8")

    def keep() -> None:
        with store.transaction() as tx:
            refdata.save_manifest(tx, wire, manifest.issued_ms, manifest.expires_ms)
            standing = refdata.refusal(tx.conn)
            refdata.clear_refusal(tx)
            for aside in set_aside:
                if not aside.already_said(standing):
                    refdata.refuse_dataset(tx, aside.name, aside.version, aside.sha256,
                                           aside.problem)
            if set_aside:  # the status says it until a manifest is accepted whole
                refdata.save_refusal(tx, set_aside[0].code, set_aside[0].params)
            for name, data in newer.items():
                offered = manifest.datasets[name]
                refdata.accept_dataset(tx, name, offered.version, offered.sha256, data)

    store.write(keep)
    return RefdataUpdate(
        updated={name: manifest.datasets[name].version for name in newer},
        unchanged={name: d.version for name, d in manifest.datasets.items()
                   if name not in newer and not any(a.name == name for a in set_aside)}
        | {a.name: a.current for a in set_aside if a.current},
        refused={a.name: refusal_words(a.code, a.params) for a in set_aside})


def status(store: Store, now_ms: int) -> RefdataStatus:
    """What is held (each dataset's version and when it came), whether the manifest behind
    it has expired by HQ's clock (`now_ms`, this device's clock, corrected by the offset last
    measured), and why the last manifest was refused, if it was."""
    with store.reading() as conn:
        held_manifest = refdata.manifest(conn)
        held = refdata.held_datasets(conn)
        offset = sync_state.hq_offset(conn)
        refused = refdata.refusal(conn)
    hq_now_ms = now_ms + (offset or 0)
    return RefdataStatus(
        versions={d.name: d.version for d in held},
        issued_ms=None if held_manifest is None else held_manifest.issued_ms,
        expires_ms=None if held_manifest is None else held_manifest.expires_ms,
        stale=held_manifest is not None and hq_now_ms >= held_manifest.expires_ms,
        datasets=tuple(held),
        received_at=None if held_manifest is None else held_manifest.received_at,
        clock_offset_ms=offset,
        refusal=None if refused is None else refusal_words(refused.code, refused.params),
        refused_at=None if refused is None else refused.at)


def revoked_fingerprints(store: Store) -> frozenset[str]:
    """SHA-256 fingerprints (hex) of the certificates HQ's revocation list names.

    The dataset is JSON: ``{"certificates": [{"sha256": hex, "revoked_at": …, "reason": …}]}``."""
    with store.reading() as conn:
        held = refdata.dataset(conn, REVOCATIONS)
    if held is None:
        return frozenset()
    try:
        listed = json.loads(held.data.decode("utf-8"))["certificates"]
        return frozenset(str(item["sha256"]).lower() for item in listed)
    except (ValueError, KeyError, TypeError) as exc:
        raise UserError(_("HQ's list of revoked certificates cannot be read ({problem}).")
                        .format(problem=exc)) from exc
