"""Pulling HQ's reference data at the end of a sync round (docs/protocols/sync.md §7).

`pull` fetches the signed manifest and the datasets it names through the sync client
(`sync.client.refdata`, which only fetches) and hands them to `desktop.services.refdata.accept`,
the one place that verifies them (the pinned key, the HQ, no older manifest, no version
rollback, every dataset's SHA-256 and size; all or nothing, audited). Whatever goes wrong —
a refusal, HQ's error, the network — comes back as a problem in the officer's words: the
round it follows is never undone or aborted, and the last good data stays in use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from gettext import gettext as _

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop.services import refdata
from desktop.services.sync import error_words
from desktop.store.store import Store
from sync.client.refdata import RefdataFetcher
from sync.client.source import Enrolment
from sync.client.throttle import TokenBucket
from sync.client.transport import HqConnection, HqError, InsecureUrl, NetworkError

__all__ = ["RefdataPull", "pull"]


@dataclass(frozen=True)
class RefdataPull:
    """What one pull did: the datasets now newer, those already current, or the problem."""

    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    problem: str | None = None  # in words; None when HQ's manifest was accepted whole

    @property
    def refused(self) -> bool:
        return self.problem is not None


def pull(store: Store, enrolment: Enrolment, device_key: Ed25519PrivateKey, *,
         bandwidth: float | None = None) -> RefdataPull:
    """Fetch HQ's reference data and keep what verifies; never raises for HQ or the network."""
    throttle = TokenBucket(bandwidth) if bandwidth else None
    try:
        conn = HqConnection(enrolment.hq_url, hq_id=enrolment.hq_id, device_key=device_key,
                            throttle=throttle)
    except InsecureUrl:  # the round said so already, in its own words
        return RefdataPull(problem=_(
            "HQ's reference data could not be fetched ({reason}); the last good version "
            "stays in use.").format(reason=_("the address of HQ is not secure")))
    with conn:
        fetcher = RefdataFetcher(conn)
        try:
            update = refdata.accept(store, fetcher.manifest(),
                                    pinned_key=enrolment.receipt_key,
                                    hq_id=enrolment.hq_id, fetch=fetcher.dataset)
        except refdata.RefdataRefused as exc:
            return RefdataPull(problem=str(exc))
        except HqError as exc:
            return RefdataPull(problem=_(
                "HQ's reference data could not be fetched ({reason}); the last good version "
                "stays in use.").format(reason=error_words(exc.code)))
        except NetworkError:
            return RefdataPull(problem=_(
                "HQ's reference data could not be fetched (HQ could not be reached); the "
                "last good version stays in use."))
    # A dataset this program cannot read was set aside, the rest kept: both are news.
    return RefdataPull(updated=update.updated, unchanged=update.unchanged,
                       problem=update.problem)
