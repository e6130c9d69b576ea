"""Where a rerun's reused results were made: for each task it carried over, the run up
its chain of reruns whose attempt computed the result (``history --run``, the history
screen's run page).

A rerun of a rerun carries its source's reused tasks over again: run #11, a rerun of
#10 (a rerun of #9, … of #7), reuses ``a`` from #10, which made no attempt of it; #7
did. Its page said ``reused from run #10, attempt 1``, and README promises "the attempt
that made it there". Each run of the chain is read only while some reused task is not
placed yet, and at most ``MAX_LINKS`` runs back.

A cache hit names the run that stored the result (``cached result of etl #2, …``, the
engine's words, made while that run was in the store): once a prune takes that run the
words say so, ``cached result of etl #2 (pruned), …`` (``pruned_said``), where a reader
shows them (``history --run``, the monitor's panes); they read as if it were still there.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace

from ..engine.events import REUSED_FROM_SOURCE
from .history_records import HistoryError, RunDetail, TaskRecord
from .log_decode import UNREADABLE

#: The most runs a chain is followed back through: a cron job that reruns every night
#: makes chains of hundreds, each link a run's log to fold.
MAX_LINKS = 50

#: What a cache hit says (``cached_calls.serve``: ``cached result of etl #2, 2026-12-04
#: 10:54:38``): the flow and number of the run that stored the result, then when, or
#: ``a call of f, …`` (a call outside any flow: no run). The name is taken up to the last
#: `` #N`` before the time: a flow's name may hold `` #``. `` (pruned)``: said already.
_CACHED = re.compile(
    r"cached result of (?P<flow>.+) #(?P<number>[0-9]+)(?P<pruned> \(pruned\))?(?=, |$)"
)
PRUNED = " (pruned)"
#: A rerun's carried-over result as a store client names where it was made (``reused
#: from run #1``, ``store_client_origins``): a run of the rerun's own flow.
_MADE = re.compile(r"reused from run #(?P<number>[0-9]+)$")
#: What such a result says once a prune took that run, as ``history --run`` says it.
MADE_IN_PRUNED = "reused from a pruned run"

#: The runs a store no longer holds among some, by (flow, number) (``StoreReader.pruned``).
Pruned = Callable[[Collection[tuple[str, int]]], Collection[tuple[str, int]]]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where one reused result was made. ``number``: the run (of the same flow) whose
    attempt made it, or, ``cached`` being set, the run that took it from the cache
    (``cached result of etl #2, …``, the engine's words); None when a run of the chain
    is no longer in the store (``pruned``) or lies past ``MAX_LINKS``. ``attempts``:
    how many it took there."""

    number: int | None
    attempts: int
    cached: str = ""
    pruned: bool = False

    @property
    def where(self) -> str:
        """``run #7``; ``a pruned run``, as the RERUN OF column says a pruned source."""
        if self.number is not None:
            return f"run #{self.number}"
        return "a pruned run" if self.pruned else "an earlier run"

    def said(self) -> str:
        """``reused from run #7, attempt 2``; ``reused from run #10, cached result of etl
        #2, …``; ``reused from a pruned run, attempt 1``."""
        said = f"reused from {self.where}"
        if self.cached:
            return f"{said}, {self.cached}"
        return f"{said}, attempt {self.attempts}" if self.attempts else said


def carried_over(origin: Origin | None) -> str:
    """What the history screen's run page says of a reused task: ``Carried over from run
    #7 (not executed again): its attempts are there.``; ``origin`` None while not known."""
    if origin is None:
        return "Carried over from the source run (not executed again): its attempts are there."
    if origin.number is None:  # no run to look at
        return f"Carried over from {origin.where} (not executed again)."
    made = origin.cached or "its attempts are there"  # a cache hit there: no attempt
    return f"Carried over from {origin.where} (not executed again): {made}."


