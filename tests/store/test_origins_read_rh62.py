"""A store client reads where a rerun's reused results were made without folding its
source's whole log (rh62).

``store_client_origins`` read the source run's log whole (``run_detail``) on the client's
thread at a rerun's first reused step: 130-160 ms for a 10,000-task source, 250 ms for a
rerun of such a rerun, the events behind it held meanwhile. It reads the runs table up
the chain now, and of each rerun on it only the steps it carried over.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from flowtop.engine.events import (
    REUSED_FROM_SOURCE,
    Event,
    RunFinished,
    RunStarted,
    TaskStateChanged,
)
from flowtop.engine.states import StateType
from flowtop.workspace import run_log, store_client_origins
from flowtop.workspace.history import History
from flowtop.workspace.run_log import LogEvent
from flowtop.workspace.store_client_origins import made_in

S = StateType
KEYS = ("a", "b", "c")
CACHED = "cached result of slow #9, 2026-12-04 10:54:38"


def run(run_id: str, number: int, source: str | None, **steps: str) -> list[Event]:
    """A run of ``slow``: each task's step, ``made`` (an attempt), ``failed``, ``reused``
    (carried over from ``source``) or ``cached``."""
    now = time.time()
    events: list[Event] = [RunStarted(run_id, "slow", number, KEYS, (1,) * 3, ("",) * 3, source)]
    for key, how in steps.items():
        if how == "reused":
            step = (S.COMPLETED, 0, True, REUSED_FROM_SOURCE)
        elif how == "cached":
            step = (S.COMPLETED, 0, True, CACHED)
        else:
            step = (S.COMPLETED if how == "made" else S.FAILED, 1, False, "")
        state, attempt, reused, message = step
        events.append(
            TaskStateChanged(
                run_id, "slow", key, state, attempt, 1, now, reused=reused, message=message
            )
        )
    failed = "failed" in steps.values()
    events.append(RunFinished(run_id, "slow", number, S.FAILED if failed else S.COMPLETED, {}, 0))
    return events


def record(db: Path, *runs: list[Event]) -> None:
    owner = History(db)
    try:
        for events in runs:
            start = events[0]
            assert isinstance(start, RunStarted)
            assert owner.next_number(start.flow, start.run_id) == start.run
            owner.sink(events)
            assert owner.flush(10)
    finally:
        owner.close()


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    """#1 makes a; #2 (of #1) carries a over, makes b from the cache; #3 (of #2)
    carries a and b over, makes c; #4 (of #3) carries all three over."""
    db = tmp_path / ".flowtop" / "history.db"
    record(
        db,
        run("1" * 12, 1, None, a="made", b="failed", c="failed"),
        run("2" * 12, 2, "1" * 12, a="reused", b="cached", c="failed"),
        run("3" * 12, 3, "2" * 12, a="reused", b="reused", c="made"),
        run("4" * 12, 4, "3" * 12, a="reused", b="reused", c="reused"),
    )
    return db


def test_each_reused_result_names_the_run_up_the_chain_that_made_it(chain: Path) -> None:
    assert made_in(chain, "4" * 12) == (
        "reused from run #3",  # c, made in its source
        {"a": "reused from run #1", "b": "reused from run #2"},
    )
    assert made_in(chain, "2" * 12) == ("reused from run #1", {})
    assert made_in(chain, "1" * 12) == (None, {})  # no rerun
    assert made_in(chain, "no-such-run") == (None, {})


def test_a_rerun_of_a_first_run_decodes_no_log_and_a_rerun_only_its_carried_steps(
    chain: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[LogEvent] = []
    real = run_log.decode_rows

    def counted(rows: list[tuple[str, str, object, object]]) -> list[LogEvent]:
        events = real(rows)  # type: ignore[arg-type]
        decoded.extend(events)
        return events

    monkeypatch.setattr(store_client_origins, "decode_rows", counted)
    assert made_in(chain, "2" * 12)[0] == "reused from run #1"
    assert decoded == []  # #1 is no rerun: its row says all (its log was folded whole)
    made_in(chain, "4" * 12)  # the rows of #3's and #2's logs that hold a carried step
    assert {e.run_id for e in decoded} == {"3" * 12, "2" * 12}
    assert all(type(e) is TaskStateChanged for e in decoded)  # no start, no end


def test_a_pruned_link_of_the_chain_is_said(chain: Path) -> None:
    history = History(chain)
    try:
        assert history.prune(3, "slow")  # `flowtop history --prune 3`: #1 goes
    finally:
        history.close()
    assert made_in(chain, "4" * 12) == (
        "reused from run #3",
        {"a": "reused from a pruned run", "b": "reused from run #2"},
    )
    assert made_in(chain, "2" * 12) == ("reused from a pruned run", {})
