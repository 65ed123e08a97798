"""When to try again: full-jitter exponential backoff, honouring HQ's ``Retry-After``.

A squad's desktops reconnect together when the network comes back; full jitter
(``U(0, min(cap, base * 2**attempt))``, sync-hq.md §3.10) spreads their retries so HQ is not
hit by all of them in the same second. HQ's ``Retry-After`` is a floor: retrying earlier
than HQ asked is never useful.
"""

from __future__ import annotations

import random
from collections.abc import Callable

__all__ = ["BASE_SECONDS", "CAP_SECONDS", "backoff_delay"]

BASE_SECONDS = 1.0
CAP_SECONDS = 300.0


def backoff_delay(attempt: int, *, retry_after: float | None = None,
                  base: float = BASE_SECONDS, cap: float = CAP_SECONDS,
                  uniform: Callable[[float, float], float] = random.uniform) -> float:
    """Seconds to wait before retry number ``attempt`` (0 for the first retry).

    Full jitter over ``[0, min(cap, base * 2**attempt)]``, raised to ``retry_after`` when HQ
    named one (even above ``cap``: HQ knows its own load)."""
    if attempt < 0:
        raise ValueError("attempt counts from 0")
    # 2**attempt overflows float range long after it passed any cap; stop doubling early.
    ceiling = cap if attempt >= 64 else min(cap, base * (2 ** attempt))
    delay = uniform(0.0, ceiling)
    if retry_after is not None and retry_after > delay:
        return retry_after
    return delay
