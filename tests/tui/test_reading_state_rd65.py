"""A run read back from the store: said to be read while it is, and drawn only whole (rd65).

A big finished run, read in slices over seconds, showed nothing of itself meanwhile: the
flow read `not run yet — press r to run` (or showed the run before it), with no hint. The
header and the table say `run #1 reading…` now. A live run read back (the monitor opened
while it runs in another process) was drawn from the first slice on, its counts and rows
stepping through what it had done as they were read: it is shown once its events read so
far are all folded, as a finished run is at its end. And the flows list followed it then:
it is redrawn at a run's start or end, and a live run read back shows at neither (its
last event read), so it read `· big` until the run's end (``Folded.read_shown``).
"""

from __future__ import annotations

import itertools
from pathlib import Path

from flowtop.engine import Flow
from flowtop.engine.events import Event, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.looks import STATE_LOOK
from flowtop.tui.app import FlowtopApp
from flowtop.tui.event_buffer import EventBuffer
from flowtop.tui.event_flush import fold_slice
from flowtop.tui.run_store import RunStore
from pilot_kit import wait_for

from .conftest import FakeWorkspace
from .test_event_flush import run_events

S = StateType


def _live(run_id: str, flow: str, n: int) -> list[Event]:
    """A live run as the store hands it on read back: its start, half its tasks completed."""
    keys = [f"t{i:04d}" for i in range(n)]
    events = run_events(run_id, flow, keys)[:-1]  # (no end: it runs)
    return events[: 1 + n + n // 2]


def _folded_a_chunk_at_a_time(store: RunStore, events: list[Event]) -> list[tuple[int, int]]:
    """``events`` handed on in one batch and folded a chunk a slice, as the screen folds
    them; after each slice, the completed count of the run shown (-1: none) and whether
    the store says it is reading a run of the flow."""
    buffer = EventBuffer()
    store.prepare(events)
    buffer.append_batch(events)
    ticks = itertools.count(0.0)
    seen: list[tuple[int, int]] = []
    while len(buffer):
        fold_slice(buffer, store, clock=lambda: next(ticks))
        run = store.latest_for("big")
        seen.append(
            (-1 if run is None else run.counts[S.COMPLETED], store.reading_for("big") is not None)
        )
    return seen


def test_a_live_run_read_back_is_shown_only_once_read_so_far() -> None:
    """Old: shown from the first slice, `✓ 0`, `✓ 0` … then `✓ 300` as they came."""
    store = RunStore()
    seen = _folded_a_chunk_at_a_time(store, _live("r1", "big", 600))
    assert len(seen) > 3  # (read in slices)
    assert seen[-1] == (300, False)
    assert set(seen[:-1]) == {(-1, True)}, seen
    run = store.latest_for("big")
    assert run is not None and run.is_live
    store.apply_batch([TaskStateChanged("r1", "big", "t0599", S.RUNNING, 1, 1, 4.0)])
    assert run.rows["t0599"].state is S.RUNNING  # (the tail's events follow it as ever)


def test_a_live_run_s_start_alone_is_shown_at_once() -> None:
    """A run that has said only its start (just started, or its start the last read)."""
    store = RunStore()
    start = RunStarted("r1", "big", 1, ("a",), (1,), ("",))
    store.prepare([start])
    store.apply_batch([start])
    assert store.latest_for("big") is not None and store.reading_for("big") is None


def test_a_finished_run_read_back_is_said_to_be_read_until_shown() -> None:
    store = RunStore()
    keys = [f"t{i:04d}" for i in range(600)]
    seen = _folded_a_chunk_at_a_time(store, run_events("r1", "big", keys))
    assert seen[-1] == (600, False)
    assert set(seen[:-1]) == {(-1, True)}, seen


def test_an_older_run_read_after_the_one_shown_is_not_said() -> None:
    store = RunStore()
    newer = run_events("r2", "big", ["a"], number=2)
    store.prepare(newer)
    store.apply_batch(newer)
    older = run_events("r1", "big", ["a"], number=1)
    store.prepare(older)
    store.apply_batch(older[:2])
    assert store.reading_for("big") is None  # (#2 stays shown: #1 is no news)


async def test_the_header_and_the_table_say_the_run_being_read(tmp_path: Path) -> None:
    """Old: `big  not run yet — press r to run` and `No tasks yet: …` until it was read."""
    app = FlowtopApp(FakeWorkspace(tmp_path, {"big": Flow("big")}), watch=False)
    ticks = itertools.count(0.0)
    app.fold_clock = lambda: next(ticks)  # every slice folds one chunk
    said: list[tuple[str, str]] = []
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
        await wait_for(pilot, lambda: app.selected_flow == "big", "the flow selected")
        flush = app._flush_events

        def noted() -> None:  # what the header and the table say after each slice
            flush()
            said.append((str(app.header.render()), " ".join(app.table.no_rows_lines(100))))

        app._flush_events = noted  # type: ignore[method-assign]
        keys = [f"t{i:04d}" for i in range(1_000)]
        app.take_events(run_events("r1", "big", keys))
        await wait_for(pilot, lambda: "Completed" in str(app.header.render()), "the run shown")
    reading = [(header, table) for header, table in said if "reading" in header]
    assert reading, said
    header, table = reading[0]
    assert "run #1: reading it from the run store…" in header
    assert "not run yet" not in header
    assert table == "Reading run #1 from the run store…"
    assert not any("Running" in header for header, _ in said)
    assert "reading" not in str(app.header.render())


def _listed(app: FlowtopApp, flow: str) -> str:
    """The flows list's line for ``flow``: its newest run's symbol, then its name."""
    listed = app.flow_list
    for at in range(listed.option_count):
        option = listed.get_option_at_index(at)
        if option.id == f"flow:{flow}":
            return str(option.prompt)
    raise AssertionError(f"{flow} not listed")


async def test_the_flows_list_says_a_live_run_read_back_runs(tmp_path: Path) -> None:
    """Old: `· big` (not run) beside the header's `▶ Running`, until the run's end."""
    app = FlowtopApp(FakeWorkspace(tmp_path, {"big": Flow("big")}), watch=False)
    ticks = itertools.count(0.0)
    app.fold_clock = lambda: next(ticks)  # every slice folds one chunk
    running = STATE_LOOK[S.RUNNING][0]
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
        await wait_for(pilot, lambda: app.selected_flow == "big", "the flow selected")
        assert not _listed(app, "big").startswith(running)
        app.take_events(_live("r1", "big", 1_000))
        await wait_for(pilot, lambda: "Running" in str(app.header.render()), "the run shown")
        run = app.store.shown_for("big")
        assert run is not None and run.is_live
        assert _listed(app, "big") == f"{running} big"  # drawn as the run was shown


def test_a_slice_says_the_run_read_whole_it_showed() -> None:
    """What the screen redraws the flows list and the header for, as for a start."""
    store, buffer = RunStore(), EventBuffer()
    events = _live("r1", "big", 600)
    store.prepare(events)
    buffer.append_batch(events)
    ticks = itertools.count(0.0)
    said = []
    while len(buffer):
        said.append(fold_slice(buffer, store, clock=lambda: next(ticks)).read_shown)
    assert said[-1] == ["r1"] and not any(said[:-1]), said
