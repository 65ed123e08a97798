"""Enrolling with HQ and running one sync round on an unlocked store.

`enrol` proves the device key to HQ with the administrator's one-time code and pins HQ's
receipt key (audited), and, when HQ acts as the unit CA, takes the device signing
certificate it issues (`device_certificate`); `run_round` runs the engine
(`sync.client.engine`) over the store's `StoreSyncSource`, then pulls HQ's reference data
(`sync_refdata`: a refusal is reported, never aborts the round, and keeps the last good
data), audits the round's counts, keeps HQ's clock offset the round measured (the reference
data's expiry is judged by it), and refreshes HQ's countersignature beside the key file.
Both answer in the officer's words: HQ's English messages stay in the log.

`act_for_officer` gives a session that enrolled the device its officer's HQ key at once (the
key is otherwise made at the next login, the only other time the password is in hand).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from gettext import gettext as _
from gettext import ngettext

from desktop.domain.errors import UserError
from desktop.domain.model import Role
from desktop.services import device_certificate
from desktop.services.sync import (
    StoreSyncSource,
    error_words,
    keep_countersign_file,
    record_round,
    save_enrolment,
)
from desktop.services.sync_refdata import RefdataPull, pull
from desktop.store import officer_hq_keys
from desktop.store.officer_auth import authenticate
from desktop.store.store import Store
from sync.client.engine import Progress, SyncEngine, SyncResult
from sync.client.enrol import Enrolled, EnrolmentRefused, parse_code
from sync.client.enrol import enrol as enrol_device
from sync.client.transport import InsecureUrl, NetworkError, check_hq_url
from sync.protocol.signing import key_id_for

__all__ = ["Progress", "RoundReport", "act_for_officer", "enrol", "run_round"]


def enrol(store: Store, hq_url: str, code: str, name: str | None = None, *,
          password: str | None = None) -> Enrolled:
    """Enrol this store's device key with the HQ at `hq_url` (administrators only); if HQ
    acts as the unit CA, the device signing certificate it issues becomes this statement
    room's DEVICE identity (`enrolled.certificate` says so). With the administrator's
    `password` (checked first, counted like a login), this session's rounds then act for
    them at once (`act_for_officer`)."""
    if store.officer.role is not Role.ADMIN:
        raise UserError(_("Only an administrator can enrol this device with HQ."))
    if password is not None:
        authenticate(store, store.officer.id, password)
    source = StoreSyncSource(store)
    try:
        code_id, _secret = parse_code(code)
        signing_key = device_certificate.signing_key(source.device_key(), code_id)
        enrolled = enrol_device(hq_url, code, source.device_key(),
                                name or f"Statement Room {store.store_id}",
                                csr=device_certificate.request_for(
                                    signing_key, key_id_for(source.device_key().public_key())))
    except EnrolmentRefused as exc:
        raise UserError(_("HQ refused the enrolment: {reason}").format(
            reason=error_words(exc.code))) from exc
    except InsecureUrl as exc:
        raise UserError(_insecure(hq_url)) from exc
    except NetworkError as exc:
        raise UserError(_("HQ at {url} could not be reached; check the address and the "
                          "network, then try again.").format(url=hq_url)) from exc
    received = None if enrolled.certificate is None else device_certificate.checked(
        signing_key, enrolled.certificate)  # before anything is kept: refused, nothing changes

    def keep() -> None:
        if received is not None:
            device_certificate.install(store, received, enrolled.hq_id)
        save_enrolment(store, enrolled,
                       device_certificate=None if received is None else received.fingerprint)

    # Through the session's write lane: the GUI enrols from a thread of its own.
    store.write(keep)
    if password is not None:
        _open_officer_key(store, password)
    return enrolled


def act_for_officer(store: Store, password: str) -> None:
    """Open (or make, once enrolled) the session officer's HQ key with their password, checked
    and counted like a login, so this session's rounds act for them (decision 27)."""
    authenticate(store, store.officer.id, password)
    _open_officer_key(store, password)


def _open_officer_key(store: Store, password: str) -> None:
    officer_id = store.officer.id
    store.officer_hq_key = store.write(lambda: officer_hq_keys.at_login(
        store.conn, officer_id, password, store.transaction))


def _insecure(url: str) -> str:
    return _("{url} is not a secure address: HQ is reached over https:// (plain http:// only "
             "on this computer).").format(url=url)


@dataclass(frozen=True)
class RoundReport:
    """One round in the officer's terms."""

    result: SyncResult
    summary: dict[str, int]
    problems: tuple[str, ...]  # in words
    refdata: RefdataPull | None = None  # None: HQ was not reached, or the round was cancelled

    @property
    def complete(self) -> bool:
        return self.result.complete


def run_round(store: Store, *, hq_url: str | None = None,
              progress: Callable[[Progress], None] | None = None,
              cancel: threading.Event | None = None,
              bandwidth: float | None = None,
              clock_ms: Callable[[], int] | None = None) -> RoundReport:
    """Send everything pending to HQ and keep the receipts; audited with its counts.
    `clock_ms` is this device's clock (the system's by default)."""
    if hq_url is not None:
        try:  # a mistyped address is the officer's to fix, not a round that pauses
            check_hq_url(hq_url)
        except InsecureUrl as exc:
            raise UserError(_insecure(hq_url)) from exc
    source = StoreSyncSource(store, hq_url=hq_url)
    if source.enrolment() is None:
        raise UserError(_("This device is not enrolled with HQ yet: run `statement-room sync "
                          "enrol --hq URL --code CODE` with a code from the HQ "
                          "administrator."))
    if not store.suspect:  # HQ countersigns the trail as it stands now, not a session ago
        store.write(store.sign_tree_head)  # the GUI's sync thread writes through its lane
    engine = SyncEngine(source, progress=progress, cancel=cancel, bandwidth=bandwidth)
    if clock_ms is not None:
        engine.clock_ms = clock_ms
    result = engine.run_round()
    enrolment = source.enrolment()
    pulled = None
    if enrolment is not None and not (result.offline or result.cancelled):
        # refdata.accept writes through the store's write lane too.
        pulled = pull(store, enrolment, source.device_key(), bandwidth=bandwidth)
    summary = {"sent": result.sent, "already_held": result.already_held,
               "receipts_verified": result.receipts_verified, "failed": len(result.failed),
               "bytes_sent": result.bytes_sent, "paused": int(result.paused is not None),
               "offline": int(result.offline),
               "refdata_updated": 0 if pulled is None else len(pulled.updated),
               "refdata_refused": int(pulled is not None and pulled.refused),
               "requeued_after_restore": result.requeued_after_restore}
    stopped = "network" if result.offline else result.paused
    store.write(lambda: record_round(store, summary, stopped,
                                     clock_offset_ms=result.clock_offset_ms))
    keep_countersign_file(store)
    problems: list[str] = []
    if result.offline:
        problems.append(error_words("network"))
    if result.paused is not None:
        problems.append(error_words(result.paused))
    problems.extend(dict.fromkeys(error_words(f.error) for f in result.failed))
    if result.hq_restored_at is not None:  # worth saying even when the round completed
        problems.append(ngettext(
            "HQ was restored from a backup and had lost {count} record sent from here; it "
            "was sent again.",
            "HQ was restored from a backup and had lost {count} records sent from here; they "
            "were sent again.", result.requeued_after_restore).format(
                count=result.requeued_after_restore))
    return RoundReport(result, summary, tuple(dict.fromkeys(problems)), pulled)
