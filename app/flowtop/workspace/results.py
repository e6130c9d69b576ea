"""Completed tasks' results, kept in the run store so a rerun in another process reuses them.

A rerun (``f``, ``t``) may happen in another process, after a restart, days later: the
run that produced a result is gone, so its completed tasks' return values are pickled
into the store as they complete (cloudpickle for what pickle refuses). A result that
cannot be stored (unpicklable, or over ``max_result_bytes``) is marked not reusable with
the reason, and a rerun runs that task again and says why.
"""

from __future__ import annotations

import io
import json
import pickle
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine.events import TaskStateChanged
from ..engine.states import State, StateType
from .history_fold import ResultBatch, ResultRows
from .store_trust import Untrusted, store_refusal

if TYPE_CHECKING:
    from ..engine.runner import Runner

#: Default per-result cap (``[defaults] max_result_bytes``).
MAX_RESULT_BYTES = 10 * 1024 * 1024


def dumps(value: Any, cap: int) -> tuple[bytes | None, str]:
    """``value`` pickled, or None and why it can't be kept."""
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as first:  # noqa: BLE001 - any pickling failure: try cloudpickle
        try:
            import cloudpickle

            data = cloudpickle.dumps(value)
        except ImportError:
            return None, f"its result can't be pickled ({type(first).__name__}: {first})"
        except Exception as exc:  # noqa: BLE001 - unpicklable even so
            return None, f"its result can't be pickled ({type(exc).__name__}: {exc})"
    if len(data) > cap:
        return None, f"its result is {len(data):,} bytes, over max_result_bytes ({cap:,})"
    return data, ""


#: A ``results`` row: run id, task, pickled value (None when refused), reusable (1 or 0),
#: why not, input fingerprint ("" for none). The keeper builds them of types sqlite3
#: binds as they are (``bytearray``, ``int``, ``str``): for ``bytes``, ``bool`` and
#: ``None`` it looks for an adapter first, on the writer's GIL time.
ResultRow = tuple[str, str, bytes | bytearray | None, int, str, str | None]

#: A task's end whose call's fingerprint is stored with no result: a rerun runs that call
#: again, and gives it no other key's result of the same call (``rerun_cache.SourceCalls``).
NOT_COMPLETED = frozenset({StateType.FAILED, StateType.CANCELLED, StateType.UPSTREAM_FAILED})
DID_NOT_COMPLETE = "it did not complete"

#: ``values_of(run_id, keys)``: the live run's value and input fingerprint of each key.
ValuesOf = Callable[[str, list[str]], dict[str, tuple[Any, str | None]]]


class LiveValues:
    """Completed tasks' values in a live run of ``runner``, with their input
    fingerprints: what the result keeper stores, a batch of keys at a time (the run is
    looked up once per batch; the runner's lock is busy while tasks complete)."""

    def __init__(self) -> None:
        self.runner: Runner | None = None  # set once the runner (which sinks here) exists

    def __call__(self, run_id: str, keys: list[str]) -> dict[str, tuple[Any, str | None]]:
        run = self.runner.find(run_id) if self.runner is not None else None
        if run is None:
            return {}
        tasks = run.tasks
        fingerprint = run.input_fingerprint
        return {
            key: (task.kept_result, fingerprint(key))  # as returned, if kept (``pristine``)
            for key in keys
            if (task := tasks.get(key)) is not None
        }


