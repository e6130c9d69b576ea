"""Buffered events to the screen: folded a slice at a time, the keys going on between.

A 100,000-task run hands the screen 200,000 events in a few seconds. Folded 50,000 at a
time on the UI thread (256–633 ms of CPU each, 1–5 s on a loaded machine), they held the
keys and the repaints for as long: a key waited up to 5.6 s, and the counts moved in
steps of 25,000 tasks. Now ``fold_slice`` folds in order, a chunk at a time, until its
time is up (``SLICE``); the app shows what changed, and with events left it folds the
next slice a frame later, the keys and repaints that came meanwhile handled in between.

The slices are paced by one async worker on the event loop, not by Textual timers: a
one-shot timer whose task starts late by more than its delay never fires (it skips the
missed tick, and with it its only one), and a flush that never came held every later
event off the screen.

A big run (over ``FREEZE_OVER`` tasks) takes two more things off the screen's thread.
Its rows are laid out on the thread that delivers its start (``RunStore.prepare``):
140–300 ms for 100,000. And what its events build is taken out of the garbage
collector's sight, as the app does with what it made before it was ready: a full
collection scans every object it sees, and during a 100,000-task run's events each one
held every thread 130–600 ms; its rows, laid out with the collector paused, made the
next young collection scan 100,000 objects (60–200 ms). A run dropped later is freed
all the same (its rows hold no cycle). What is alive at a freeze and garbage later, in
a cycle (Textual's cached lines), stays frozen until the app ends: about 4,000 objects
(under 1 MB) per 100,000-task run; hence big runs only, at their start and then every
``FREEZE_EVERY`` events.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, TypeAlias, get_args

from textual import work

from flowtop.engine.events import FLOW_BODY, RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.tui.event_buffer import EventBuffer
from flowtop.tui.messages import EventsPending
from flowtop.tui.run_control import InProcessControl
from flowtop.tui.run_store import RunStore
from flowtop.workspace.run_log import RunInterrupted
from flowtop.workspace.store_notices import ClientEvent, StoreNotice

if TYPE_CHECKING:
    from textual.app import App

    from flowtop.tui.model import RunModel
    from flowtop.tui.run_control import RunControl
    from flowtop.tui.widgets.task_table import TaskTable

    _AppBase = App[int]  # as in ``view_actions``: the checker sees the App it is mixed into
else:
    _AppBase = object

FRAME = 0.03  # seconds from one slice's start to the next at least: one batch per frame
#: Longest (seconds) the UI thread folds before the keys and the repaints get their turn.
SLICE = 0.025
#: The least time (seconds) between two slices, after one that folded for longer than a
#: frame (a 100,000-task run's start lays out its rows in one event).
SLICE_GAP = 0.005
#: Events folded between two looks at the clock: about 2 ms of folding at most.
CHUNK = 256
#: What a run with more tasks than this builds is frozen (see above): its rows as it
#: starts, then its attempts every ``FREEZE_EVERY`` of its events.
FREEZE_OVER = 20_000
FREEZE_EVERY = 50_000
FLUSH_LIMIT = 50_000  # events folded per slice at most, whatever the clock says

#: What the flows list and the header follow: the events that start or end a run, and
#: what the store client says of the runs still importing or of its store gone.
Lifecycle: TypeAlias = RunStarted | RunFinished | RunInterrupted | StoreNotice


@dataclass
class Folded:
    """What one slice folded: how many events, the rows they changed (run id -> keys,
    an empty set when only the run itself changed) and the runs they started or ended,
    with the store's notices among them (``Lifecycle``); and the runs read whole shown
    (``RunStore.read_shown``), as started: a live one's last event read is neither."""

    events: int = 0
    changed: dict[str, set[str]] = field(default_factory=dict)
    lifecycle: list[Lifecycle] = field(default_factory=list)
    read_shown: list[str] = field(default_factory=list)


