"""What a ``@flow``'s rerun or retry serves instead of calling a task again: the calls
of the run it follows that completed, by task key and a fingerprint of their inputs.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .policy import safe_repr
from .records import RunResult

if TYPE_CHECKING:
    from .states import State as TaskState


def input_hash(args: Any, kwargs: Any) -> str | None:
    """A stable fingerprint of a call's inputs, or None when they can't be fingerprinted."""
    try:
        data = pickle.dumps((args, kwargs), protocol=5)
    except BaseException:  # noqa: BLE001 - unpicklable inputs (a __reduce__ may even sys.exit): their repr
        text = safe_repr((args, kwargs), limit=1_000_000)
        if text.startswith("<unrepresentable") or " at 0x" in text:
            return None  # an identity-based repr would never match across runs
        data = text.encode()
    return hashlib.sha256(data).hexdigest()[:32]


def cache_of(result: RunResult, exclude: Iterable[str] = ()) -> dict[tuple[str, str], TaskState]:
    """The calls of ``result`` that completed, by task key and input hash: what a rerun
    serves instead of calling them again (all but ``exclude``)."""
    skip = set(exclude)
    return {
        (key, fingerprint): result.states[key]
        for key, fingerprint in result.inputs.items()
        if fingerprint is not None
        and key not in skip
        and key in result.states
        and result.states[key].is_completed()
    }
