"""Failed sign-ins, counted per email and per client address, to slow down
password guessing. Kept in the server's memory: a restart forgets them, and
each server process counts its own."""

import threading
import time
from collections import defaultdict, deque


class FailedSignIns:
    def __init__(self, most: int, within_seconds: float) -> None:
        self.most = most
        self.within = within_seconds
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.within:
            failures.popleft()
        return failures

    def blocked(self, *keys: str) -> bool:
        """Whether any of ``keys`` failed too often lately."""
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(key, now)) >= self.most for key in keys)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)
