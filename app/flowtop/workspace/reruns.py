"""A rerun of a stored run: what carries over, and what runs again and why.

``f`` (rerun failed) and ``t`` (rerun a task and its downstream) work on any finished run
in the store, including one made by another process or before a restart. What the new
run may reuse is what the source run completed *and* stored: a task whose result could
not be stored runs again, and the caller tells the user why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engine.dynamic import FlowFunction
from ..engine.flow import Flow
from ..engine.parameters import call_for
from ..engine.states import State, StateType
from ..looks import NOT_STARTED
from .history import History
from .history_records import RunRecord, TaskRecord
from .results import load, reusable_states
from .run_refs import NoRun, find_run_ref


@dataclass(frozen=True)
class RerunPlan:
    """Keyword arguments for ``Runner.start`` and the notes to show the user."""

    start: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def plan_rerun(
    history: History,
    source_id: str,
    flow: Flow,
    task: str | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> RerunPlan:
    """Reuse what ``source_id`` completed and stored; rerun the rest (``task`` and downstream).

    A ``@flow`` is called with the source run's parameters, ``parameters`` over them (a
    call whose inputs changed then runs again: its input hash no longer matches).

    Raises ``KeyError`` for an unknown run or task, ``ValueError`` for a run of another
    flow or one that is still running, ``ParameterError`` (a ``ValueError``) for
    parameters the flow cannot be called with, ``Untrusted`` (a ``ValueError``) for
    stored results a stranger could have written (``results.load``).
    """
    source_id = _full_id(history, source_id, flow.name)
    detail = history.run_detail(source_id)
    record = detail.run
    # A rerun that did not start completed nothing and kept no parameters: its own source
    # is what a rerun of it means (it ran every task again, with the defaults). One that
    # named itself (``--detach --rerun-of 1`` on a flow with no run #1 yet took its own
    # reserved #1 as its source) ends the walk: it looped for good.
    seen = {source_id}
    while not_started(record, detail.tasks) and record.rerun_of and record.flow == flow.name:
        source_id = _full_id(history, record.rerun_of, flow.name)
        if source_id in seen:
            break
        seen.add(source_id)
        detail = history.run_detail(source_id)
        record = detail.run
    if record.flow != flow.name:
        raise ValueError(f"run {source_id} is a run of {record.flow!r}, not of {flow.name!r}")
    if record.state == StateType.RUNNING.value:
        raise ValueError(f"run #{record.number} of {record.flow} is still running")
    completed = {t.task: t.attempts for t in detail.tasks if t.state == "COMPLETED"}
    if task is not None and task not in {t.task for t in detail.tasks}:
        raise KeyError(f"run #{record.number} of {record.flow} has no task {task!r}")
    values, refused, fingerprints = load(Path(history.path), source_id)
    forced: set[str] = set()
    if task is not None:
        forced = {task}
        if not isinstance(flow, FlowFunction):  # a graph: what depends on it runs again too
            forced |= set(flow.downstream_of([task]))
    notes = [_not_completed(detail.tasks, completed, forced, record.number)] if task else []
    for key in completed:
        if key in forced:
            continue
        if key in refused:
            notes.append(f"{key} runs again: {refused[key]}")
        elif key not in values:
            notes.append(f"{key} runs again: its result was not stored")
    keep = {k: v for k, v in values.items() if k in completed and k not in forced}
    start: dict[str, Any] = {"rerun_of": source_id}
    start.update(_call(flow, record.parameters, parameters or {}))
    reuse: dict[str, State] = reusable_states(keep, completed)
    if isinstance(flow, FlowFunction):  # by call: its key and its input hash
        start["cache"] = {
            (key, fingerprints[key]): state
            for key, state in reuse.items()
            if fingerprints.get(key) is not None
        }
    else:
        start["reuse"] = reuse
    return RerunPlan(start, tuple(note for note in notes if note))


def _not_completed(
    tasks: Iterable[TaskRecord], completed: Mapping[str, int], forced: set[str], number: int
) -> str:
    """Why a task rerun (``t``) runs tasks outside the one picked and its downstream: what
    did not complete has no result to reuse."""
    others = [t.task for t in tasks if t.task not in completed and t.task not in forced]
    if not others:
        return ""
    named = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
    verb, they = ("runs", "it") if len(others) == 1 else ("run", "they")
    return f"{named} {verb} again too: {they} did not complete in run #{number}"


def _call(flow: Flow, stored: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """``Runner.start`` arguments calling ``flow`` with the ``stored`` parameters of the
    run it reruns, ``given`` (``--param`` with ``--rerun-of``) over them.

    Only ``given`` is checked as typed values are: the stored ones are what the source
    run was called with, maybe by a Python caller whose values are not checked
    (``greet(name=None)`` for ``name: str``), and a rerun refusing them could never run."""
    if not isinstance(flow, FlowFunction):  # a graph takes no parameters, and says so
        return flow.start_arguments({**stored, **given})
    replayed = [name for name in stored if name not in given]
    args, kwargs = call_for(
        flow.fn,
        flow.name,
        {**stored, **given},
        typed=flow.should_validate_parameters,
        replayed=replayed,
    )
    return {"args": args, "kwargs": kwargs}  # as ``FlowFunction.start_arguments`` gives them


def not_started(record: RunRecord, tasks: Iterable[TaskRecord]) -> bool:
    """A run that ended before any task ran: its file failed to import, or lacked the flow;
    or it was cancelled, or its process killed, while its file still imported (its tasks
    all at attempt 0). A rerun of such a rerun had run every task again, its source's
    completed work lost with one quick change of mind (``f``, then ``c``)."""
    if record.error is not None and record.error.get("type") == NOT_STARTED:
        return True
    ended = record.state not in (StateType.COMPLETED.value, StateType.RUNNING.value)
    return ended and all(t.attempts == 0 for t in tasks)


def _full_id(history: History, source_id: str, flow: str) -> str:
    """The id of the run ``source_id`` names: a run number of ``flow`` (``3``, ``#3``) or
    the start of one run's id, as ``history`` prints them. A prefix of one run of another
    flow gives that run, which is then refused as such, rather than said not to exist."""
    found = find_run_ref(history, source_id, flow, "--rerun-of")
    if isinstance(found, RunRecord):
        return found.run_id
    if not isinstance(found, NoRun):  # ambiguous, or not a run reference at all
        raise ValueError(found)
    elsewhere = history.with_id_prefix(source_id) if len(source_id) >= 4 else []
    if len(elsewhere) == 1:
        return elsewhere[0].run_id
    raise KeyError(found)
