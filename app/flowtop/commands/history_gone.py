"""How ``flowtop history`` (and ``watch``) reads the runs whose process is gone: marked
interrupted in the store where it can (``reap_store``), and where it cannot (a read-only
store, a full disk) shown as their mark will leave them, never RUNNING for good.

Apart from ``history``, which prints runs: this decides what they are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from ..engine.states import StateType
from ..looks import INTERRUPTED
from ..printable import say
from ..workspace import end_marks
from ..workspace import history as store_history
from ..workspace.history_records import RunDetail, RunRecord, TaskRecord, counts_so_far
from ..workspace.reaper import end_and_duration, not_marked, unmarked_notes
from ..workspace.run_log import UNREADABLE
from .history_prune import unwritten_row


def reap_quietly(db: Path, command: str) -> dict[str, str]:
    """Mark the runs whose process died (``reap_store``: best effort, a read-only store is
    read as it is), and the notes of those it could not mark (``unmarked_notes``). A row
    the reaper cannot read (a crafted heartbeat) is a warning, not a traceback: the runs
    are listed as recorded."""
    try:
        store_history.reap_store(db)  # (looked up when called: tests count its rounds)
        return unmarked_notes(db)  # its dead runs read as such all the same, saying why
    except UNREADABLE as exc:
        said = f"cannot check which recorded runs are still live: {unwritten_row(exc)}"
        say(f"warning: {db}: {said}; listed as recorded", command=command)
        return {}


def detail_as_read(detail: RunDetail, gone: Mapping[str, Gone]) -> RunDetail:
    """A run as ``--run`` shows it: a live one with its tasks' counts so far and how many
    were reused, as the table has them (``counts_so_far``: its row has none until it
    ends); one whose process is gone, unmarked, with its tasks as its mark will leave
    them (``interrupted``)."""
    found = gone.get(detail.run.run_id)
    if found is not None:
        detail = replace(detail, tasks=interrupted(detail.tasks, found[3], found[2]))
    return replace(detail, run=as_read(detail.run, gone, lambda _: detail))


#: A run whose process is gone, unmarked: the state a reader shows, why (its note), when it
#: ended and its duration (None: unknown), and why its unfinished tasks did not finish.
Gone = tuple[str, str, tuple[float, float] | None, str]


def gone_as_read(db: Path, notes: Mapping[str, str]) -> dict[str, Gone]:
    """The runs whose process is gone that the store ``db`` could not mark (``notes``, of
    ``reap_quietly``), each with the state a reader shows: INTERRUPTED, or how its process
    ended it when the disk kept that end out of the store (``end_marks``); and its end and
    duration, as its mark will have them (``reaper.end_and_duration``)."""
    ends = end_marks.ended(db) if notes else {}
    unmarked = f" {not_marked(db)}" if notes else ""  # a task's note, as marked, lacks it
    return {
        run_id: (
            ends.get(run_id, INTERRUPTED),
            why if run_id in ends else f"interrupted: {why}",  # as a marked one's note
            end_and_duration(db, run_id),
            why.removesuffix(unmarked),
        )
        for run_id, why in notes.items()
    }


def as_read(
    run: RunRecord, gone: Mapping[str, Gone], run_detail: Callable[[str], RunDetail]
) -> RunRecord:
    """``run`` as a reader sees it: a live one with its counts so far (``counts_so_far``);
    one whose process is gone is INTERRUPTED (or ended as its end mark says) even when the
    store could not be marked so (read-only here, a full disk: the note says which), not
    RUNNING for good; its duration from its body's start up to its last sign of life, as
    its mark will say (it counted from its launch); its tasks counted as its mark will
    count them (``interrupted``): they read ``1 awaiting retry`` in a run shown over."""
    found = gone.get(run.run_id)
    if found is None:
        return counts_so_far(run, run_detail)
    state, note, dated, why = found
    ended, duration = dated if dated is not None else (None, None)
    shown = replace(run, state=state, note=note, owner="", finished=ended, duration=duration)
    if run.counts:
        return shown
    tasks = interrupted(run_detail(run.run_id).tasks, why, dated)
    counts = Counter(task.state for task in tasks)
    reused = sum(task.reused for task in tasks)
    stored = dict(sorted(counts.items()))  # in the order its row will keep them
    return replace(shown, counts=stored, reused=reused) if counts else shown


#: The states of a task that a run's interruption leaves as they are.
_ENDED = frozenset({*(state.value for state in StateType if state.is_final), INTERRUPTED})


def interrupted(
    tasks: Iterable[TaskRecord], why: str, dated: tuple[float, float] | None
) -> tuple[TaskRecord, ...]:
    """The tasks of a run whose process is gone, that the store could not mark, as its mark
    will leave them (``log_fold._interrupt``, which folds its ``run_interrupted``): each
    unfinished task INTERRUPTED (``why``), its running attempt too, run up to the run's end
    (``dated``: its last sign of life), and its wait for a retry. They read ``RUNNING``
    and ``waiting to retry`` in a run shown interrupted."""
    ended = dated[0] if dated is not None else None
    out = []
    for task in tasks:
        attempts, ran = [], 0.0
        for attempt in task.attempt_records:
            if attempt.state == StateType.RUNNING.value:
                took = attempt.duration
                began = attempt.started or 0.0
                if took is None and ended is not None and ended >= began > 0:
                    took = ended - began
                    ran += took
                attempt = replace(attempt, state=INTERRUPTED, duration=took)
            attempts.append(attempt)
        duration = (task.duration or 0.0) + ran if ran else task.duration
        task = replace(task, attempt_records=tuple(attempts), duration=duration)
        if task.state not in _ENDED:
            if attempts and attempts[-1].state == StateType.AWAITING_RETRY.value:
                attempts[-1] = replace(attempts[-1], state=INTERRUPTED)  # the wait it was in
            task = replace(task, state=INTERRUPTED, message=why, attempt_records=tuple(attempts))
        out.append(task)
    return tuple(out)
