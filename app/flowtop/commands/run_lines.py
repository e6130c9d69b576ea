"""A run's own lines, as ``flowtop run`` and ``flowtop watch`` print them: its start, its
end, and the ends a run's process did not write itself.

Besides a run's ``run_started`` and ``run_finished``, a watch meets runs that have not
started yet (their process is still importing the flow file: a detached run, one the
monitor started), runs that never did (the import failed or hung, the process was
stopped meanwhile: ``run_start.Reservation`` records a start and an end at once), and
runs whose process died (``run_interrupted``). Each is said here in the same shape as a
run's end (``long #2 CANCELLED: 1 completed, 2 cancelled in 3.1s``): the flow and its
run number first, never a bare run id, and never a ``@flow``'s words for a run that
did not start (``tasks appear as the flow reaches them``, ``0 tasks``).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine.events import Event, RunFinished, RunStarted
from ..engine.parameters import decode, describe
from ..engine.states import StateType
from ..formats import (
    clock_time,
    fmt_seconds,
    plural,
    precise_duration,
    state_counts,
)
from ..looks import INTERRUPTED, NOT_STARTED, STARTING, run_error_text
from ..printable import as_left_on_screen, printable
from ..workspace.subflow_runs import handled_words
from .message_lines import one_line, whole_line

if TYPE_CHECKING:
    from ..workspace.history_records import RunRecord
    from ..workspace.run_log import RunInterrupted

#: How ``watch``, ``cancel`` and ``history --run`` say a run whose process has logged
#: nothing yet, in the same words: ``cancel`` said ``its process is still importing the
#: flow file`` and ``history --run`` ``0 tasks: running``, a ``@flow``'s words.
STARTING_WORDS = f"starting: {STARTING}"


def starting_words(stage: str = "") -> str:
    """``STARTING_WORDS``, or past the import what the run's process said it waits on
    (``stage``, ``run_stage``: ``starting: connecting to the Dask scheduler at …``)."""
    return f"starting: {stage}" if stage else STARTING_WORDS


def starting_line(record: RunRecord, stage: str = "") -> str:
    """``18:33:49 hang #7 starting: its process is importing the flow file``: a watched
    run whose process has logged nothing yet. The watch printed nothing at all until the
    import ended, however long it took. ``stage``: what it waits on past the import."""
    return printable(
        f"{clock_time(record.started)} {record.flow} #{record.number} {starting_words(stage)}"
    )


def starting_json(record: RunRecord, stage: str = "") -> dict[str, Any]:
    """``starting_line`` as ``watch --json``'s ``run_starting`` event, before its
    ``run_started`` (``ts``: when the run was recorded, as its process began); with
    ``"stage"`` once its process said what it waits on past the import."""
    return {
        "event": "run_starting",
        "run_id": record.run_id,
        "flow": record.flow,
        "run": record.number,
        "ts": record.started,
        **({"stage": stage} if stage else {}),
    }


def stage_line(record: RunRecord, stage: str, before: str, at: float) -> str:
    """``18:34:02 etl #7 waiting for a Dask worker: …`` as a live run's process says what
    it waits on (``run_stage``), ``… no longer waiting for a Dask worker`` once that is
    over (``before``: what it said it waited on)."""
    said = stage or f"no longer {before.split(':', 1)[0]}"
    return printable(f"{clock_time(at)} {record.flow} #{record.number} {said}")


def stage_json(record: RunRecord, stage: str, at: float) -> dict[str, Any]:
    """``stage_line`` as ``watch --json``'s ``run_stage`` event (``"stage": ""``: over)."""
    return {
        "event": "run_stage",
        "run_id": record.run_id,
        "flow": record.flow,
        "run": record.number,
        "stage": stage,
        "ts": at,
    }


def did_not_start(started: RunStarted | None, finished: RunFinished) -> bool:
    """Whether ``finished`` ends a run that never started: one that failed to (its import
    raised or hung: ``not started``), or whose process was stopped as it imported, whose
    start and end were recorded together (``started``, the same instant) with nothing
    planned, nothing counted and no time taken."""
    if finished.error is not None and finished.error.type == NOT_STARTED:
        return True
    return (
        started is not None
        and started.ts == finished.ts
        and not started.tasks
        and started.starts_in is None  # a @flow's retry cancelled in its delay: it ran
        and not finished.counts
        and finished.duration == 0.0
    )


