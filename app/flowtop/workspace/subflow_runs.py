"""The runs a run's ``@flow`` body called as subflows, read back from the store.

A subflow is a run of its own, under its flow (``region-ingest #19``), its row naming the
run that called it (``parent``): the child's page says ``child of daily-ingest #10``. The
parent's page said ``This run recorded no tasks.`` and ``history --run`` only its
parameters and result: nothing led from a parent to its children but scanning every
flow's history. ``history --run`` and the history screen's run page name them now, as
the monitor's main screen does (``its subflows ran as runs of their own: …``), a subflow's
own retries as one call (``subflow_calls``: ``kid #2 (retry of #1)``, and no failure
when its last run completed). A rerun of the parent reruns them (``called_runs``,
``subflow_sources``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from ..formats import plural
from ..looks import REUSED_LOOK, UNDONE_STATES, stored_look
from .history_records import REUSED, HistoryError
from .private import refuse_linked_store
from .run_log import connect_reader
from .store_schema import check_version

if TYPE_CHECKING:
    from .history_records import RunRecord

#: The children of runs, ``{}`` the columns read of each, by their parent (its first
#: column) and in the order each parent called them (started): one query per level of a
#: rerun's plan (``subflow_sources``), per page.
_CHILDREN = "SELECT parent, {} FROM runs WHERE parent IN ({}) ORDER BY started, number"
#: Parents one query names at most (an older SQLite allows 999 variables).
_BATCH = 500
#: A page's columns (``SubflowRun``) and a rerun's (``CalledRun``).
_SHOWN = ("run_id", "flow", "number", "state", "rerun_of", "counts")
_MATCHED = ("run_id", "flow", "state", "rerun_of", "parameters", "counts")


@contextmanager
def reading(db: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the store ``db`` read as ``StoreReader`` reads it (never through a
    link at its name, a newer flowtop's store refused)."""
    refuse_linked_store(db)
    with closing(connect_reader(db)) as conn:
        check_version(conn, db)
        yield conn


