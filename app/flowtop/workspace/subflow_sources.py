"""The subflow runs a stored ``@flow`` run called, as a rerun of it reruns them.

``reruns.plan_rerun`` gives a parent's rerun the calls its source completed; a subflow
call of the rerun is a rerun of the matching subflow run of that source
(``engine.subflow_reruns``). The store names each subflow run's parent (``parent``), in
the order they started (``subflow_runs.called_runs``): a call's key is its flow's
name, then ``-2``, ``-3``… for that flow's later calls, as a task's. A flow-level retry
of a subflow (a run of its own, a child of the same parent, ``rerun_of`` the one before)
is the same call: the call's source is its last run.

The runs are read when the rerun is planned (a few columns of a row each: ``f``'s key bar
plans a rerun as each run shows), on one connection, one query per level of nesting;
their parameters are decoded only where a call's differ by text (``Recorded``); a
source's stored results only once a call of the rerun matches it, as the body makes it.
Results that can no longer be read then (the store deleted meanwhile) reuse nothing:
the subflow runs every task, still linked to its source.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..engine.rerun_cache import SourceCalls
from ..engine.states import StateType
from ..engine.subflow_reruns import Recorded, SubflowSource, SubflowSources
from .history_records import REUSED, HistoryError
from .results import load, reusable_states
from .store_reader import StoreReader
from .subflow_runs import CalledRun, called_runs, reading, subflow_calls

#: Subflow runs inside each other a rerun reads, at most (``dynamic.MAX_NESTING``).
_DEEPEST = 100


def stored_subflows(history: StoreReader, run_id: str) -> SubflowSources:
    """The subflow calls of the stored run ``run_id``, each with its last run's calls,
    theirs below them too: read a level at a time (``_calls_by_run``)."""
    found = _calls_by_run(Path(history.path), run_id)
    return _sources(history, found, run_id, 0)


def subflows_with_task(history: StoreReader, run_id: str, task: str) -> list[str]:
    """The flows of the subflow runs the stored run ``run_id`` called (at any depth, each
    call's last run) that recorded a task ``task``, in call order: a parent's rerun with
    ``--task`` of a task only they have reran nothing and said nothing (``reruns``)."""
    flows: list[str] = []
    for calls in _calls_by_run(Path(history.path), run_id).values():
        for _, last in calls:
            if last.flow in flows:
                continue
            try:
                tasks = history.run_detail(last.run_id).tasks
            except (KeyError, HistoryError, sqlite3.Error):
                continue
            if any(each.task == task for each in tasks):
                flows.append(last.flow)
    return flows


def _calls_by_run(db: Path, run_id: str) -> dict[str, list[tuple[CalledRun, CalledRun]]]:
    """Each run read (``run_id``, and the last run of each of its calls, below it) -> its
    subflow calls, each its first run and its last (after its flow-level retries)."""
    found: dict[str, list[tuple[CalledRun, CalledRun]]] = {}
    level = [run_id]
    with reading(db) as conn:
        for _ in range(_DEEPEST + 1):
            children = called_runs(conn, level)
            level = []
            for parent, called in children.items():
                if parent in found:
                    continue  # a crafted store's loop: read once
                found[parent] = calls = _calls(called)
                level += [last.run_id for _, last in calls]
            if not level:
                break
    return found


def _calls(children: tuple[CalledRun, ...]) -> list[tuple[CalledRun, CalledRun]]:
    """A run's subflow calls among its ``children`` (``subflow_calls``): each its first
    run, whose flow and parameters key it, and its last, after its flow-level retries."""
    return [(before[0] if before else last, last) for last, before in subflow_calls(children)]


def _sources(
    history: StoreReader,
    found: Mapping[str, list[tuple[CalledRun, CalledRun]]],
    run_id: str,
    depth: int,
) -> SubflowSources:
    """The subflow calls of ``run_id`` as ``found`` read them, each key its flow's name,
    then ``-2``, ``-3``… for that flow's later calls."""
    if depth > _DEEPEST:
        return SubflowSources()
    uses: dict[str, int] = {}
    sources = []
    for child, last in found.get(run_id, ()):
        n = uses[child.flow] = uses.get(child.flow, 0) + 1
        nested = _sources(history, found, last.run_id, depth + 1)
        sources.append(
            SubflowSource(
                child.flow,
                child.flow if n == 1 else f"{child.flow}-{n}",
                Recorded(child.parameters or ""),
                last.run_id,
                _source_calls(history, last.run_id, nested),
                _completed(last) and nested.all_completed(),
                nested,
            )
        )
    return SubflowSources(sources)


def _completed(run: CalledRun) -> bool:
    """Whether ``run`` completed, and each of its tasks."""
    others = {state for state, n in run.counts.items() if n and state != REUSED}
    return run.state == StateType.COMPLETED.value and others <= {StateType.COMPLETED.value}


def _source_calls(
    history: StoreReader, run_id: str, subflows: SubflowSources
) -> Callable[[], SourceCalls]:
    """What a rerun of the stored run ``run_id`` serves, read when called: its completed
    calls whose results were stored (by key and fingerprint), the fingerprints of the
    others (which run again), and its ``subflows``."""

    def calls() -> SourceCalls:
        try:
            detail = history.run_detail(run_id)
            values, _, fingerprints = load(Path(history.path), run_id)
        except (KeyError, ValueError, OSError, HistoryError, sqlite3.Error):
            return SourceCalls(subflows=subflows)  # gone, or refused: its tasks run again
        completed = {t.task: t.attempts for t in detail.tasks if t.state == "COMPLETED"}
        kept = reusable_states({k: v for k, v in values.items() if k in completed}, completed)
        return SourceCalls(
            {(key, fp): state for key, state in kept.items() if (fp := fingerprints.get(key))},
            {key: fp for key, fp in fingerprints.items() if fp is not None and key not in kept},
            subflows,
        )

    return calls


def rerun_sources(start: Mapping[str, Any]) -> list[str]:
    """The ids of the subflow runs a rerun started with ``start`` (``RerunPlan.start``)
    may rerun, at any depth: ``flowtop run`` names them by number (``run_lines.name_runs``)
    for its lines ``extract-region #4 started … (rerun of #1)``."""
    cache = start.get("cache")
    subflows = getattr(cache, "subflows", None)
    return subflows.run_ids() if isinstance(subflows, SubflowSources) else []
