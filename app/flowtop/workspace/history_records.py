"""What ``flowtop history`` and the TUI's history screen read back: plain, frozen records.

Kept apart from the store (``history.py``) so that readers import a few dataclasses, not
the writer thread and its SQL.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .run_log import LogDamage

if TYPE_CHECKING:
    from .subflow_runs import SubflowRun

#: The key of a finished run's stored counts that says how many of its tasks were reused
#: (``history_fold.apply``); read out into ``RunRecord.reused``, not a state's count.
REUSED = "reused"


def stored_counts(counts: Mapping[str, int], reused: int) -> str:
    """A run's counts as its row stores them: its tasks' states, and ``REUSED`` when any
    task was carried over from its source (a rerun), however the run ended."""
    return json.dumps({**counts, REUSED: reused} if reused else dict(counts), sort_keys=True)


class HistoryError(Exception):
    """The history file cannot be used (not SQLite, newer schema, unreadable)."""


@dataclass(frozen=True, slots=True)
class RunRecord:
    run_id: str
    flow: str
    number: int
    state: str
    started: float
    finished: float | None
    duration: float | None
    rerun_of: str | None
    rerun_of_number: int | None
    counts: dict[str, int]
    tasks: int
    #: Why the run was interrupted (empty otherwise).
    note: str = ""
    #: The process that executes it (live runs): "pid 123 on host".
    owner: str = ""
    #: What a ``@flow`` function raised: ``{"type", "message", "traceback"}``, else None.
    error: dict[str, str] | None = None
    #: A subflow's run: the id, flow and number of the run that called it (else None).
    parent: str | None = None
    parent_flow: str | None = None
    parent_number: int | None = None
    #: A ``@flow`` run's arguments by parameter name (``engine/parameters.py``); {} if none.
    parameters: dict[str, Any] = field(default_factory=dict)
    #: A ``@flow`` run's ``flow_run_name`` ("" for none).
    name: str = ""
    #: How many of its completed tasks were carried over, not run (a rerun's, a cached call).
    reused: int = 0
    #: What of its row cannot be read (a damaged or crafted store: ``store_reader``'s
    #: ``_damaged_record``), shown in place of it: ``unreadable, left out: counts
    #: 'notjson'``; "" for a sound row.
    damage: str = ""

    @property
    def child_of(self) -> str:
        """``child of parent #3`` for a subflow's run ("" otherwise)."""
        if self.parent is None:
            return ""
        if self.parent_flow is None:  # the parent's row was pruned
            return f"child of run {self.parent}"
        return f"child of {self.parent_flow} #{self.parent_number}"

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "run_id": self.run_id,
            "flow": self.flow,
            "run": self.number,
            "state": self.state,
            "started": self.started,
            "finished": self.finished,
            "duration": self.duration,
            "rerun_of": self.rerun_of,
            "rerun_of_run": self.rerun_of_number,
            "counts": dict(self.counts),
            # a @flow plans none: its tasks are the calls it made (so far)
            "tasks": self.tasks or sum(self.counts.values()),
        }
        if self.note:
            data["note"] = self.note
        if self.owner and self.state == "RUNNING":
            data["owner"] = self.owner
        if self.error is not None:
            data["error"] = dict(self.error)
        if self.parent is not None:
            data["parent_run"] = self.parent
            data["parent_flow"] = self.parent_flow
            data["parent_run_number"] = self.parent_number
        if self.parameters:
            data["parameters"] = dict(self.parameters)
        if self.name:
            data["name"] = self.name
        if self.reused:
            data["reused"] = self.reused
        if self.damage:
            data["damage"] = self.damage
        return data


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One stored attempt, read back from the store's ``attempts`` table.

    Not the engine's :class:`~flowtop.engine.records.Attempt`: this is a frozen row whose
    fields are named as the ``attempts`` table's columns (``log_fold`` fills them by name),
    its state is the stored text (left unparsed, so any row prints), ``started`` may be
    missing, and the error is the three stored columns rather than an ``ErrorInfo``;
    ``as_json`` is ``history --json``'s shape.
    """

    number: int
    state: str
    started: float | None
    duration: float | None
    result: str | None
    error_type: str | None
    error_message: str | None
    traceback: str | None
    output: str
    retry_in: float | None
    delay_explained: str
    #: The user started it before its retry's wait was over (`n`).
    retried_now: bool = False
    #: Why the run retried it (``retry_predicate returned True``; the store's log keeps
    #: each step's message); "" where none was given, and in a store before version 5.
    message: str = ""

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "attempt": self.number,
            "state": self.state,
            "started": self.started,
            "duration": self.duration,
        }
        if self.result is not None:
            data["result"] = self.result
        if self.error_type is not None:
            data["error"] = {
                "type": self.error_type,
                "message": self.error_message or "",
                "traceback": self.traceback or "",
            }
        if self.output:
            data["output"] = self.output
        if self.retry_in is not None:
            data["retry_in"] = self.retry_in
            data["delay_explained"] = self.delay_explained
        if self.retried_now:
            data["retried_now"] = True
        return data


@dataclass(frozen=True, slots=True)
class TaskRecord:
    task: str
    state: str
    attempts: int
    max_attempts: int
    policy: str
    result: str | None
    reused: bool
    message: str
    error_type: str | None
    error_message: str | None
    started: float | None
    duration: float | None
    updated: float | None
    attempt_records: tuple[AttemptRecord, ...] = ()

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "task": self.task,
            "state": self.state,
            "attempt": self.attempts,
            "max_attempts": self.max_attempts,
            "policy": self.policy,
            "duration": self.duration,
        }
        if self.result is not None:
            data["result"] = self.result
        if self.reused:
            data["reused"] = True
        if self.message:
            data["message"] = self.message
        if self.error_type is not None:
            data["error"] = {"type": self.error_type, "message": self.error_message or ""}
        data["attempts"] = [a.as_json() for a in self.attempt_records]
        return data


@dataclass(frozen=True, slots=True)
class RunDetail:
    run: RunRecord
    tasks: tuple[TaskRecord, ...] = field(default_factory=tuple)
    #: What a ``@flow`` function's body printed or logged itself ("" for none).
    output: str = ""
    #: The rows of its log that cannot be read, left out of ``tasks`` (``run_log.decode_rows``).
    damage: tuple[LogDamage, ...] = ()
    #: What a COMPLETED ``@flow`` function returned, its repr cut as a task's result is
    #: (``RunFinished.result``); None for any other run, and one recorded before.
    result: str | None = None
    #: The subflow runs its body called, read on the run's own connection when asked
    #: (``StoreReader.run_page(run_id, subflows=True)``: a run's page); None when not read.
    subflows: tuple[SubflowRun, ...] | None = None

    def own_json(self) -> dict[str, str]:
        """What its ``@flow`` body printed (``output``) and returned (``result``), as
        ``history --json`` adds them to the run's record: only those it has."""
        data = {"output": self.output} if self.output else {}
        return data if self.result is None else {**data, "result": self.result}

    def task(self, key: str) -> TaskRecord:
        for record in self.tasks:
            if record.task == key:
                return record
        raise KeyError(f"run {self.run.run_id} of {self.run.flow!r} has no task {key!r}")


