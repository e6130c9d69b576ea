"""A rerun shown in the monitor names its source run, and where its reused results were
made, also when the monitor never held that run, and after a prune took it (rh62).

``RunStore.numbers`` went (075ace7): the header named the source (``rerun of #1``) only
while the monitor held that run, and said ``(rerun)`` for a rerun of a run it had
evicted or never read. The store client now reads the source's number once, at the
rerun's start (``RunStarted.rerun_number``). And ``reused from run #1`` stayed in the
monitor after a prune took #1, where ``history --run`` says ``a pruned run``: the store
client follows those runs as it follows the runs cached results name (``PruneWatch``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from flowtop.engine.events import (
    REUSED_FROM_SOURCE,
    Event,
    RunFinished,
    RunStarted,
    TaskStateChanged,
)
from flowtop.engine.states import StateType
from flowtop.tui.model import RunModel
from flowtop.workspace.run_log import RunInterrupted
from flowtop.workspace.store_notices import RunsPruned

from .conftest import wait_until
from .test_origins_read_rh62 import record as record_runs
from .test_prune_noticed_s59 import Screen, opened, prune, quick_looks

__all__ = ["opened", "quick_looks"]  # (fixtures, used by name)

S = StateType
SOURCE, RERUN = "a" * 12, "b" * 12


def record(db: Path, *events: Event) -> None:
    record_runs(db, list(events))


def source_run() -> list[Event]:
    """Run #1 of ``slow``: its task ``a`` made there, in attempt 1; ``b`` failed."""
    now = time.time()
    return [
        RunStarted(SOURCE, "slow", 1, ("a", "b"), (1, 1), ("", ""), None, now),
        TaskStateChanged(SOURCE, "slow", "a", S.RUNNING, 1, 1, now),
        TaskStateChanged(SOURCE, "slow", "a", S.COMPLETED, 1, 1, now, result="1"),
        TaskStateChanged(SOURCE, "slow", "b", S.RUNNING, 1, 1, now),
        TaskStateChanged(SOURCE, "slow", "b", S.FAILED, 1, 1, now),
        RunFinished(SOURCE, "slow", 1, S.FAILED, {"COMPLETED": 1, "FAILED": 1}, 0.1, now),
    ]


def rerun() -> list[Event]:
    """Run #2, a rerun of #1: ``a`` carried over from it, ``b`` run again."""
    now = time.time()
    return [
        RunStarted(RERUN, "slow", 2, ("a", "b"), (1, 1), ("", ""), SOURCE, now),
        TaskStateChanged(
            RERUN, "slow", "a", S.COMPLETED, 0, 1, now, reused=True, message=REUSED_FROM_SOURCE
        ),
        TaskStateChanged(RERUN, "slow", "b", S.RUNNING, 1, 1, now),
        TaskStateChanged(RERUN, "slow", "b", S.COMPLETED, 1, 1, now, result="2"),
        RunFinished(RERUN, "slow", 2, S.COMPLETED, {"COMPLETED": 2}, 0.1, now),
    ]


def shown(screen: Screen) -> RunModel | None:
    with screen.lock:
        return screen.store.latest_for("slow")


def test_a_rerun_of_a_run_the_monitor_never_held_names_its_number(
    tmp_path: Path, opened: Callable[[], tuple[Path, Screen]]
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    record(db, *source_run())
    db, screen = opened()  # it holds #1, the newest run of ``slow``
    wait_until(lambda: (run := shown(screen)) is not None and run.number == 1, "run #1")
    with screen.lock:  # a newer run of another flow ... and #1 is let go of (evicted)
        screen.store.runs.clear()
        screen.store.latest.clear()
    record(db, *rerun())  # started elsewhere (another client's `f` on #1)
    wait_until(lambda: (run := shown(screen)) is not None and not run.is_live, "run #2")
    run = shown(screen)
    assert run is not None and run.number == 2 and SOURCE not in screen.store.runs
    assert run.rerun_number == 1 and run.rerun_source == "#1"  # it said just `(rerun)`
    assert run.rows["a"].message == "reused from run #1"


def test_a_rerun_replayed_names_its_source_the_client_never_handed_on(
    tmp_path: Path, opened: Callable[[], tuple[Path, Screen]]
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    record(db, *source_run())
    record(db, *rerun())
    db, screen = opened()  # hands on the newest run alone: #2
    wait_until(lambda: (run := shown(screen)) is not None and not run.is_live, "run #2")
    started = screen.said(RunStarted)
    assert [event.run for event in started if isinstance(event, RunStarted)] == [2]
    run = shown(screen)
    assert run is not None and run.rerun_source == "#1"


def test_a_prune_of_the_source_is_said_in_the_header_and_the_reused_rows(
    tmp_path: Path, opened: Callable[[], tuple[Path, Screen]]
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    record(db, *source_run())
    record(db, *rerun())
    db, screen = opened()
    wait_until(lambda: (run := shown(screen)) is not None and not run.is_live, "run #2")
    run = shown(screen)
    assert run is not None and run.rows["a"].message == "reused from run #1"
    prune(db, 1, "slow")  # `flowtop history --prune 1 --flow slow`: #1 goes
    wait_until(lambda: screen.said(RunsPruned), "the prune noticed")
    assert shown(screen) is run  # kept, #2 not pruned
    with screen.lock:
        row = run.rows["a"]
        assert (row.message, run.rerun_source) == ("reused from a pruned run", "a pruned run")
        assert [attempt.message for attempt in row.attempts] == ["reused from a pruned run"]
    assert not screen.said(RunInterrupted)


def test_a_rerun_whose_source_was_pruned_before_it_was_read_says_so(
    tmp_path: Path, opened: Callable[[], tuple[Path, Screen]]
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    record(db, *source_run())
    record(db, *rerun())
    prune(db, 1, "slow")
    db, screen = opened()
    wait_until(lambda: (run := shown(screen)) is not None and not run.is_live, "run #2")
    run = shown(screen)
    assert run is not None and run.rerun_source == "a pruned run"
    assert run.rows["a"].message == "reused from a pruned run"  # as `history --run` says