def _children(
    conn: sqlite3.Connection, parents: Sequence[str], columns: Sequence[str]
) -> dict[str, list[tuple[Any, ...]]]:
    """The ``columns`` of the runs each of ``parents`` called, by parent, oldest first;
    none from a store older than the columns (before subflows, or parameters)."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    for at in range(0, len(parents), _BATCH):
        batch = parents[at : at + _BATCH]
        query = _CHILDREN.format(", ".join(columns), ", ".join("?" * len(batch)))
        try:
            rows = conn.execute(query, batch).fetchall()
        except sqlite3.OperationalError:  # a store from before subflows (or parameters)
            return {}
        for parent, *row in rows:
            found.setdefault(parent, []).append(tuple(row))
    return found


@dataclass(frozen=True, slots=True)
class SubflowRun:
    """One run a run's body called as a subflow: its id, flow, number and stored state,
    and the run it reruns (a subflow's own retry: the one before it; else None);
    ``reused``: it completed reusing every task, its subflows' too (``_all_reused``)."""

    run_id: str
    flow: str
    number: int
    state: str
    rerun_of: str | None = None
    reused: bool = False

    @property
    def label(self) -> str:
        """``region-ingest #19``, as the monitor and the child's ``child of`` name runs."""
        return f"{self.flow} #{self.number}"

    @property
    def failed(self) -> bool:
        """Whether it ended without completing (failed, crashed, cancelled, interrupted)."""
        return self.state in UNDONE_STATES

    @property
    def look(self) -> tuple[str, str, str] | None:
        """How every list draws it: ``↺ Reused`` when it reused every task, else its
        state's look (``stored_look``: None for a state this flowtop does not know)."""
        return REUSED_LOOK if self.reused else stored_look(self.state)

    def as_json(self) -> dict[str, Any]:
        """Named as ``history --json`` names a run's (``run_id``, ``flow``, ``run``,
        ``state``), ``"reused": true`` when it reused every task (``↺`` on screen)."""
        said = {"run_id": self.run_id, "flow": self.flow, "run": self.number, "state": self.state}
        return {**said, "reused": True} if self.reused else said


def called_by(conn: sqlite3.Connection, run_id: str) -> tuple[SubflowRun, ...]:
    """The subflow runs ``run_id`` called, oldest first; none from a store older than
    subflows (no ``parent`` column). A crafted row's odd value stands in as ``?`` (a
    number as 0, a rerun as none): the run is still named, not the page failed. Each that
    reused every task, its own subflows' too, is marked (``reused``), as the monitor's ``↺``."""
    rows = _children(conn, [run_id], _SHOWN).get(run_id, [])
    runs = [
        SubflowRun(
            child if isinstance(child, str) else "?",
            flow if isinstance(flow, str) else "?",
            number if isinstance(number, int) and not isinstance(number, bool) else 0,
            state if isinstance(state, str) else "?",
            rerun_of if isinstance(rerun_of, str) else None,
        )
        for child, flow, number, state, rerun_of, _ in rows
    ]
    done = {row[0]: _counts(row[5]) for row in rows if row[3] == "COMPLETED"}
    reused = _all_reused(conn, done, {run_id})
    return tuple(replace(run, reused=True) if run.run_id in reused else run for run in runs)


def _all_reused(
    conn: sqlite3.Connection, runs: dict[str, dict[str, Any]], seen: set[str]
) -> set[str]:
    """Which of the completed ``runs`` (their stored counts, by id) reused every task and
    called only subflows that did too, with a task or a subflow at all, as the monitor's
    ``RunModel.all_reused`` tells it: a query a level of subflows. ``seen``: the runs
    asked about above them (a crafted store's loop of parents ends there)."""
    runs = {run_id: counts for run_id, counts in runs.items() if run_id not in seen}
    if not runs:
        return set()
    called = _children(conn, list(runs), ("run_id", "state", "counts"))
    done = {
        child: _counts(counts)
        for rows in called.values()
        for child, state, counts in rows
        if state == "COMPLETED" and isinstance(child, str)
    }
    inner = _all_reused(conn, done, seen | set(runs)) if done else set()
    found = set()
    for run_id, counts in runs.items():
        tasks = sum(n for state, n in counts.items() if state != REUSED and isinstance(n, int))
        children = called.get(run_id, [])
        every = all(child in inner for child, *_ in children)
        if (tasks or children) and counts.get(REUSED, 0) == tasks and every:
            found.add(run_id)
    return found


class _Numbered(Protocol):
    """A run as a subflow list names it: its ``label`` (``kid #2``) and ``number``."""

    @property
    def label(self) -> str: ...

    @property
    def number(self) -> int | None: ...


def retried_label(last: _Numbered, before: Sequence[_Numbered]) -> str:
    """A call as its last run, as the monitor's main screen names it: ``kid #2 (retry of
    #1)`` for one its own retries ran again (``subflow_calls``), else ``kid #2``."""
    if not before:
        return last.label
    return f"{last.label} (retry of {', '.join(f'#{run.number}' for run in before)})"


_C = TypeVar("_C")


def failed_first(
    calls: Sequence[tuple[_C, list[_C]]], failed: Callable[[_C], bool]
) -> list[tuple[_C, list[_C]]]:
    """Subflow calls (``subflow_calls``) as every screen lists them: those whose last run
    did not complete first, each kind in call order. The monitor listed them so (one of
    30 that failed was cut off its screen), ``history --run`` and a run's page in call order."""
    return sorted(calls, key=lambda call: not failed(call[0]))


def handled_words(tasks: int, subflows: int, cancelled: int = 0) -> tuple[str, ...]:
    """What a completed run says of the failures its ``@flow`` body caught, ``tasks`` of its
    tasks and ``subflows`` of its subflow calls (``cancelled`` of those cancelled: a cancel
    of the child is no failure of it), longest first; () for none. The longest as ``flowtop
    run``'s end line says it, ``(1 task failed, handled by the flow) (1 subflow cancelled,
    handled by the flow)``; the others for a narrow header."""
    said = [f"{plural(tasks, 'task')} failed"] if tasks else []
    said += [subflow_words(subflows, cancelled)] if subflows else []
    if len(said) < 2:
        return tuple(f"({said[0]}, {how})" for how in ("handled by the flow", "handled") if said)
    tasks_and = f"{plural(tasks, 'task')} and {plural(subflows, 'subflow')} failed"
    narrow = f"{plural(tasks, 'task')}, {plural(subflows, 'subflow')} failed"
    if cancelled:  # (not all failed: each said apart)
        tasks_and = narrow = f"{said[0]}, {said[1]}"
    return (
        " ".join(f"({words}, handled by the flow)" for words in said),
        f"({tasks_and}, handled by the flow)",
        f"({narrow}, handled)",
    )


def handled_note_words(tasks: int, subflows: int, cancelled: int = 0) -> str:
    """``1 task, 1 subflow failed, handled``: ``handled_words``' shortest, unbracketed, as
    ``flowtop history``'s NOTE says it, its parts in ``flowtop run``'s order; "" for none."""
    said = handled_words(tasks, subflows, cancelled)
    return said[-1].removeprefix("(").removesuffix(")") if said else ""


def completed_failures(run: RunRecord) -> int:
    """How many of a completed run's tasks failed, its body handling them (0 for a run that
    did not complete: its failures are its end, not handled)."""
    failed = run.counts.get("FAILED", 0) if run.state == "COMPLETED" else 0
    return failed if isinstance(failed, int) else 0


def subflow_words(subflows: int, cancelled: int = 0) -> str:
    """``1 subflow failed``: what became of ``subflows`` subflow calls that did not complete,
    ``cancelled`` of them cancelled (``1 subflow cancelled``, ``2 subflows failed, 1
    cancelled``): each place that says a run's handled subflows says them so."""
    failed = subflows - cancelled
    if not cancelled:
        return f"{plural(subflows, 'subflow')} failed"
    if not failed:
        return f"{plural(cancelled, 'subflow')} cancelled"
    return f"{plural(failed, 'subflow')} failed, {cancelled:,} cancelled"


@dataclass(frozen=True, slots=True)
class CalledRun:
    """One run a run's body called as a subflow, as a rerun of that run matches it: its
    id, flow, state, the run it reruns (a flow-level retry's: the one before it), its
    parameters (``given_json``'s text, None for none) and its tasks' counts by state."""

    run_id: str
    flow: str
    state: str
    rerun_of: str | None
    parameters: str | None
    counts: dict[str, Any]


def called_runs(
    conn: sqlite3.Connection, parents: Sequence[str]
) -> dict[str, tuple[CalledRun, ...]]:
    """The subflow runs each of ``parents`` called, by parent, oldest first, in one query
    (``reading``'s connection); a row of a crafted store whose id, flow or state is not
    text is left out, and its counts that are not JSON read as none."""
    return {
        parent: tuple(
            CalledRun(
                child,
                flow,
                state,
                rerun_of if isinstance(rerun_of, str) else None,
                parameters if isinstance(parameters, str) else None,
                _counts(counts),
            )
            for child, flow, state, rerun_of, parameters, counts in rows
            if isinstance(child, str) and isinstance(flow, str) and isinstance(state, str)
        )
        for parent, rows in _children(conn, parents, _MATCHED).items()
    }


def _counts(text: object) -> dict[str, Any]:
    try:
        counts = json.loads(text) if isinstance(text, str) else {}
    except ValueError:
        return {}
    return counts if isinstance(counts, dict) else {}


class _Run(Protocol):
    """A subflow run as ``subflow_calls`` groups them: its id (None: not known yet, as a
    monitor's run before its start), and the run it reruns."""

    @property
    def run_id(self) -> str | None: ...

    @property
    def rerun_of(self) -> str | None: ...


_R = TypeVar("_R", bound=_Run)


def subflow_calls(runs: Sequence[_R]) -> list[tuple[_R, list[_R]]]:
    """The subflow calls one parent's ``runs`` (oldest first) made, in call order, each as
    its last run and the runs before it that it retried: a subflow's own retry
    (``retries=N``) is a run of its own, a child of the same parent and a rerun of the
    run it retries. A call is what its last run did (``✓ kid #2 (retry of #1)``): the one
    grouping of them, the monitor's (``RunModel.subflow_calls``), a run's page's, ``history``'s
    and a rerun's (``subflow_sources``); a crafted store's loop of reruns leaves each of
    its runs a call of its own, none dropped."""
    at = {run.run_id: index for index, run in enumerate(runs) if run.run_id is not None}
    after: dict[int, int] = {}  # a run's index -> its retry's (the first that names it)
    for index, run in enumerate(runs):
        retried = at.get(run.rerun_of) if run.rerun_of is not None else None
        if retried is not None and retried != index and retried not in after:
            after[retried] = index
    retries = set(after.values())
    chains: dict[int, list[int]] = {}
    for first in range(len(runs)):
        if first in retries:
            continue
        chain = [first]
        while chain[-1] in after:  # no loop: it began at a run nothing retries
            chain.append(after[chain[-1]])
        chains[first] = chain
    placed = {index for chain in chains.values() for index in chain}
    calls = []
    for index, run in enumerate(runs):
        if index in chains:
            *before, last = (runs[each] for each in chains[index])
            calls.append((last, before))
        elif index not in placed:  # in a loop of reruns
            calls.append((run, []))
    return calls


class _Stated(_Run, Protocol):
    """A subflow run as ``undone_calls`` counts them: with its stored state too."""

    @property
    def state(self) -> str: ...


def undone_calls(runs: Sequence[_Stated]) -> tuple[int, int]:
    """How many of the calls ``runs`` (one parent's) ended in a run that did not complete
    (one whose own retry completed did not fail: ``subflow_calls``), and how many of those
    in a run that was cancelled: what ``handled_words`` says of them."""
    return undone_counts(subflow_calls(runs), lambda run: run.state in UNDONE_STATES)


class _HasState(Protocol):
    """A subflow call's last run as ``undone_counts`` counts them (None: not started)."""

    @property
    def state(self) -> str | None: ...


_S = TypeVar("_S", bound=_HasState)


def undone_counts(
    calls: Sequence[tuple[_S, list[_S]]], undone: Callable[[_S], bool]
) -> tuple[int, int]:
    """How many subflow ``calls`` (``subflow_calls``) ended in a run that did not complete
    (``undone``: its state in ``UNDONE_STATES``, as the store keeps it; the monitor's runs
    also when their process died), and how many of those in a run that was cancelled:
    one count for ``history``, a run's page and the monitor's header (``no_rows``)."""
    return (
        sum(undone(last) for last, _ in calls),
        sum(undone(last) and last.state == "CANCELLED" for last, _ in calls),
    )


def handled_calls(db: Path, records: Sequence[RunRecord]) -> dict[str, tuple[int, int]]:
    """How many subflow calls of each completed run of ``records`` did not complete (its
    body caught them), and how many of those were cancelled, by run id, those with none
    left out: one query for them all, in the store ``db``. ``{}`` when it cannot be read,
    or is older than subflows: the runs themselves were read, this is extra."""
    parents = [record.run_id for record in records if record.state == "COMPLETED"]
    if not parents:
        return {}
    try:
        with reading(db) as conn:
            called = called_runs(conn, parents)
    except (sqlite3.Error, HistoryError, OSError):
        return {}
    undone = {parent: undone_calls(runs) for parent, runs in called.items()}
    return {parent: counts for parent, counts in undone.items() if counts[0]}
