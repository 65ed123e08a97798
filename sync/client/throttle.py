"""The bandwidth cap: a token bucket on the bytes the client sends.

An officer's setting (bytes per second, or none) keeps sync from filling a shared link
(sync-hq.md §3.10). The bucket holds at most one second of tokens, so a burst after an idle
minute stays within the cap too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["TokenBucket"]


class TokenBucket:
    """Blocks `take` until ``n`` bytes may go, at ``rate`` bytes per second on average."""

    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if rate <= 0:
            raise ValueError("the bandwidth cap must be positive (None means no cap)")
        self.rate = float(rate)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.rate  # one second of burst
        self._last = clock()
        self._lock = threading.Lock()

    def take(self, n: int) -> None:
        """Wait until ``n`` bytes fit under the cap, then spend them.

        A request larger than the bucket goes into debt and waits for it to be repaid, so
        large writes are capped as exactly as small ones."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.rate, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= n
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
