"""How many users each thing has now: a count per key, the key gone once none is left.

Two waits for a subflow count so: the event loops whose thread waits (``aloop.blocked``),
and the threads of each given executor that wait (``flow_in_task``). Each read the count
(or whether there is one) while other threads enter and leave, and a key left at 0 must
not linger: a loop counted as blocked for good would never serve again.
"""

from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K")


class UseCounts(Generic[K]):
    """A count of users per key, above 0 for every key it holds. Not locked: its owner's
    lock guards it, with the state it goes with."""

    __slots__ = ("_counts",)

    def __init__(self) -> None:
        self._counts: dict[K, int] = {}

    def __contains__(self, key: object) -> bool:
        """Whether anything uses ``key`` now."""
        return key in self._counts

    def of(self, key: K) -> int:
        """How many use ``key`` now."""
        return self._counts.get(key, 0)

    def add(self, key: K) -> None:
        """One more uses ``key``."""
        self._counts[key] = self._counts.get(key, 0) + 1

    def remove(self, key: K) -> None:
        """One user of ``key`` is done; the last one's leaves no key behind."""
        left = self._counts.pop(key, 1) - 1
        if left:
            self._counts[key] = left

    def clear(self) -> None:
        self._counts.clear()
