"""Thread-safe hand-off of engine events to the UI thread.

The engine's sink thread appends whole batches; the app drains them once per frame, a
chunk at a time until its slice of the frame is used up (``event_flush``). That keeps
the UI to one cheap wake-up per frame however many events arrive (a
``call_from_thread`` per event tops out near 1.4k events/s and starves the keys).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable

from flowtop.workspace.store_notices import ClientEvent


class EventBuffer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._batches: deque[list[ClientEvent]] = deque()
        self._size = 0
        self.received = 0  # total events ever appended, for benchmarks and the header
        #: Called (on the appending thread) when the buffer stops being empty: the UI's
        #: wake-up, at most once per drain however many events arrive.
        self.wake: Callable[[], object] | None = None  # its result is ignored

    def append_batch(self, events: Iterable[ClientEvent]) -> None:
        """The engine sink: called on the sink thread with a list of events."""
        batch = list(events)
        if not batch:
            return
        with self._lock:
            was_empty = self._size == 0
            self._batches.append(batch)
            self._size += len(batch)
            self.received += len(batch)
        if was_empty and self.wake is not None:
            self.wake()

    __call__ = append_batch

    def drain(self, limit: int | None = None) -> list[ClientEvent]:
        """Take up to ``limit`` events (all when None), oldest first, keeping order."""
        out: list[ClientEvent] = []
        with self._lock:
            while self._batches and (limit is None or len(out) < limit):
                batch = self._batches[0]
                room = len(batch) if limit is None else limit - len(out)
                if len(batch) <= room:
                    out.extend(self._batches.popleft())
                else:
                    out.extend(batch[:room])
                    self._batches[0] = batch[room:]
            self._size -= len(out)
        return out

    def __len__(self) -> int:
        return self._size
