"""``history --prune N`` says the runs past the newest N it kept, and why.

"kept the newest 1 of leaf" left three runs of ``leaf``: those a kept parent called stay
(its record and its rerun need them), and the prune said nothing of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from flowtop.commands.history_prune import prune
from flowtop.engine.events import Event, RunFinished, RunStarted
from flowtop.engine.states import StateType as S
from flowtop.workspace.history import History
from flowtop.workspace.run_numbers import reserve_rerun


def finished(history: History, flow: str, parent: str | None = None, rerun_of: str | None = None,
             state: S = S.COMPLETED) -> str:  # fmt: skip
    number = history.next_number(flow)
    run_id, now = f"{flow}-{number}", time.time()
    events: list[Event] = [
        RunStarted(run_id, flow, number, ("a",), (1,), ("",), rerun_of, now, parent_run=parent),
        RunFinished(run_id, flow, number, state, {}, 1.0, now),
    ]
    history.sink(events)
    return run_id


def stored(db: Path, record: Callable[[History], None]) -> None:
    history = History(db)
    try:
        record(history)
        assert history.flush(10)
    finally:
        history.close()


def test_the_subflow_runs_a_kept_parent_called(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "history.db"

    def record(history: History) -> None:
        for _ in range(3):
            finished(history, "leaf", finished(history, "daily"))
        finished(history, "leaf")

    stored(db, record)
    assert prune(db, 1, "leaf") == 0
    assert capsys.readouterr().out.startswith(
        "Removed 0 runs; kept the newest 1 of leaf, and 3 more that a kept run called."
    )


def test_each_why_is_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "history.db"

    def record(history: History) -> None:
        finished(history, "f", finished(history, "daily"))  # f-1: called
        source = finished(history, "f", state=S.FAILED)  # f-2: stood for by f-4
        finished(history, "f", state=S.FAILED)  # f-3: goes
        finished(history, "f", rerun_of=source, state=S.CANCELLED)  # f-4, did not start

    stored(db, record)
    reserve_rerun(db, "g", "g-live", "f-3")  # f-3 rerun now (a live rerun)
    assert prune(db, 1, "f") == 0
    assert capsys.readouterr().out.startswith(
        "Removed 0 runs; kept the newest 1 of f, and 3 more (1 that a kept run called, "
        "1 that a kept rerun that did not start stands for, 1 that a live rerun is rerunning)."
    )
