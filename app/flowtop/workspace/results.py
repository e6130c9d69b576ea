"""Completed tasks' results, kept in the run store so a rerun in another process reuses them.

A rerun (``f``, ``t``) may happen in another process, after a restart, days later: the
run that produced a result is gone, so its completed tasks' return values are pickled
into the store as they complete (cloudpickle for what pickle refuses). A result that
cannot be stored (unpicklable, or over ``max_result_bytes``) is marked not reusable with
the reason, and a rerun runs that task again and says why.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from ..engine.events import TaskStateChanged
from ..engine.states import State, StateType

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


class ResultKeeper:
    """An event sink of the owning process: stores each completed task's result.

    ``value_of(run_id, task)`` reads the value from the live run (the event carries only
    a repr). Reused tasks are stored again, so a rerun of a rerun finds them too.
    ``store(rows)`` writes the rows: the history's ``keep_results``, which commits them
    with the run's steps. A connection of its own would fight the history's writer for
    the file's one write lock, each waiting out the other in SQLite's busy handler: that
    made a 50,000-task run's store take three times as long as the run.
    """

    def __init__(
        self,
        store: Callable[[list[ResultRow]], None],
        value_of: Callable[[str, str], tuple[bool, Any, str | None]],
        cap: int = MAX_RESULT_BYTES,
    ) -> None:
        self.store = store
        self.value_of = value_of
        self.cap = cap

    def __call__(self, batch: Sequence[Any]) -> None:
        rows: list[ResultRow] = []
        for event in batch:
            if type(event) is not TaskStateChanged or event.state is not StateType.COMPLETED:
                continue
            found, value, fingerprint = self.value_of(event.run_id, event.task)
            if not found:
                continue
            data, why = dumps(value, self.cap)
            if data is None:
                rows.append((event.run_id, event.task, None, 0, why, fingerprint or ""))
            else:
                rows.append((event.run_id, event.task, bytearray(data), 1, why, fingerprint or ""))
        if rows:
            self.store(rows)

    def close(self) -> None:
        """Nothing to release: the history writes the rows."""


def load(path: Path, run_id: str) -> tuple[dict[str, Any], dict[str, str], dict[str, str | None]]:
    """A run's stored results: values by task, why others can't be reused, fingerprints."""
    values: dict[str, Any] = {}
    refused: dict[str, str] = {}
    fingerprints: dict[str, str | None] = {}
    from .run_log import connect_reader

    with closing(connect_reader(path)) as conn:
        rows = conn.execute(
            "SELECT task, data, reusable, why, fingerprint FROM results WHERE run_id = ?",
            (run_id,),
        ).fetchall()
    for task, data, reusable, why, fingerprint in rows:
        if not reusable:
            refused[task] = why
            continue
        try:
            values[task] = pickle.loads(data)
        except Exception as exc:  # noqa: BLE001 - a class that moved or changed since
            refused[task] = f"its stored result can't be read back ({type(exc).__name__}: {exc})"
            continue
        fingerprints[task] = fingerprint or None  # stored "" (or NULL before) for none
    return values, refused, fingerprints


def reusable_states(values: Mapping[str, Any], attempts: Mapping[str, int]) -> dict[str, State]:
    """Completed states to carry into a rerun, one per stored result."""
    return {
        key: State(StateType.COMPLETED, value, None, attempts.get(key, 1), "", key)
        for key, value in values.items()
    }