class ResultKeeper:
    """An event sink of the owning process: stores each completed task's result.

    ``values_of`` reads the values from the live run (an event carries only a repr).
    Reused tasks are stored again, so a rerun of a rerun finds them too. ``store(items)``
    writes them: the history's ``keep_results``, which commits them with the run's
    steps. A connection of its own would fight the history's writer for the file's one
    write lock, each waiting out the other in SQLite's busy handler: that made a
    50,000-task run's store take three times as long as the run.

    What one delivery of events completed goes in as one row (``ResultBatch``): a row
    per task cost a 50,000-task run about a third more. Its results are one pickle when
    they hold only what pickle writes by itself (exact ``int``, ``str``, ``list``,
    ``dict``…), which reads back whatever code changed since; else each result is a
    pickle of its own (``_each``), so one whose reading back fails (its class moved, its
    ``__reduce__`` raises) loses only its own task (``load``). The cap holds per result
    all the same: no result pickles larger alone than the batch that holds it; a batch
    over the cap is split in halves, and a single result over it, or a batch that
    pickle refuses, is stored result by result (``ResultRows``), each kept (cloudpickle
    for what pickle refuses) or refused with its reason.
    """

    def __init__(
        self, store: Callable[[list[Any]], None], values_of: ValuesOf, cap: int = MAX_RESULT_BYTES
    ) -> None:
        self.store = store
        self.values_of = values_of
        self.cap = cap

    def __call__(self, batch: Sequence[Any]) -> None:
        completed: dict[str, list[str]] = {}
        ended: dict[str, list[str]] = {}  # ended otherwise: their fingerprints, no value
        for event in batch:
            if type(event) is TaskStateChanged and event.state is StateType.COMPLETED:
                completed.setdefault(event.run_id, []).append(event.task)
            elif type(event) is TaskStateChanged and event.state in NOT_COMPLETED:
                ended.setdefault(event.run_id, []).append(event.task)
        items: list[Any] = []
        for run_id, keys in completed.items():
            found = self.values_of(run_id, keys)
            if found:
                items += self._batches(run_id, found)
        for run_id, keys in ended.items():
            rows: list[ResultRow] = [
                (run_id, key, None, 0, DID_NOT_COMPLETE, fingerprint)
                for key, (_, fingerprint) in self.values_of(run_id, keys).items()
                if fingerprint is not None
            ]
            if rows:
                items.append(ResultRows(rows))
        if items:
            self.store(items)

    def _batches(self, run_id: str, found: dict[str, tuple[Any, str | None]]) -> list[Any]:
        """``found`` as one batch; in halves while it is over the cap (4,096 results of
        3 KB each), down to single results, which are then kept or refused alone."""
        values = {key: value for key, (value, _) in found.items()}
        fingerprints = {key: fp for key, (_, fp) in found.items() if fp is not None}
        data: bytes | None
        try:
            data = _plain((values, fingerprints))
        except _Coded:  # its reading back runs code, which may fail: each result alone
            data = _each(values, fingerprints)
        except Exception:  # noqa: BLE001 - one value pickle refuses: each on its own, below
            data = None
        if data is not None and len(data) <= self.cap:
            return [ResultBatch(run_id, json.dumps(list(values)), bytearray(data))]
        if data is not None and len(found) > 1:
            keys = list(found)
            half = len(keys) // 2
            first = {key: found[key] for key in keys[:half]}
            second = {key: found[key] for key in keys[half:]}
            return self._batches(run_id, first) + self._batches(run_id, second)
        rows: list[ResultRow] = []
        for key, (value, fingerprint) in found.items():
            one, why = dumps(value, self.cap)
            kept = None if one is None else bytearray(one)
            rows.append((run_id, key, kept, int(one is not None), why, fingerprint or ""))
        return [ResultRows(rows)]

    def close(self) -> None:
        """Nothing to release: the history writes the rows."""


class _Coded(Exception):
    """An object whose pickle is read back by running code (``_Plain``)."""


class _Plain(pickle.Pickler):
    """Pickles what holds only exact ``int``, ``float``, ``str``, ``bytes``, ``list``,
    ``tuple``, ``dict``, ``set`` and the like, which pickle writes by itself (it asks
    ``reducer_override`` about every other object): reading that back imports nothing
    and calls nothing. Raises ``_Coded`` at the first other object."""

    def reducer_override(self, obj: Any) -> Any:
        raise _Coded


def _plain(value: Any) -> bytes:
    """``value`` pickled, if plain (``_Plain``); else ``_Coded``."""
    out = io.BytesIO()
    _Plain(out, pickle.HIGHEST_PROTOCOL).dump(value)
    return out.getvalue()


#: The first item of a batch whose results are each a pickle of their own (``_each``):
#: ``(EACH, {task: pickle}, fingerprints)``; one pickled whole is ``(values, fingerprints)``.
EACH = "each"


