"""What a ``@flow``'s rerun or retry serves instead of calling a task again: the calls
of the run it follows that completed, by task key and a fingerprint of their inputs.

A flow-level retry is also, for Prefect's caching, the flow run it retries: Prefect
retries the same flow run, so a cache key made of its id (``RUN_ID``, ``DEFAULT``) is the
same on each retry, where flowtop records each retry as a run of its own, with an id of
its own. :func:`retrying` says, while the retry is built, which run was the first
attempt; :func:`first_attempt` gives it to the new run (``cached_calls`` keys with it).
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .context import held_on_thread
from .records import RunResult
from .stable_pickle import stable_dumps
from .value_text import safe_repr

if TYPE_CHECKING:
    from .states import State as TaskState


def input_hash(args: Any, kwargs: Any) -> str | None:
    """A stable fingerprint of a call's inputs, or None when they can't be fingerprinted."""
    try:
        data = stable_dumps((args, kwargs))
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


_local = threading.local()


def retrying(first: str) -> contextlib.AbstractContextManager[None]:
    """Runs this thread starts meanwhile are flow-level retries of the flow run whose
    first attempt was the run ``first``: ``Runner.start`` builds the ``DynamicRun`` on the
    calling thread, which reads this in its ``__init__`` (as ``context.child_of``)."""
    return held_on_thread(_local, "first", first)


def first_attempt(run_id: str) -> str:
    """The id of the first attempt of the flow run that the run ``run_id``, started now on
    this thread, retries (see ``retrying``); ``run_id`` itself for a run that retries none."""
    first: str | None = getattr(_local, "first", None)
    return run_id if first is None else first
