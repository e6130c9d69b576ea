"""An open monitor notices every prune of its run store, not only one that took the row
of the log its client had read last.

`flowtop history --prune` in another terminal, a window open: its store client noticed
the prune only when the last row it had read went with the runs (read as a store moved
in). ``--prune 0 --flow slow``, the last event being another flow's, left slow's run on
screen (`run #1 ✓ Completed`, its `h` listing none) until a restart; so did an older run
of a flow the screen showed (a newer one having ended elsewhere meanwhile) that
``--prune 1`` took. And where the prune did take the last row read, the runs still live
were handed on ended first, their store "deleted or replaced while it ran".
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.tui.model import RunModel, RunStartedElsewhere
from flowtop.tui.run_store import RunStore
from flowtop.tui.widgets.run_header import PRUNED_WORDS
from flowtop.workspace import store_client
from flowtop.workspace.history import History
from flowtop.workspace.run_log import RunInterrupted
from flowtop.workspace.store_client import StoreClient
from flowtop.workspace.store_notices import ClientEvent, RunsPruned, StoreGone
from pilot_kit import screen_text, toasts_said, wait_for

from .conftest import wait_until
from .test_store_followed_anew_s56 import FLOW, finished, started
from .test_tui_client import client_app

S = StateType


def record(db: Path, *events: RunStarted | RunFinished) -> History:
    """``events`` written by a run's process of their own (left open: the caller closes
    it), each run numbered by the store first, as a run is (``History.next_number``)."""
    owner = History(db)
    for event in events:
        if type(event) is RunStarted:
            assert owner.next_number(event.flow, event.run_id) == event.run
    owner.sink(list(events))
    assert owner.flush(10)
    return owner


def prune(db: Path, keep: int, flow: str) -> None:
    """``flowtop history --prune KEEP --flow FLOW`` from another process."""
    history = History(db)
    try:
        assert history.prune(keep, flow)
    finally:
        history.close()


class Screen:
    """A store client's sink folded into a ``RunStore`` as the monitor folds it (the runs
    another process started marked so: ``StoreControl._deliver``)."""

    def __init__(self) -> None:
        self.store = RunStore()
        self.handed: list[ClientEvent] = []
        self.lock = threading.Lock()

    def sink(self, events: Sequence[ClientEvent]) -> None:
        marked = [RunStartedElsewhere(*e) if type(e) is RunStarted else e for e in events]
        with self.lock:
            self.handed.extend(marked)
            self.store.apply_batch(marked)

    def shows(self, flow: str) -> tuple[str | None, S | None]:
        with self.lock:
            run = self.store.latest_for(flow)
            return (None, None) if run is None else (run.run_id, run.state)

    def said(self, kind: type) -> list[ClientEvent]:
        with self.lock:
            return [event for event in self.handed if isinstance(event, kind)]


@pytest.fixture
def quick_looks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client looks at its store at each poll, not once a second."""
    monkeypatch.setattr(store_client, "REAP_EVERY", 0.0)


@pytest.fixture
def opened(tmp_path: Path, quick_looks: None) -> Iterator[Callable[[], tuple[Path, Screen]]]:
    """A client of the store in ``tmp_path``, opened by the test once its runs are in."""
    clients: list[StoreClient] = []
    db = tmp_path / ".flowtop" / "history.db"

    def open_client() -> tuple[Path, Screen]:
        screen = Screen()
        client = StoreClient(db, screen.sink, says_gone=True, says_reserved=True)
        clients.append(client)
        client.open()
        return db, screen

    yield open_client
    for client in clients:
        client.close()


