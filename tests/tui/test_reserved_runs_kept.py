"""``RunStore`` keeps the runs the store holds reserved and not heard from (``RunsReserved``).

Another window's run, still importing its flow file, counts as its flow's live run that
is starting (the header's note, `c`, "start another?"), until its start replaces it or
its end (died importing) or its record going (never started) drops it.
"""

from __future__ import annotations

import time

from flowtop.engine.events import RunStarted
from flowtop.tui.model import RunModel, RunStartedElsewhere
from flowtop.tui.run_store import RunStore
from flowtop.workspace.run_log import RunInterrupted
from flowtop.workspace.store_notices import RunsReserved
from flowtop.workspace.store_reader import ReservedRun

T0 = time.time()


def reserved(*runs: tuple[str, int]) -> RunsReserved:
    return RunsReserved(tuple(ReservedRun(run_id, "etl", n, T0) for run_id, n in runs), T0)


def started(run_id: str, number: int) -> RunStarted:
    return RunStartedElsewhere(run_id, "etl", number, ("a",), (1,), ("",), None, T0)


def live(run: RunModel | None) -> bool:
    return run is not None and run.is_live


def test_a_reserved_run_is_starting_until_its_start_replaces_it() -> None:
    store = RunStore()
    store.apply_batch([started("one", 1), RunInterrupted("one", "killed", T0)])
    store.apply_batch([reserved(("two", 2))])
    two = store.loading("etl")
    assert two is not None and two.number == 2  # old: None (another window's run)
    assert store.starting("etl", lambda run: True) is two  # `c` cancels it, `r` asks
    assert store.starting("etl", lambda run: False) is None  # ended since: asks no one
    assert store.shown_for("etl") is two  # the flows list's ▶
    assert store.starting_runs("etl") == [two]
    store.apply_batch([reserved(("two", 2))])
    assert store.loading("etl") is two  # the same model: a question asked holds it
    store.apply_batch([started("two", 2), reserved()])
    assert store.loading("etl") is None and not store.reserved
    assert live(store.latest_for("etl")) and store.latest_for("etl") is not two


def test_a_reserved_run_that_never_starts_is_dropped() -> None:
    store = RunStore()
    store.apply_batch([reserved(("two", 2), ("three", 3))])
    two, three = store.starting_runs("etl")
    store.apply_batch([reserved(("three", 3))])  # its record deleted: it never ran
    assert not two.is_live and store.loading("etl") is three
    interrupted = RunInterrupted("three", "died importing", T0, flow="etl", run=3)
    store.apply_batch([interrupted, reserved()])
    assert not three.is_live and store.loading("etl") is None
    shown = store.latest_for("etl")
    assert shown is not None and shown.number == 3 and not shown.is_live  # why it ended