def unstarted_runs(events: Iterable[Event]) -> set[str]:
    """The runs whose end in ``events`` says they never started (``did_not_start``)."""
    starts: dict[str, RunStarted] = {}
    unstarted = set()
    for event in events:
        if type(event) is RunStarted:
            starts[event.run_id] = event
        elif type(event) is RunFinished and did_not_start(starts.get(event.run_id), event):
            unstarted.add(event.run_id)
    return unstarted


def record_did_not_start(record: RunRecord) -> bool:
    """``did_not_start`` for a run of the store (``history``'s rows): its TASKS read ``0
    tasks`` as a ``@flow`` that called none would."""
    error = record.error or {}
    if error.get("type") == NOT_STARTED:
        return True
    ended_at_once = record.duration == 0.0 and record.state == StateType.CANCELLED.value
    return ended_at_once and not record.counts and not record.tasks


def not_started_line(event: RunFinished) -> str:
    """``18:33:18 hang #1 did not start: hang.py: import did not finish in 2 s``, in place
    of ``hang #1 started: tasks appear as the flow reaches them`` and ``hang #1 FAILED in
    0s`` (``hang`` a ``Flow`` of one task)."""
    why = event.error.message if event.error is not None else event.note
    return f"{clock_time(event.ts)} {event.flow} #{event.run} did not start: {printable(why)}"


#: What the start of a run ``--no-history`` keeps out of the store says: its number is
#: the command's own count, and ``hang #1`` read as the store's run #1 (a rerun's too,
#: beside the source it named by the store's number).
UNRECORDED = "not recorded: --no-history"


def started_line(event: RunStarted, names: Mapping[str, str], *, recorded: bool = True) -> str:
    """``18:32:22 hang #1 started: 1 task``. ``names``: runs by id, named by flow and
    number (``nightly #13``): a subflow's calling run, and a rerun's source, said by its
    number as ``history`` says it (``rerun of #1``; it read the source's id), each by its
    id where unknown (pruned). ``recorded``: False for a run of ``--no-history``
    (``UNRECORDED``)."""
    rerun = f" (rerun of {source_name(event, names)})" if event.rerun_of else ""
    if event.parent_run:
        rerun += f" (child of {names.get(event.parent_run, f'run {event.parent_run}')})"
    rerun += "" if recorded else f" ({UNRECORDED})"
    tasks = (
        plural(len(event.tasks), "task") if event.tasks else "tasks appear as the flow reaches them"
    )
    given = f" with {describe(decode(event.parameters))}" if event.parameters else ""
    named = f" ({event.name})" if event.name else ""  # a @flow's flow_run_name
    if event.starts_in:  # a @flow's own retry: live (cancellable) through its delay
        tasks += f"; its body starts in {fmt_seconds(event.starts_in)}"
    stamp = clock_time(event.ts)
    return f"{stamp} {event.flow} #{event.run}{named} started{given}: {tasks}{rerun}"


def source_name(event: RunStarted, names: Mapping[str, str]) -> str:
    """The run ``event`` reruns: ``#1`` for a run of its flow (``names``), else its name
    or, unknown, its id."""
    source = event.rerun_of or ""
    name = names.get(source, source)
    return name.removeprefix(f"{event.flow} ") if name.startswith(f"{event.flow} #") else name


def name_runs(names: MutableMapping[str, str], db: Path, run_ids: Iterable[str | None]) -> None:
    """Name each of ``run_ids`` (None: no run) that ``names`` lacks by its flow and number
    in the store ``db`` (``etl #3``), for the lines of a run whose source or calling run
    started elsewhere: ``(rerun of #1)``, ``(child of nightly #13)``, as ``history`` says
    them. A run the store no longer holds, or cannot be read, keeps its id."""
    from ..workspace.history_records import HistoryError
    from ..workspace.store_reader import StoreReader

    for run_id in {run_id for run_id in run_ids if run_id and run_id not in names}:
        try:
            found = StoreReader(db).with_id_prefix(run_id)
        except (HistoryError, sqlite3.Error):
            return
        if found:
            names[run_id] = f"{found[0].flow} #{found[0].number}"


