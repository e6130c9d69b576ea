"""Bytes of a value that are the same in every process: what a fingerprint hashes.

``pickle`` writes a set's items in the set's own order, which for strings (and anything
hashing like them) changes from one process to the next (``PYTHONHASHSEED``). A task
called with ``{"eu", "us"}`` then had another fingerprint in the rerun's process than in
its source run's: it always ran again, and a cache keyed on its inputs never hit across
processes. Here the items of a set are written sorted by their own bytes. Only a pickle
that may hold a set (its set opcodes appear in the fast pickle's bytes: rarely in any
other) is made again, by the slower pure-Python pickler that can be taught to do so.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable
from typing import Any, ClassVar

#: What protocol 5 writes for a set and a frozenset (``EMPTY_SET``, ``FROZENSET``).
_SET_OPCODES = (pickle.EMPTY_SET, pickle.FROZENSET)


def stable_dumps(value: Any) -> bytes:
    """``pickle.dumps(value, protocol=5)``, sets written in an order every process agrees
    on; raises what pickling ``value`` raises."""
    data = pickle.dumps(value, protocol=5)
    if any(opcode in data for opcode in _SET_OPCODES):
        return _sorted_sets_dumps(value)
    return data


def _sorted_sets_dumps(value: Any) -> bytes:
    out = io.BytesIO()
    _SortedSetsPickler(out, protocol=5).dump(value)
    return out.getvalue()


class _SortedSetsPickler(pickle._Pickler):
    """The pure-Python pickler, writing a set (or frozenset) as its type called on its
    items sorted by their own stable bytes: never read back, only hashed."""

    dispatch: ClassVar[dict[type, Callable[..., None]]] = dict(pickle._Pickler.dispatch)

    def _save_sorted(self, obj: set[Any] | frozenset[Any]) -> None:
        items = sorted(obj, key=_sorted_sets_dumps)
        # (typeshed leaves the pure-Python pickler's own helpers out)
        self.save_reduce(type(obj), (items,), obj=obj)  # type: ignore[attr-defined]

    dispatch[set] = _save_sorted
    dispatch[frozenset] = _save_sorted