def from_source(task: TaskRecord) -> bool:
    """Whether ``task`` was carried over from its run's source (not a cache hit, whose
    message names its cache entry; an older store's message was empty)."""
    return task.reused and task.message in ("", REUSED_FROM_SOURCE)


def reused_keys(detail: RunDetail) -> list[str]:
    """The tasks of ``detail`` carried over from its source, by key."""
    return [task.task for task in detail.tasks if from_source(task)]


def origins(
    detail: RunDetail, read: Callable[[str], RunDetail], keys: Iterable[str] | None = None
) -> dict[str, Origin]:
    """Where each task of ``detail`` carried over from its source was made (``keys``:
    those alone), by key; ``read`` reads a run of the store by id (``run_detail``). A
    run of the chain that cannot be read (pruned, or its log unreadable) ends the
    search: the tasks not placed by then read ``pruned``, or from an earlier run."""
    carried = {task.task: task.attempts for task in detail.tasks if from_source(task)}
    wanted = set(carried if keys is None else keys) & carried.keys()
    found: dict[str, Origin] = {}
    source, seen = detail.run.rerun_of, {detail.run.run_id}
    pruned = False
    while wanted and source is not None and source not in seen and len(seen) <= MAX_LINKS:
        seen.add(source)
        try:
            ran = read(source)
        except KeyError:  # no longer in the store
            pruned = True
            break
        except (HistoryError, sqlite3.Error, *UNREADABLE):
            break
        tasks = {task.task: task for task in ran.tasks}
        for key in list(wanted):
            task = tasks.get(key)
            if task is not None and not from_source(task):  # made here, or a cache hit here
                cached = task.message if task.reused else ""
                found[key] = Origin(ran.run.number, task.attempts, cached)
                wanted.discard(key)
            elif task is None:  # not in its source (a damaged log): said as unknown
                found[key] = Origin(None, carried[key])
                wanted.discard(key)
        source = ran.run.rerun_of
    found.update((key, Origin(None, carried[key], pruned=pruned)) for key in wanted)
    return found


def cached_source(message: str) -> tuple[str, int] | None:
    """The run (flow, number) a cache hit's ``message`` names as where its result was
    made; None for any other message (a call outside any flow stored it, or none)."""
    found = _CACHED.match(message)
    return None if found is None else (found["flow"], int(found["number"]))


def pruned_said(message: str) -> str:
    """A cache hit's ``message`` saying that the run it names was pruned:
    ``cached result of etl #2 (pruned), 2026-12-04 10:54:38``; any other as it is."""
    found = _CACHED.match(message)
    if found is None or found["pruned"]:
        return message
    return f"{message[: found.end()]}{PRUNED}{message[found.end() :]}"


def origin_source(flow: str, message: str) -> tuple[str, int] | None:
    """The run (flow, number) a reused result's ``message`` names as where it was made,
    ``flow`` being its run's: a cache hit's entry (``cached_source``), or the run a rerun
    carried it over from (``reused from run #1``); None for any other message."""
    found = _MADE.match(message)
    return cached_source(message) if found is None else (flow, int(found["number"]))


def origin_pruned(message: str) -> str:
    """A reused result's ``message`` saying that the run it names was pruned: a cache
    hit's as ``pruned_said``, a carried-over one's ``reused from a pruned run``."""
    return MADE_IN_PRUNED if _MADE.match(message) else pruned_said(message)


def said_pruned(detail: RunDetail, pruned: Pruned) -> RunDetail:
    """``detail`` with its cache hits' words saying which of the runs they name were
    pruned (``pruned`` asks the store which, once, for them all); itself when none was."""
    named = {task.task: cached_source(task.message) for task in detail.tasks if task.reused}
    sources = {source for source in named.values() if source is not None}
    gone = pruned(sources) if sources else ()
    if not gone:
        return detail
    tasks = tuple(
        replace(task, message=pruned_said(task.message)) if named.get(task.task) in gone else task
        for task in detail.tasks
    )
    return replace(detail, tasks=tasks)