# Owners are "host:pid:token". A run whose owner process is gone was interrupted; the
# token tells apart two History objects of one process (tests open several).


def counts_so_far(run: RunRecord, run_detail: Callable[[str], RunDetail]) -> RunRecord:
    """``run``, if live, with its tasks' states so far (``run_detail`` folds them) and how
    many were reused: the runs table counts them when a run ends, and a @flow, which
    plans no task, read "0 tasks" while it ran; a live rerun lacked its ``(2 reused)``."""
    if run.state != "RUNNING" or run.counts:
        return run
    tasks = run_detail(run.run_id).tasks
    counts = Counter(task.state for task in tasks)
    reused = sum(task.reused for task in tasks)
    return replace(run, counts=dict(counts), reused=reused) if counts else run


#: What the history's RERUN OF column says of a rerun whose source was pruned: its bare
#: id (what ``flowtop history`` printed) was no run a user could look up any more, and
#: the TUI's blank cell read as no rerun at all.
PRUNED_SOURCE = "(pruned)"


def source_label(rerun_of: str | None, number: int | None) -> str:
    """The RERUN OF cell, the same in ``flowtop history`` and the TUI's history: the
    source's number (``#3``), ``PRUNED_SOURCE`` once it is gone, "" for a first run."""
    if number is not None:
        return f"#{number}"
    return PRUNED_SOURCE if rerun_of else ""
