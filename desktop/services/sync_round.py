"""Enrolling with HQ and running one sync round on an unlocked store.

`enrol` proves the device key to HQ with the administrator's one-time code and pins HQ's
receipt key (audited); `run_round` runs the engine (`sync.client.engine`) over the store's
`StoreSyncSource`, audits the round's counts, and refreshes HQ's countersignature beside the
key file. Both answer in the officer's words: HQ's English messages stay in the log.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from gettext import gettext as _

from desktop.domain.errors import UserError
from desktop.domain.model import Role
from desktop.services.sync import (
    StoreSyncSource,
    error_words,
    keep_countersign_file,
    record_round,
    save_enrolment,
)
from desktop.store.store import Store
from sync.client.engine import Progress, SyncEngine, SyncResult
from sync.client.enrol import EnrolmentRefused
from sync.client.enrol import enrol as enrol_device
from sync.client.source import Enrolment
from sync.client.transport import InsecureUrl, NetworkError

__all__ = ["Progress", "RoundReport", "enrol", "run_round"]


def enrol(store: Store, hq_url: str, code: str, name: str | None = None) -> Enrolment:
    """Enrol this store's device key with the HQ at `hq_url` (administrators only)."""
    if store.officer.role is not Role.ADMIN:
        raise UserError(_("Only an administrator can enrol this device with HQ."))
    source = StoreSyncSource(store)
    try:
        enrolled = enrol_device(hq_url, code, source.device_key(),
                                name or f"Statement Room {store.store_id}")
    except EnrolmentRefused as exc:
        raise UserError(_("HQ refused the enrolment: {reason}").format(
            reason=error_words(exc.code))) from exc
    except InsecureUrl as exc:
        raise UserError(_insecure(hq_url)) from exc
    except NetworkError as exc:
        raise UserError(_("HQ at {url} could not be reached; check the address and the "
                          "network, then try again.").format(url=hq_url)) from exc
    # Through the session's write lane: the GUI enrols from a thread of its own.
    store.write(lambda: save_enrolment(store, enrolled))
    return enrolled


def _insecure(url: str) -> str:
    return _("{url} is not a secure address: HQ is reached over https:// (plain http:// only "
             "on this computer).").format(url=url)


@dataclass(frozen=True)
class RoundReport:
    """One round in the officer's terms."""

    result: SyncResult
    summary: dict[str, int]
    problems: tuple[str, ...]  # in words

    @property
    def complete(self) -> bool:
        return self.result.complete


def run_round(store: Store, *, hq_url: str | None = None,
              progress: Callable[[Progress], None] | None = None,
              cancel: threading.Event | None = None,
              bandwidth: float | None = None) -> RoundReport:
    """Send everything pending to HQ and keep the receipts; audited with its counts."""
    source = StoreSyncSource(store, hq_url=hq_url)
    if source.enrolment() is None:
        raise UserError(_("This device is not enrolled with HQ yet: run `statement-room sync "
                          "enrol --hq URL --code CODE` with a code from the HQ "
                          "administrator."))
    if not store.suspect:  # HQ countersigns the trail as it stands now, not a session ago
        store.write(store.sign_tree_head)  # the GUI's sync thread writes through its lane
    try:
        result = SyncEngine(source, progress=progress, cancel=cancel,
                            bandwidth=bandwidth).run_round()
    except InsecureUrl as exc:
        raise UserError(_insecure(hq_url or "")) from exc
    summary = {"sent": result.sent, "already_held": result.already_held,
               "receipts_verified": result.receipts_verified, "failed": len(result.failed),
               "bytes_sent": result.bytes_sent, "paused": int(result.paused is not None),
               "offline": int(result.offline)}
    stopped = "network" if result.offline else result.paused
    store.write(lambda: record_round(store, summary, stopped))
    keep_countersign_file(store)
    problems: list[str] = []
    if result.offline:
        problems.append(error_words("network"))
    if result.paused is not None:
        problems.append(error_words(result.paused))
    problems.extend(dict.fromkeys(error_words(f.error) for f in result.failed))
    return RoundReport(result, summary, tuple(dict.fromkeys(problems)))
