"""Runs read whole in one batch, and a store whose rows name each other parent (rw64).

A run whose start and end come in one batch is shown at its end (a90ed59). That assumed
the run shown so was its flow's newest: runs of one flow that end in another order than
they started (parallel runs, parallel subflow calls, a ``@flow`` retry started before
the failed run's end was read) showed the older run, dropped the newer, and a flow
retry never learnt why it ran. A store row naming its own run as parent (or A naming B,
B naming A) made the run its own subflow: ``all_reused`` recursed until the monitor
died (``RecursionError``), where the README promises it never dies on bad input.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from flowtop.engine.events import ErrorInfo, Event, RunFinished, RunStarted
from flowtop.engine.states import StateType as S
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel, RunStartedElsewhere
from flowtop.tui.run_store import RunStore
from flowtop.tui.widgets.run_header import subflow_notes
from flowtop.workspace import Workspace
from flowtop.workspace.history import History
from flowtop.workspace.run_log import LogTail
from flowtop.workspace.store_client_replay import replay_runs, runs_to_replay
from flowtop.workspace.store_notices import ClientEvent, RunsPruned
from flowtop.workspace.store_reader import StoreReader
from pilot_kit import wait_for

RAISED = ErrorInfo("ValueError", "bad row")


def _start(run_id: str, flow: str, number: int, ts: float, **more: Any) -> RunStarted:
    return RunStarted(run_id, flow, number, (), (), (), None, ts)._replace(**more)


def _end(start: RunStarted, state: S = S.COMPLETED, error: ErrorInfo | None = None) -> RunFinished:
    return RunFinished(
        start.run_id, start.flow, start.run, state, {}, 1.0, start.ts + 1, error=error
    )


def _one_batch(store: RunStore, events: Sequence[ClientEvent], *, elsewhere: bool = False) -> None:
    """``events`` folded as the app folds a batch it was handed (``take_events``); their
    runs another window's (``elsewhere``: ``StoreControl._deliver`` marks them so)."""
    if elsewhere:
        events = [RunStartedElsewhere(*e) if type(e) is RunStarted else e for e in events]
    store.prepare(events)
    store.apply_batch(events)


def _shown(store: RunStore, flow: str) -> RunModel:
    run = store.latest_for(flow)
    assert run is not None, f"{flow} shows no run"
    return run


ELSEWHERE = pytest.mark.parametrize("elsewhere", [False, True], ids=["here", "elsewhere"])


@ELSEWHERE
def test_parallel_runs_ending_newest_first_show_the_newest(elsewhere: bool) -> None:
    """Neither was ever drawn: none the user followed stays in the newest's place."""
    store = RunStore()
    one, two = _start("a1", "a", 1, 1.0), _start("a2", "a", 2, 2.0)
    _one_batch(store, [one, two, _end(two), _end(one)], elsewhere=elsewhere)
    assert _shown(store, "a").number == 2
    assert sorted(store.runs) == ["a2"]  # the older, superseded, let go of as it ended


@ELSEWHERE
def test_parallel_subflow_calls_ending_newest_first_show_the_newest(elsewhere: bool) -> None:
    store = RunStore()
    parent = _start("p1", "p", 1, 0.5)
    _one_batch(store, [parent], elsewhere=elsewhere)
    kid1 = _start("k1", "kid", 1, 1.0, parent_run="p1")
    kid2 = _start("k2", "kid", 2, 1.1, parent_run="p1")
    _one_batch(store, [kid1, kid2, _end(kid2), _end(kid1)], elsewhere=elsewhere)
    assert _shown(store, "kid").number == 2
    assert [child.number for child in _shown(store, "p").children] == [1, 2]


@ELSEWHERE
def test_a_flow_retry_started_before_the_failed_runs_end_stays_shown_and_says_why(
    elsewhere: bool,
) -> None:
    store = RunStore()
    failed = _start("r1", "r", 1, 1.0)
    retry = _start("r2", "r", 2, 2.0, rerun_of="r1", starts_in=60.0)
    _one_batch(store, [failed, retry, _end(failed, S.FAILED, RAISED)], elsewhere=elsewhere)
    shown = _shown(store, "r")
    assert shown.number == 2 and shown.is_live
    assert shown.retried == (1, RAISED)


def test_the_newest_run_a_prune_left_shows_in_place_of_the_newer_it_took() -> None:
    """Handed on whole before the prune's notice, run #2 is older than the #3 shown: a
    run read whole gives way to a start folded after its own, not to a higher number."""
    store = RunStore()
    three, two = _start("a3", "a", 3, 3.0), _start("a2", "a", 2, 2.0)
    _one_batch(store, [three, _end(three)], elsewhere=True)
    _one_batch(store, [two, _end(two)], elsewhere=True)  # (``StorePrunes.look``'s replay)
    _one_batch(store, [RunsPruned(("a3",), frozenset(), 9.0)])
    assert _shown(store, "a").number == 2 and sorted(store.runs) == ["a2"]
    assert store.take_pruned() == []


def _stored(folder: Path, events: list[Event], flow_file: str) -> Path:
    """``folder`` with ``flow_file`` as ``f.py`` and a store holding ``events``."""
    (folder / "f.py").write_text(flow_file)
    (folder / ".flowtop").mkdir()
    history = History(folder / ".flowtop" / "history.db")
    try:
        history.sink(events)
        assert history.flush(10)
    finally:
        history.close()
    return folder / ".flowtop" / "history.db"