def fold_slice(
    buffer: EventBuffer,
    store: RunStore,
    *,
    limit: int = FLUSH_LIMIT,
    budget: float = SLICE,
    clock: Callable[[], float] = time.perf_counter,
) -> Folded:
    """Fold the oldest events of ``buffer`` into ``store``, in order, until it is empty,
    ``budget`` seconds of ``clock`` have passed, or ``limit`` events are folded. An event
    is never split: one that costs more than the budget ends the slice on its own."""
    folded = Folded()
    deadline = clock() + budget
    changed = folded.changed
    while folded.events < limit:
        events = buffer.drain(min(CHUNK, limit - folded.events))
        if not events:
            break
        folded.events += len(events)
        for run_id, keys in store.apply_batch(events).items():
            if run_id in changed:
                changed[run_id] |= keys
            else:
                changed[run_id] = keys
        lifecycle = (RunStarted, RunFinished, RunInterrupted, *get_args(StoreNotice))
        folded.lifecycle += [e for e in events if isinstance(e, lifecycle)]
        folded.read_shown += store.take_read_shown()
        if clock() >= deadline:
            break
    return folded


class EventFlush(_AppBase):
    """Mixed into ``FlowtopApp``: folds its buffer's events into its store and repaints
    what they changed (the table's rows, the header, the detail pane, the flows list)."""

    # Provided by FlowtopApp:
    buffer: EventBuffer
    store: RunStore
    control: RunControl | None
    table: TaskTable
    selected_flow: str | None
    selected_error: str | None
    fold_clock: Callable[[], float]  # ends a slice (tests pass one that jumps)
    _frozen: bool  # whether the app took what it made out of the collector's sight

    if TYPE_CHECKING:  # FlowtopApp's own methods

        def _run_for(self, name: str) -> RunModel | None: ...

        def _update_header(self) -> None: ...

        def _update_detail(self) -> None: ...

        def _show_flows(self) -> None: ...

        def _loading_over(self) -> None: ...

        def _runs_ended(self, run_ids: Collection[str]) -> None: ...

    @cached_property
    def _events_pending(self) -> asyncio.Event:
        return asyncio.Event()

    @cached_property
    def _unfrozen(self) -> list[int]:
        return [0]  # events of big runs folded since the last freeze

    def _freeze_folded(self, folded: Folded) -> None:
        """A big run's attempts out of the collector's sight every ``FREEZE_EVERY`` of its
        events; a young collection first (a few ms): no cycle already garbage is frozen."""
        runs = self.store.runs
        big = any(r in runs and len(runs[r].rows) > FREEZE_OVER for r in folded.changed)
        if not big and not self.store.reading_over(FREEZE_OVER):  # (one read back: unshown)
            return
        self._unfrozen[0] += folded.events
        if self._unfrozen[0] >= FREEZE_EVERY and self._frozen:
            self._unfrozen[0] = 0
            gc.collect(1)
            gc.freeze()

    def take_events(self, events: Sequence[ClientEvent]) -> None:
        """The runs' sink, called on the thread that delivers their events: a big run's
        rows are laid out there (``RunStore.prepare``) and frozen at once, still young,
        then the events are buffered."""
        if self.store.prepare(events) > FREEZE_OVER and self._frozen:
            gc.freeze()
        self.buffer.append_batch(events)

    def on_events_pending(self, message: EventsPending) -> None:
        self._events_pending.set()

    @work(exclusive=True, group="fold")
    async def _fold_events(self) -> None:
        """For the app's life (started on mount): a slice as soon as events come, unless
        the last began under a frame ago; then slices until the buffer is empty, each
        ``FRAME`` after the one before, and ``SLICE_GAP`` after it ended at least."""
        pending = self._events_pending
        last = 0.0
        while True:
            await pending.wait()
            pending.clear()
            wait = last + FRAME - time.monotonic()
            while len(self.buffer):
                if wait > 0:
                    await asyncio.sleep(wait)
                last = time.monotonic()
                self._flush_events()
                wait = max(SLICE_GAP, last + FRAME - time.monotonic())

    def _show_selected_run(self) -> bool:
        """Show what the selected flow shows now (``_run_for``) when the table shows
        another: its newer run, its run starting after the shown one ended (the table
        kept the ended run's rows meanwhile), its task list once the run shown went with
        its store. Whether it did."""
        if self.selected_error is not None or self.selected_flow is None:
            return False
        shown = self._run_for(self.selected_flow)
        if shown is None or shown is self.table.run:
            return False
        self.table.show_run(shown)
        self._update_header()
        self._update_detail()
        return True

    def _flush_events(self) -> None:
        """Fold one slice of the events and show what changed."""
        folded = fold_slice(self.buffer, self.store, clock=self.fold_clock)
        if not folded.events:
            return
        self._freeze_folded(folded)
        changed, lifecycle = folded.changed, folded.lifecycle
        control = self.control
        in_process = control if isinstance(control, InProcessControl) else None
        evicted = set(self.store.take_evicted())  # superseded, finished runs: nothing shows them
        for run_id in evicted:
            if in_process is not None:
                in_process.forget(run_id)
        for event in lifecycle:
            if isinstance(event, RunStarted) and in_process is not None:
                in_process.adopt(event.run_id)
        table = self.table
        if not self._show_selected_run() and table.run is not None and table.run.run_id in changed:
            keys = changed[table.run.run_id]
            table.rows_changed(keys)
            self._update_header()
            # the detail pane ends with the run's own error and output: redrawn when
            # the run ends too, or its body prints, though the row under the cursor did not
            ended = any(
                isinstance(event, RunFinished | RunInterrupted) and event.run_id == table.run.run_id
                for event in lifecycle
            )
            # a pending row's "Waiting for:" follows its upstream rows' changes
            shown = table.run.rows.get(table.cursor_key) if table.cursor_key else None
            pending = shown is not None and shown.state is StateType.PENDING
            if table.cursor_key in keys or ended or pending or FLOW_BODY in keys:
                self._update_detail()
        if lifecycle or folded.read_shown:  # (a live run read back shows at neither)
            self._loading_over()  # a run shown: its "loading the flow…" toast goes
            if not table.keys:  # its line instead of rows may say more: why none ran, subflows
                table.refresh()
            self._show_flows()
            self._update_header()  # "2 live runs": the flow's other runs may have ended
            ends = {e.run_id for e in lifecycle if isinstance(e, RunFinished | RunInterrupted)}
            if ends:
                self._runs_ended(ends)  # auto-rerun may wait for one of them
        for left, now in self.store.take_moved_on():
            self._say_moved_on(left, now)
        if self.store.pruned and not len(self.buffer):  # (the runs kept come after its word)
            self._say_pruned(self.store.take_pruned())

    def _say_pruned(self, flows: list[str]) -> None:
        """The runs these flows showed were pruned from the store (``RunStore.pruned``):
        their header reads `not run yet` now, and `h` lists no run."""
        if flows:
            self.notify(
                f"The run history was pruned (flowtop history --prune): the runs of "
                f"{', '.join(flows)} shown here are no longer in it",
                markup=False,
                timeout=10,
            )

    def _say_moved_on(self, ended: RunModel, now: RunModel) -> None:
        """The screen went on from ``ended``, a run it followed, to ``now``, a newer run
        that ended meanwhile (``RunStore._ended``): a toast says how ``ended`` ended,
        which the screen never showed."""
        if ended.flow != self.selected_flow:
            return
        symbol, word, _ = ended.look
        note = f" ({ended.note})" if ended.note else ""
        self.notify(
            f"{ended.flow} run #{ended.number} ended {symbol} {word}{note}; "
            f"shown now: run #{now.number}, newer, which ended before it",
            markup=False,
            timeout=10,
        )
