"""A storm of events is folded a slice at a time: the keys are answered in between.

A 100,000-task run's 200,000 events were folded 50,000 at a time on the screen's thread:
a key waited up to 5.6 s, the counts moved in steps of 25,000 tasks. The slices are
bounded by a clock (``fold_clock``, which the tests make jump: every look at it ends the
slice), not by a count. How long a slice takes is measured by ``bench_tui.py``, never
here.
"""

from __future__ import annotations

import functools
import gc
import itertools
import time
from pathlib import Path

import pytest

from flowtop.engine import Flow, task
from flowtop.engine.events import Event, RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui import event_flush
from flowtop.tui.app import FlowtopApp
from flowtop.tui.event_buffer import EventBuffer
from flowtop.tui.event_flush import CHUNK, fold_slice
from flowtop.tui.run_store import PREPARE_OVER, RunStore
from flowtop.workspace.flow_shapes import FlowShape
from pilot_kit import wait_for

from .conftest import FakeWorkspace

S = StateType
SIZE = (120, 36)


@task
def noop() -> None:
    return None


def wide_flow(name: str, n: int) -> Flow:
    flow = Flow(name)
    for i in range(n):
        flow.add_task(noop, key=f"t{i:05d}")
    return flow


class ShapedOnce(FakeWorkspace):
    """The fake workspace with its shapes made once, as a real one keeps them until a
    reload or a save: these tests change no flow and no override. Made afresh on each of
    the app's reads (the footer's, several a second), a 6,000-task flow's cost 0.9 s of
    CPU a test."""

    @functools.cached_property
    def shapes(self) -> dict[str, FlowShape]:
        return super().shapes


def run_events(run_id: str, flow: str, keys: list[str], number: int = 1) -> list[Event]:
    """A run of ``keys`` as its events come: its start, each task running then completed
    (all running first, as a wide flow's do), its end."""
    n = len(keys)
    events: list[Event] = [RunStarted(run_id, flow, number, tuple(keys), (1,) * n, ("",) * n)]
    for state in (S.RUNNING, S.COMPLETED):
        events += [TaskStateChanged(run_id, flow, k, state, 1, 1, 2.0) for k in keys]
    events.append(RunFinished(run_id, flow, number, S.COMPLETED, {"COMPLETED": n}, 1.0, 3.0))
    return events


def jumping_clock() -> float:
    """Each look is a second after the one before: every slice ends after one chunk."""
    return next(_ticks)


_ticks = itertools.count(0.0)


async def test_a_backlog_is_folded_in_slices_and_a_key_is_answered_between(
    tmp_path: Path,
) -> None:
    """Old: the 12,001 events were folded in one go before the key was looked at."""
    flow = wide_flow("wide", 6_000)
    app = FlowtopApp(ShapedOnce(tmp_path, {"wide": flow}), watch=False)
    app.fold_clock = jumping_clock
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
        app.table.focus()
        moved, unfolded = app.action_move, []

        def move(where: str) -> None:  # the key's action: how many events wait meanwhile
            unfolded.append(len(app.buffer))
            moved(where)

        app.action_move = move  # type: ignore[method-assign]
        keys = list(flow.nodes)
        app.take_events(run_events("r1", "wide", keys))
        await pilot.press("down")
        assert app.table.cursor == 1
        assert unfolded and unfolded[0] > 0, "the key waited for the whole backlog"
        await wait_for(pilot, lambda: not len(app.buffer) and "r1" in app.store.runs, "the fold")
        run = app.store.runs["r1"]
        assert run.state is S.COMPLETED
        assert {row.state for row in run.rows.values()} == {S.COMPLETED}
        assert [row.attempt for row in run.rows.values()] == [1] * len(keys)
        assert app.table.run is run
        await wait_for(pilot, lambda: "6,000 completed" in str(app.header.render()), "counts")


def test_a_slice_keeps_the_order_and_ends_when_its_time_is_up() -> None:
    buffer, store = EventBuffer(), RunStore()
    keys = [f"t{i}" for i in range(2 * CHUNK)]
    for event in run_events("r1", "f", keys):  # one event a batch: a chunk spans many
        buffer.append_batch([event])
    looks = iter([0.0, 0.01, 0.02, 0.03])  # the budget is 0.025 s: three chunks, then done
    folded = fold_slice(buffer, store, budget=0.025, clock=lambda: next(looks))
    assert folded.events == 3 * CHUNK  # its start, every RUNNING, the first COMPLETED ones
    assert [type(e) for e in folded.lifecycle] == [RunStarted]
    assert folded.changed == {"r1": set(keys)}  # each row changed, listed once
    rows = store.runs["r1"].rows
    done = CHUNK - 1
    assert [rows[k].state for k in keys] == [S.COMPLETED] * done + [S.RUNNING] * (CHUNK + 1)
    rest = fold_slice(buffer, store, clock=lambda: 0.0)  # a clock that stands: all the rest
    assert rest.events == CHUNK + 2 and not len(buffer)
    assert [type(e) for e in rest.lifecycle] == [RunFinished]
    assert store.runs["r1"].state is S.COMPLETED


def test_a_big_runs_start_is_laid_out_before_its_fold_and_taken_as_it_is() -> None:
    store = RunStore()
    keys = tuple(f"t{i}" for i in range(PREPARE_OVER + 1))
    big = RunStarted("big", "f", 1, keys, (1,) * len(keys), ("",) * len(keys))
    small = RunStarted("small", "g", 1, ("a",), (1,), ("",))
    assert store.prepare([small]) == 0
    assert store.prepare([small, big]) == len(keys)
    (made,) = (model for event, model in store._prepared.values() if event is big)
    twin = big._replace()  # equal, but not the event prepared: laid out by the fold
    store.apply_batch([twin])
    assert store.runs["big"] is not made
    store.apply_batch([big])
    assert store.runs["big"] is made and store._prepared == {}


async def test_a_big_runs_rows_are_frozen_and_freed_with_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full collection scanned every row of a 100,000-task run, again and again while
    its events came (130–600 ms each). Frozen now, the rows are freed all the same when a
    newer run takes the ended one's place."""
    monkeypatch.setattr(event_flush, "FREEZE_OVER", 2_000)  # 100,000 rows take a while
    flow = wide_flow("wide", 3_000)
    app = FlowtopApp(ShapedOnce(tmp_path, {"wide": flow}), watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
        before = gc.get_freeze_count()
        keys = list(flow.nodes)
        app.take_events(run_events("r1", "wide", keys))
        await wait_for(pilot, lambda: "r1" in app.store.runs and not len(app.buffer), "run 1")
        await wait_for(pilot, lambda: app.store.runs["r1"].state is S.COMPLETED, "its end")
        frozen = gc.get_freeze_count()
        assert frozen - before >= len(keys), "its rows are still in the collector's sight"
        app.take_events(run_events("r2", "wide", keys[:1], number=2)[:1])  # r1 is dropped
        await wait_for(pilot, lambda: "r1" not in app.store.runs, "run 1 to be dropped")
        deadline = time.monotonic() + 5
        while gc.get_freeze_count() > frozen - len(keys) and time.monotonic() < deadline:
            await pilot.pause(0.02)
        assert gc.get_freeze_count() <= frozen - len(keys), "run 1's rows were not freed"
    assert gc.get_freeze_count() == 0