def finished_line(
    event: RunFinished,
    *,
    run_output: bool,
    reused: int = 0,
    failed_subflows: int = 0,
    cancelled_subflows: int = 0,
) -> str:
    """``18:32:22 long #2 CANCELLED: 1 completed, 2 cancelled in 3.1s`` (a ``@flow`` that
    completed: ``→ 'its repr'``, as a task's line ends), with what the ``@flow`` raised
    below it, and (``run_output``) what its body printed itself;
    ``reused``: how many of its completed tasks were carried over (``(2 reused)`` after
    its counts, as ``history`` says them); ``failed_subflows``: how many of its subflow
    runs did not complete (``(1 subflow failed, handled by the flow)`` when it did, as the
    monitor's run header says: the child's FAILED line may have scrolled past), and
    ``cancelled_subflows`` how many of those were cancelled (``1 subflow cancelled``)."""
    counts = state_counts(event.counts)
    counts += f" ({reused:,} reused)" if counts and reused else ""
    line = f"{clock_time(event.ts)} {event.flow} #{event.run} {event.state.value}"
    line += f": {counts}" if counts else ""  # none: a run that never started
    if event.counts or event.duration or not event.note:  # else it never ran
        line += f" in {precise_duration(event.duration)}"  # 5ms, not 0.00465s
    line += f" ({printable(event.note)})" if event.note else ""
    if event.state is StateType.COMPLETED:  # what its body caught, in the longest words
        failed = event.counts.get(StateType.FAILED.value, 0)
        handled = handled_words(failed, failed_subflows, cancelled_subflows)
        line += f" {handled[0]}" if handled else ""
    if event.result is not None:  # what the @flow returned, as a task's line shows it
        line += f" → {one_line(event.result, 60)}"
    if event.retry_in is not None:  # a @flow's retries=N: a new linked run follows
        line += f"; the flow retries in {fmt_seconds(event.retry_in)}, as a new run"
    if run_output and event.output:  # what the @flow body printed itself
        line += flow_output_lines(event.output)
    if event.error is not None:  # what the @flow function raised, with its traceback
        line += f"\n  {run_error_text(event.error.type, whole_line(event.error.message))}"
        if event.error.traceback:
            trace = printable(event.error.traceback.rstrip("\n"))
            line += "\n" + "\n".join(f"    {part}" for part in trace.splitlines())
    return line


def flow_output_lines(output: str) -> str:
    """What a ``@flow`` body printed, under its run's last line: ``flow output:``, then its
    lines as a terminal leaves them, as a task's output (a run interrupted: as much of it as
    its pieces told, ``live_output``)."""
    body = printable(as_left_on_screen(output).rstrip("\n"))
    return "\n  flow output:\n" + "\n".join(f"    {part}" for part in body.splitlines())


def interrupted_line(
    event: RunInterrupted,
    name: str,
    states: Mapping[str, StateType] | None,
    started: float | None,
) -> str:
    """``09:36:35 long #2 INTERRUPTED: 1 completed, 2 interrupted in 3.1s (its process
    (pid 15846 on vm) is gone)``, as ``finished_line`` ends a run: ``name`` the run's flow
    and number, ``states`` its tasks' states when its process went (unfinished ones are
    counted interrupted, as the store marks them), ``started`` its body's start (wall
    time), as ``history`` counts it: 0 for a ``@flow`` retry killed in its delay, whose
    body was due later (it read the wait it had, ``nightly #4 INTERRUPTED in 7.1s``). It
    read ``run b42c92683ea0 INTERRUPTED: its process … is gone``. A run whose process
    ended it, the store missing that end, reads as it ended (``event.ended``)."""
    line = f"{clock_time(event.ts)} {name} {event.ended or INTERRUPTED}"
    counts = state_counts(_after_interruption(states or {}))
    line += f": {counts}" if counts else ""
    if started is not None:
        line += f" in {precise_duration(max(0.0, event.ts - started))}"  # 0: no body yet
    return printable(f"{line} ({event.reason})")


#: What ``watch`` says once the process it said stopped (``stopped_line``) runs again.
RESUMED_WORDS = "its process runs again"


def stopped_line(name: str, words: str | None, ts: float | None = None) -> str:
    """``09:36:35 long #2: its process is stopped (paused, pid 4242: kill -CONT 4242
    resumes it)``: the watched run ``name`` (its flow and number), whose process a
    liveness check found stopped (``ownership.stopped_words``: ``words``); None: it runs
    again (``RESUMED_WORDS``); no time without ``ts``. Its retry countdowns read
    ``overdue``, and nothing said why."""
    said = f"{name}: {words or RESUMED_WORDS}"
    return printable(said if ts is None else f"{clock_time(ts)} {said}")


def _after_interruption(states: Mapping[str, StateType]) -> Counter[str]:
    """Tasks by state once their run's process went: the unfinished ones interrupted."""
    return Counter(state.value if state.is_final else INTERRUPTED for state in states.values())