NOW = time.time()
SELF = _start("5e1f5e1f5e1f", "selfish", 1, NOW, parent_run="5e1f5e1f5e1f")
ALPHA = _start("a1fa00000001", "alpha", 1, NOW, parent_run="be7a00000001")
BETA = _start("be7a00000001", "beta", 1, NOW + 0.01, parent_run="a1fa00000001")
LOOPS: dict[str, tuple[list[Event], str]] = {
    "its-own-parent": (
        [SELF, _end(SELF)],
        "from flowtop import flow\n\n\n@flow\ndef selfish():\n    return 1\n",
    ),
    "a-b-a": (
        [ALPHA, BETA, _end(BETA), _end(ALPHA)],
        "from flowtop import flow\n\n\n@flow\ndef alpha():\n    return 1\n\n\n@flow\ndef beta():\n    return 1\n",
    ),
}


def _subflows_below(run: RunModel) -> list[RunModel]:
    """Every run under ``run``, each once (a loop would list ``run`` itself)."""
    found: list[RunModel] = []
    stack = list(run.children)
    while stack and len(found) < 10:
        found.append(here := stack.pop())
        stack += here.children
    return found


@pytest.mark.parametrize("case", LOOPS, ids=list(LOOPS))
def test_runs_naming_each_other_parent_are_read_back_with_no_loop(
    tmp_path: Path, case: str
) -> None:
    events, flow_file = LOOPS[case]
    db = _stored(tmp_path, events, flow_file)
    store = RunStore()
    assert replay_runs(
        db,
        runs_to_replay(StoreReader(db)),
        LogTail(db).end(),
        lambda batch: _one_batch(store, batch),
        threading.Event(),
        tolerant=False,
    )
    shown = [_shown(store, start.flow) for start in events if isinstance(start, RunStarted)]
    assert shown and all(run.state is S.COMPLETED for run in shown)
    for run in shown:
        assert run not in _subflows_below(run), f"{run.label} is its own subflow"
        assert run.all_reused is False  # (no task: it ran its body)
        subflow_notes(run)  # the header's walk of its subflows, as drawn
    if case == "its-own-parent":
        assert shown[0].parent_run is None  # its header said `(child run)`


async def test_the_monitor_opens_a_store_whose_run_is_its_own_parent(tmp_path: Path) -> None:
    """Old: ``flowtop f.py`` exited with ``RecursionError`` as it drew the run."""
    events, flow_file = LOOPS["its-own-parent"]
    _stored(tmp_path, events, flow_file)
    workspace = Workspace(tmp_path)
    workspace.load()
    app = FlowtopApp(workspace, watch=False, run_processes=True)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for(pilot, lambda: app.store.latest_for("selfish") is not None, "the run")
            app.flow_list.select_flow("selfish")
            await wait_for(pilot, lambda: "Completed" in str(app.header.render()), "header")
            assert "child" not in str(app.header.render())
            app.shutdown(cancel=False)
    finally:
        workspace.close()
    assert app.return_code in (None, 0)


def test_a_loop_of_runs_made_by_hand_is_walked_once() -> None:
    """``all_reused`` walks each run once, however its ``children`` came to loop."""
    one, two = RunModel("a", [], run_id="a1", number=1), RunModel("b", [], run_id="b1", number=1)
    one.children, two.children = [two], [one]
    for run in (one, two):
        run.state = S.COMPLETED
    assert one.all_reused and one.called_look  # (no task run again: all reused)
    two.state = S.FAILED
    assert not one.all_reused


def test_a_start_that_cannot_be_read_leaves_no_mark_behind() -> None:
    store = RunStore()
    unreadable = _start("u1", "u", 1, 1.0, policies=5)  # a number where a list should be
    _one_batch(store, [unreadable, _end(unreadable)])
    assert not store._whole and not store._reading


def test_a_run_overtaken_while_a_live_run_shows_is_let_go_of_at_its_end() -> None:
    """#1, read whole after #2's start, ends beside the live #0 shown here: never drawn,
    #2 taking the flow's place, it was kept for the session (``runs`` grew by one such run
    each time; a 10,000-task run weighs ~10 MB)."""
    store = RunStore()
    zero = _start("a0", "a", 1, 0.5)
    _one_batch(store, [zero])
    one, two = _start("a1", "a", 2, 1.0), _start("a2", "a", 3, 2.0)
    _one_batch(store, [one, two, _end(one), _end(two)])
    assert _shown(store, "a").number == 3 and sorted(store.runs) == ["a0", "a2"]
    _one_batch(store, [_end(zero)])
    three = _start("a3", "a", 4, 5.0)
    _one_batch(store, [three, _end(three)])
    assert sorted(store.runs) == ["a3"]
    assert sorted(store.take_evicted()) == ["a0", "a1", "a2"]


def test_a_start_that_cannot_be_read_overtakes_no_run() -> None:
    """A start that raised counted as one folded: #1, read whole after it, beside the live
    #0, waited for a newer run that never came and was never shown."""
    store = RunStore()
    zero = _start("a0", "a", 1, 0.5)
    _one_batch(store, [zero])
    one, unreadable = _start("a1", "a", 2, 1.0), _start("a2", "a", 3, 2.0, policies=5)
    _one_batch(store, [one, unreadable, _end(one)])
    assert _shown(store, "a").number == 2 and sorted(store.runs) == ["a0", "a1"]