def _each(values: Mapping[str, Any], fingerprints: Mapping[str, str]) -> bytes | None:
    """A batch of ``values`` each pickled on its own (``load`` reads them one by one),
    None when pickle refuses one."""
    dumps = pickle.dumps
    try:
        pickles = {key: dumps(value, pickle.HIGHEST_PROTOCOL) for key, value in values.items()}
    except Exception:  # noqa: BLE001 - one value pickle refuses: the caller stores each alone
        return None
    return dumps((EACH, pickles, fingerprints), pickle.HIGHEST_PROTOCOL)


def load(path: Path, run_id: str) -> tuple[dict[str, Any], dict[str, str], dict[str, str | None]]:
    """A run's stored results: values by task, why others can't be reused, fingerprints
    (of those, and of calls stored with no result: ``DID_NOT_COMPLETE``).
    ``Untrusted`` (a ``ValueError``) when a stranger could have written them (pickles:
    ``store_trust.store_refusal``)."""
    refused_store = store_refusal(path)
    if refused_store is not None:
        raise Untrusted(
            f"cannot reuse stored results: {refused_store} (results are pickles, code that "
            "runs as you as they are read back)"
        )
    values: dict[str, Any] = {}
    refused: dict[str, str] = {}
    fingerprints: dict[str, str | None] = {}
    from .run_log import connect_reader

    with closing(connect_reader(path)) as conn:
        rows = conn.execute(
            "SELECT task, data, reusable, why, fingerprint FROM results WHERE run_id = ?",
            (run_id,),
        ).fetchall()
        try:
            batches = conn.execute(
                "SELECT tasks, data FROM result_batches WHERE run_id = ? ORDER BY id", (run_id,)
            ).fetchall()
        except sqlite3.OperationalError:  # a store from before version 7 nobody migrated
            batches = []
    for task, data, reusable, why, fingerprint in rows:
        if not reusable:
            if fingerprint:  # the call that did not complete (or kept no result): it runs
                fingerprints[task] = fingerprint
            if why != DID_NOT_COMPLETE:  # (nothing to refuse: it has no result)
                refused[task] = why
            continue
        fingerprints[task] = fingerprint or None  # stored "" (or NULL before) for none
        try:
            values[task] = pickle.loads(data)
        except Exception as exc:  # noqa: BLE001 - a class that moved or changed since
            refused[task] = _unreadable(exc)
    for tasks, data in batches:
        try:
            stored = pickle.loads(data)
        except Exception as exc:  # noqa: BLE001 - one pickle (an older store's), a value failing
            refused.update(dict.fromkeys(names := json.loads(tasks), _unreadable(exc, len(names))))
            continue
        if len(stored) == 3 and stored[0] == EACH:  # each result a pickle of its own
            _, pickles, batch_fingerprints = stored
            for task, one in pickles.items():
                fingerprints[task] = batch_fingerprints.get(task)
                try:
                    values[task] = pickle.loads(one)
                except Exception as exc:  # noqa: BLE001 - its class moved, or rebuilding it fails
                    refused[task] = _unreadable(exc)
            continue
        batch_values, batch_fingerprints = stored
        values.update(batch_values)
        for task in batch_values:
            fingerprints[task] = batch_fingerprints.get(task)
    return values, refused, fingerprints


def _unreadable(exc: Exception, together: int = 1) -> str:
    """Why a stored result can't be reused, ``together`` results in one pickle."""
    error = f"{type(exc).__name__}: {exc}"
    if together > 1:  # which of them fails, the pickle does not say
        error += f"; it was stored in one pickle with {together - 1} other result"
        error += "s" if together > 2 else ""
    return f"its stored result can't be read back ({error})"


def reusable_states(values: Mapping[str, Any], attempts: Mapping[str, int]) -> dict[str, State]:
    """Completed states to carry into a rerun, one per stored result."""
    return {
        key: State(StateType.COMPLETED, value, None, attempts.get(key, 1), "", key)
        for key, value in values.items()
    }