def test_a_flow_whose_runs_were_pruned_shows_none_though_another_flow_logged_last(
    tmp_path: Path, opened: Callable[[], tuple[Path, Screen]]
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    record(db, started("a" * 12, 1), finished("a" * 12, 1)).close()
    record(db, started("b" * 12, 1, "other"), finished("b" * 12, 1, "other")).close()
    db, screen = opened()
    wait_until(lambda: screen.shows("other")[0] == "b" * 12, "the runs")
    assert screen.shows("slow") == ("a" * 12, S.COMPLETED)
    prune(db, 0, "slow")  # the log's last row, other's, stays
    wait_until(lambda: screen.shows("slow") == (None, None), "slow's run gone")  # old: kept
    assert screen.store.pruned_away == {"slow"}  # its header and `h` say so
    assert screen.store.take_pruned() == ["slow"]  # and a toast, once
    assert screen.shows("other") == ("b" * 12, S.COMPLETED)
    (notice,) = screen.said(RunsPruned)
    assert notice.runs == ("a" * 12,)
    assert not screen.said(StoreGone)  # no store went: nothing read anew


def test_an_older_run_shown_that_a_prune_took_gives_way_to_the_newest_left(
    tmp_path: Path, opened: Callable[[], tuple[Path, Screen]]
) -> None:
    """Run #1 was live on screen when #2 started and ended elsewhere: #1 stayed shown
    once it ended (``RunStore._ended``). ``--prune 1`` took #1: the flow shows #2."""
    db = tmp_path / ".flowtop" / "history.db"
    first = record(db, started("a" * 12, 1))  # live: its process (this one) goes on
    try:
        db, screen = opened()
        wait_until(lambda: screen.shows("slow") == ("a" * 12, S.RUNNING), "run #1")
        record(db, started("b" * 12, 2), finished("b" * 12, 2)).close()
        wait_until(lambda: screen.said(RunFinished), "run #2's end")
        first.sink([finished("a" * 12, 1)])
        assert first.flush(10)
    finally:
        first.close()
    record(db, started("c" * 12, 1, "other"), finished("c" * 12, 1, "other")).close()
    wait_until(lambda: screen.shows("other")[0] == "c" * 12, "the other flow's run, last")
    assert screen.shows("slow") == ("a" * 12, S.COMPLETED)  # its end on screen
    prune(db, 1, "slow")
    wait_until(lambda: screen.shows("slow")[0] == "b" * 12, "run #2")  # old: #1, for good
    assert screen.store.pruned_away == set()  # it has runs: none said pruned
    assert screen.store.take_pruned() == []


def test_a_prune_of_the_last_row_read_leaves_a_live_run_live(
    tmp_path: Path, opened: Callable[[], tuple[Path, Screen]]
) -> None:
    """The log's last row read went with the prune: it was read anew as a store moved
    in, and the live run was handed on ended (interrupted: its store "deleted or
    replaced"), then again as it runs."""
    db = tmp_path / ".flowtop" / "history.db"
    live = record(db, started("a" * 12, 1))
    try:
        record(db, started("b" * 12, 1, "other"), finished("b" * 12, 1, "other")).close()
        db, screen = opened()
        wait_until(lambda: screen.shows("other")[0] == "b" * 12, "the runs")
        prune(db, 0, "other")  # its rows are the log's last
        wait_until(lambda: screen.shows("other") == (None, None), "other's run gone")
        assert screen.shows("slow") == ("a" * 12, S.RUNNING)
        assert not screen.said(RunInterrupted)  # old: ended, then handed on again
        assert not screen.said(StoreGone)
        live.sink([finished("a" * 12, 1)])  # the tail reads on
        assert live.flush(10)
        wait_until(lambda: screen.shows("slow") == ("a" * 12, S.COMPLETED), "its end")
    finally:
        live.close()


def test_the_rows_a_prune_takes_after_its_runs_do_not_read_as_a_store_moved_in(
    tmp_path: Path, opened: Callable[[], tuple[Path, Screen]]
) -> None:
    """A prune takes its runs' ``runs`` rows first, their log rows after, a chunk at a
    time (``pruning.sweep``): the row read last went at a later look than its run."""
    db = tmp_path / ".flowtop" / "history.db"
    record(db, started("a" * 12, 1), finished("a" * 12, 1)).close()
    record(db, started("b" * 12, 1, "other"), finished("b" * 12, 1, "other")).close()
    db, screen = opened()
    wait_until(lambda: screen.shows("other")[0] == "b" * 12, "the runs")
    with closing(sqlite3.connect(db)) as conn, conn:  # the prune's first transaction
        conn.execute("DELETE FROM runs WHERE run_id = ?", ("b" * 12,))
    wait_until(lambda: screen.shows("other") == (None, None), "the prune noticed")
    with closing(sqlite3.connect(db)) as conn, conn:  # then its sweep
        conn.execute("DELETE FROM events WHERE run_id = ?", ("b" * 12,))
    record(db, started("c" * 12, 2), finished("c" * 12, 2)).close()
    wait_until(lambda: screen.shows("slow")[0] == "c" * 12, "a later run")
    assert not screen.said(StoreGone)  # old: the log read anew (then, the first prune)
    assert [run.run for run in screen.said(RunStarted) if run.flow == "slow"] == [1, 2]


def test_a_flow_a_prune_left_runs_shows_its_newest_kept_run() -> None:
    """The run shown went, another of its flow is kept on screen (a live one): it shows."""
    store = RunStore()
    older = RunModel("slow", ["a"], run_id="a" * 12, number=1)
    live = RunModel("slow", ["a"], run_id="b" * 12, number=2)
    store.runs = {"a" * 12: older, "b" * 12: live}
    store.latest = {"slow": "a" * 12}  # (`w` reached it)
    store.apply_batch([RunsPruned(("a" * 12,), frozenset(), 1.0)])
    assert store.latest_for("slow") is live and store.take_pruned() == []


async def test_the_monitor_says_the_flows_runs_were_pruned(
    ws: Callable[..., Path], quick_looks: None
) -> None:
    folder = ws(slow=FLOW.format(name="slow"), other=FLOW.format(name="other"))
    db = folder / ".flowtop" / "history.db"
    record(db, started("a" * 12, 1), finished("a" * 12, 1)).close()
    record(db, started("b" * 12, 1, "other"), finished("b" * 12, 1, "other")).close()
    async with client_app(folder, "slow") as (app, pilot):
        await wait_for(pilot, lambda: "run #1" in screen_text(app), "slow's run")
        with toasts_said(app) as said:
            prune(db, 0, "slow")
            await wait_for(
                pilot, lambda: f"slow  {PRUNED_WORDS}" in screen_text(app), "the header"
            )  # old: `slow  run #1  ✓ Completed`, for good
            await wait_for(pilot, lambda: said, "the toast")
        assert "the runs of slow shown here are no longer in it" in said[0]
        flows = [line.split("▕")[0] for line in screen_text(app).splitlines()[:2]]
        assert flows == [" ✓ other   ", " · slow    "]  # (✓ slow: its run's state)
