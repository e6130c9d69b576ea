"""``flowtop watch`` reads the log of the run it follows and of the runs it started
(``FamilyTail``), not every run's: its subflows (and theirs), found as they start, and
the runs rerunning it (its announced retry), in log order; another run's rows are
neither read nor decoded."""

from __future__ import annotations

from pathlib import Path

from flowtop.engine.events import RunFinished, RunStarted, TaskOutput
from flowtop.engine.states import StateType
from flowtop.workspace.history import History
from flowtop.workspace.private import private_folder
from flowtop.workspace.run_family import FamilyTail
from flowtop.workspace.run_log import LogEvent

PARENT, CHILD, GRANDCHILD, OTHER, RETRY = (f"{c * 12}" for c in "abcde")
FLOWS = {PARENT: "parent", CHILD: "child", GRANDCHILD: "grand", OTHER: "other", RETRY: "parent"}


def _start(
    run_id: str, ts: float, parent: str | None = None, rerun_of: str | None = None
) -> RunStarted:
    return RunStarted(run_id, FLOWS[run_id], 1, (), (), (), rerun_of, ts, parent_run=parent)


def _end(run_id: str, ts: float, retry_in: float | None = None) -> RunFinished:
    state = StateType.FAILED if retry_in is not None else StateType.COMPLETED
    return RunFinished(run_id, FLOWS[run_id], 1, state, {}, 1.0, ts=ts, retry_in=retry_in)


def _said(run_id: str, ts: float) -> TaskOutput:
    return TaskOutput(run_id, FLOWS[run_id], "t", 1, f"{run_id[0]} at {ts}\n", ts)


def _log(history: History, events: list[RunStarted | RunFinished | TaskOutput]) -> None:
    history(events)
    assert history.flush()


def _seen(events: list[LogEvent]) -> list[tuple[str, str]]:
    return [(event.run_id[0], type(event).__name__) for event in events]


def test_a_watch_reads_its_family_as_it_grows_and_no_other_run(tmp_path: Path) -> None:
    db = private_folder(tmp_path / ".flowtop") / "history.db"
    history = History(db)
    try:
        _log(history, [_start(OTHER, 1.0), _start(PARENT, 2.0), _said(OTHER, 3.0)])
        tail = FamilyTail(db, PARENT, 0, None)
        assert _seen(tail.read()) == [("a", "RunStarted")]
        # a child starts and ends, and its own child, between two reads
        _log(history, [_start(CHILD, 4.0, parent=PARENT), _said(OTHER, 5.0)])
        _log(history, [_start(GRANDCHILD, 6.0, parent=CHILD), _end(GRANDCHILD, 7.0)])
        _log(history, [_end(CHILD, 8.0), _said(OTHER, 9.0), _end(PARENT, 10.0, retry_in=0.0)])
        _log(history, [_start(RETRY, 11.0, rerun_of=PARENT), _said(OTHER, 12.0), _end(RETRY, 13.0)])
        assert _seen(tail.read()) == [
            ("b", "RunStarted"),
            ("c", "RunStarted"),
            ("c", "RunFinished"),
            ("b", "RunFinished"),
            ("a", "RunFinished"),
            ("e", "RunStarted"),
            ("e", "RunFinished"),
        ]
        _log(history, [_said(OTHER, 14.0)])
        assert tail.read() == []
        tail.close()
    finally:
        history.close()


def test_a_family_read_a_few_rows_at_a_time_misses_none(tmp_path: Path) -> None:
    db = private_folder(tmp_path / ".flowtop") / "history.db"
    history = History(db)
    try:
        _log(history, [_start(PARENT, 1.0)])
        for n in range(5):
            _log(history, [_said(OTHER if n % 2 else PARENT, 2.0 + n)])
        _log(history, [_start(CHILD, 10.0, parent=PARENT), _said(CHILD, 11.0), _end(CHILD, 12.0)])
        _log(history, [_end(PARENT, 13.0)])
        tail = FamilyTail(db, PARENT, 0, None)
        seen: list[tuple[str, str]] = []
        while read := tail.read(limit=2):
            seen += _seen(read)
        assert seen == [
            ("a", "RunStarted"),
            ("a", "TaskOutput"),
            ("a", "TaskOutput"),
            ("a", "TaskOutput"),
            ("b", "RunStarted"),
            ("b", "TaskOutput"),
            ("b", "RunFinished"),
            ("a", "RunFinished"),
        ]
        tail.close()
    finally:
        history.close()


def test_a_retry_that_starts_after_its_run_ended_is_found(tmp_path: Path) -> None:
    db = private_folder(tmp_path / ".flowtop") / "history.db"
    history = History(db)
    try:
        _log(history, [_start(PARENT, 1.0), _end(PARENT, 2.0, retry_in=1.0)])
        tail = FamilyTail(db, PARENT, 0, None)
        assert _seen(tail.read()) == [("a", "RunStarted"), ("a", "RunFinished")]
        _log(history, [_said(OTHER, 2.5)])
        assert tail.read() == []  # no run of it open: the retry is looked for all the same
        _log(history, [_start(RETRY, 3.0, rerun_of=PARENT), _end(RETRY, 4.0)])
        assert _seen(tail.read()) == [("e", "RunStarted"), ("e", "RunFinished")]
        tail.close()
    finally:
        history.close()
