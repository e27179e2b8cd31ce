"""In-memory rate-limit storage that holds at most `max_entries` keys, whatever arrives.

Why not `limits`' own MemoryStorage: a key's moving-window list stays in it (empty) after its
events expire, until the key is cleared, and a daily window keeps its events for a day, so a
stream of new addresses or sessions grows it without bound; its expiry thread also walks every
key about every 10 ms while requests arrive, and clearing keys from outside races with that walk.
Measured in bench/RESULTS.md, "Issue 13 — limits". Here every key is one entry in an LRU: the
least recently used keys are dropped first (their counts restart: a client would need
`max_entries` other keys to arrive in between), expired data goes when its key is next touched,
and there is no background thread.

It implements the storage interface `limits`' fixed- and moving-window strategies call.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from limits.storage import MovingWindowSupport, Storage

MAX_ENTRIES = 300_000  # each client key is up to three entries (two windows and the budget)


class BoundedMemoryStorage(Storage, MovingWindowSupport):
    """Counters (fixed windows) and timestamp lists (moving windows), at most max_entries keys."""

    STORAGE_SCHEME = None  # built directly, never from a URL

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        super().__init__()
        self.max_entries = max_entries
        # key -> [count, expires_at] (fixed window) or [timestamp, ...] oldest first (moving)
        self._data: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    @property
    def base_exceptions(self) -> type[Exception]:
        return RuntimeError

    def _touch(self, key: str, fresh: list[float]) -> list[float]:
        """The key's data, marked most recently used (or `fresh`, evicting the oldest keys)."""
        value = self._data.get(key)
        if value is None:
            value = self._data[key] = fresh
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)
        else:
            self._data.move_to_end(key)
        return value

    # -- fixed windows (the daily token budget) -------------------------------------------

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self._lock:
            counter = self._touch(key, [0, now + expiry])
            if counter[1] <= now:  # the window ended: a new one starts with this hit
                counter[0], counter[1] = 0, now + expiry
            counter[0] += amount
            return int(counter[0])

    def get(self, key: str) -> int:
        with self._lock:
            counter = self._data.get(key)
            return int(counter[0]) if counter and counter[1] > time.time() else 0

    def get_expiry(self, key: str) -> float:
        with self._lock:
            counter = self._data.get(key)
            now = time.time()
            return counter[1] if counter and counter[1] > now else now

    # -- moving windows (RATE_LIMIT) -------------------------------------------------------

    def _window(self, key: str, expiry: int, now: float) -> list[float]:
        events = self._touch(key, [])
        start = now - expiry
        stale = 0
        while stale < len(events) and events[stale] < start:
            stale += 1
        del events[:stale]
        return events

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        now = time.time()
        with self._lock:
            events = self._window(key, expiry, now)
            if len(events) + amount > limit:
                return False
            events.extend([now] * amount)  # never more than `limit` timestamps per key
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        with self._lock:
            events = self._window(key, expiry, now) if key in self._data else []
            return (events[0], len(events)) if events else (now, 0)

    # -- housekeeping ----------------------------------------------------------------------

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._lock:
            count = len(self._data)
            self._data.clear()
            return count

    def clear(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)
