"""Bytes of a value that are the same in every process: what a fingerprint hashes.

``pickle`` writes a set's items in the set's own order, which for strings (and anything
hashing like them) changes from one process to the next (``PYTHONHASHSEED``). A task
called with ``{"eu", "us"}`` then had another fingerprint in the rerun's process than in
its source run's: it always ran again, and a cache keyed on its inputs never hit across
processes. Here the items of a set are written sorted by their own bytes.

A pickle that may hold a set (its set opcodes appear in the fast pickle's bytes) is made
again by a pickler that writes each set as a persistent id holding its sorted items. The
opcodes' bytes also turn up inside numbers and text, in almost any big pickle: that second
pickle used to be the pure-Python pickler, about 100 times slower than the C one, and a
task given a list of 1,000,000 ints cost 2.5 s more than its direct call (the goal is
0.1 s). The C pickler asks ``persistent_id`` of each object (about 40 ns each), then
writes the rest at its own speed.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

#: What protocol 5 writes for a set and a frozenset (``EMPTY_SET``, ``FROZENSET``).
_SET_OPCODES = (pickle.EMPTY_SET, pickle.FROZENSET)


def stable_dumps(value: Any) -> bytes:
    """``pickle.dumps(value, protocol=5)``, sets written in an order every process agrees
    on; raises what pickling ``value`` raises."""
    data = pickle.dumps(value, protocol=5)
    if any(opcode in data for opcode in _SET_OPCODES) and not _holds_no_set(value):
        out = io.BytesIO()
        SortedSetsPickler(out, protocol=5).dump(value)
        return out.getvalue()
    return data


#: Types that hold no other object: a value made of them and of lists, tuples and dicts
#: holds no set, whatever bytes its pickle has.
_ATOMS = frozenset({int, float, complex, str, bytes, bool, type(None)})


def _holds_no_set(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` is sure to hold no set: atoms in lists, tuples and dicts, each
    container's item types read at C speed (``map(type, …)``), a list of 1,000,000 ints
    in about 15 ms, a third of the second pickle's time. False for anything else (an
    object's insides are the second pickle's to read), or nested 20 deep."""
    kind = type(value)
    if kind in _ATOMS:
        return True
    if depth > 20:
        return False
    if kind is dict:
        parts: tuple[Any, ...] = (value.keys(), value.values())
    elif kind is list or kind is tuple:
        parts = (value,)
    else:
        return False
    for items in parts:
        if set(map(type, items)) <= _ATOMS:
            continue
        if not all(type(item) in _ATOMS or _holds_no_set(item, depth + 1) for item in items):
            return False
    return True


class SortedSetsPickler(pickle.Pickler):
    """The C pickler, writing a set (or frozenset) as a persistent id: its type's name
    and its items sorted by their own stable bytes. Never read back, only hashed."""

    def persistent_id(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is set or kind is frozenset:
            return (kind.__name__, sorted(obj, key=stable_dumps))
        return None
