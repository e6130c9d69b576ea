"""What a store client says besides the runs' events: its store went, runs still import.

A ``StoreClient`` hands its sink these in order with the events, as the store changes
under them, for a screen to act on at the right place in the stream. They are no run's
event, so they are types of their own: they were ``RunInterrupted`` events of the run
"" (so that a screen redrew as at a run's end), and every reader of run ends (the
history, the printers, ``watch``, ``serve``, the JSON) had to remember which of those
ended no run. A sink that takes them says so (``ClientEvent``), and the checker refuses
a use of one as a run's event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias, final

from .log_decode import LogEvent

if TYPE_CHECKING:
    from .store_reader import ReservedRun


@final  # (so ``type(x) is`` tells them for the checker too: the cheapest test of an event)
@dataclass(frozen=True, slots=True)
class StoreGone:
    """The store every run handed on so far came from was deleted (a new one may be at
    its name already), and those runs with it. Handed before the ends of its live runs
    (``StoreClient._store_replaced``) to a client that asks for it (``says_gone``), so
    that a screen drops what it shows of the old store's runs, and keeps the run it shows
    as those ends come, in whatever order (``RunStore._ended``). ``reason`` says what
    happened, in the user's words; ``ts`` when the client saw it; ``said``: whether a
    screen says it (not when its log went back under the client, a moment after the
    store moved in was said: ``StoreClient._look_at_store``)."""

    reason: str
    ts: float
    said: bool = True


@final
@dataclass(frozen=True, slots=True)
class RunsReserved:
    """``runs`` are every run reserved in the store whose process has logged nothing yet
    (it imports the flow file, seconds for a heavy one), in number order; handed whenever
    that set changes, to a client that asks (``says_reserved``): a run leaves the set as
    its first event is handed (its start, or its end when it died importing). A window
    other than the one that started such a run showed nothing of it until its import was
    done, though ``flowtop history`` listed it RUNNING. ``ts``: when the client read it."""

    runs: tuple[ReservedRun, ...]
    ts: float
    #: What live runs' processes wait on (``run_stage``: a Dask worker to join), by id.
    stages: tuple[tuple[str, str], ...] = ()


@final
@dataclass(frozen=True, slots=True)
class RunsPruned:
    """``runs``, handed on before (by id), are no longer in the store: a prune took them
    (``flowtop history --prune``, from any process), their numbers still given out, so
    no store was put in its place. Handed to a client that asks (``says_gone``) at its
    next look after the prune, with, just before it, the newest run left of each flow
    that lost one (a screen shows what is left, as when the store is read anew). It was
    noticed only when the last event read went with them (the log "went back"): a window
    showing a run of one flow kept it after ``--prune 0 --flow`` it, until a restart.
    ``sources``: the runs (flow, number) that the prune took among those named by what was
    handed on: where cached results were made (``cached result of etl #2, …``), a rerun's
    source (``(rerun of #3)``) and where a reused result was made (``reused from run #1``):
    their words say so now (``reuse_origin.pruned_said``). ``ts``: when the client saw it."""

    runs: tuple[str, ...]
    sources: frozenset[tuple[str, int]]
    ts: float


#: What a store client says of the store rather than of a run.
StoreNotice: TypeAlias = StoreGone | RunsReserved | RunsPruned
#: What a store client's sink is handed: the runs' events, and its notices among them.
ClientEvent: TypeAlias = LogEvent | StoreNotice
