"""A parent's subflow runs read back from the store are in call order (rs64).

The store hands a monitor opened afterwards the older subflow runs oldest first, then each
flow's newest run newest first, the parent after its children (it started first): a
parent's ``children`` came in that load order, not call order, and only the header's
labels were put back in order, by start time. They take their places as they are linked
now, as the history orders them (``ORDER BY started, number``), failed first where a
list says so.
"""

from __future__ import annotations

import threading
from pathlib import Path

from cli_kit import flowtop
from flowtop.engine.events import Event, RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.tui.model import RunModel
from flowtop.tui.run_store import RunStore
from flowtop.tui.widgets.no_rows import subflow_labels
from flowtop.workspace.history import History
from flowtop.workspace.run_log import LogEvent, LogTail
from flowtop.workspace.store_client_replay import replay_runs, runs_to_replay
from flowtop.workspace.store_reader import StoreReader

S = StateType
PARENT = "pa000000000a"


def _start(
    run_id: str, flow: str, number: int, ts: float, rerun_of: str | None = None
) -> RunStarted:
    parent = None if run_id == PARENT else PARENT
    return RunStarted(run_id, flow, number, (), (), (), rerun_of, ts=ts, parent_run=parent)


def _end(start: RunStarted, state: StateType = S.COMPLETED) -> RunFinished:
    return RunFinished(start.run_id, start.flow, start.run, state, {}, 0.5, ts=start.ts + 0.5)


def _called(calls: list[tuple[RunStarted, StateType]]) -> list[Event]:
    """The parent's start, each call's start and end in turn, the parent's end."""
    parent = _start(PARENT, "daily", 1, 100.0)
    events: list[Event] = [parent]
    for start, state in calls:
        events += [start, _end(start, state)]
    return [*events, _end(parent)]


def _recorded(db: Path, events: list[Event]) -> None:
    history = History(db)
    try:
        history(events)
        assert history.flush()
    finally:
        history.close()


def _reopened(db: Path) -> RunStore:
    """The runs a monitor opened now reads from the store ``db``, as its client hands them."""
    store = RunStore()
    events: list[LogEvent] = []
    upto = LogTail(db).end()
    assert replay_runs(
        db, runs_to_replay(StoreReader(db)), upto, events.extend, threading.Event(), tolerant=False
    )
    store.apply_batch(events)
    return store


def _parent(store: RunStore, flow: str = "daily") -> RunModel:
    run = store.latest_for(flow)
    assert run is not None
    return run


def test_children_read_back_are_in_call_order_failed_first_in_the_header(tmp_path: Path) -> None:
    calls = [
        (_start("r1", "region", 1, 101.0), S.COMPLETED),  # older run of its flow: in outline
        (_start("a1", "audit", 1, 102.0), S.FAILED),
        (_start("r2", "region", 2, 103.0), S.FAILED),
        (_start("r3", "region", 3, 104.0), S.COMPLETED),  # region's newest: read whole
        (_start("p1", "report", 1, 105.0), S.COMPLETED),
    ]
    _recorded(tmp_path / "history.db", _called(calls))
    parent = _parent(_reopened(tmp_path / "history.db"))
    assert parent.subflows == ["region #1", "audit #1", "region #2", "region #3", "report #1"]
    assert subflow_labels(parent.subflow_calls()) == [
        "✗ audit #1",
        "✗ region #2",
        "✓ region #1",
        "✓ region #3",
        "✓ report #1",
    ]


def test_a_subflow_retry_keeps_its_call_s_place(tmp_path: Path) -> None:
    """``kid`` was called first; its own retry started after ``other``: still listed first."""
    kid = _start("k1", "kid", 1, 101.0)
    calls = [
        (kid, S.FAILED),
        (_start("o1", "other", 1, 102.0), S.COMPLETED),
        (_start("k2", "kid", 2, 103.0, rerun_of="k1"), S.COMPLETED),
    ]
    _recorded(tmp_path / "history.db", _called(calls))
    parent = _parent(_reopened(tmp_path / "history.db"))
    assert [child.run_id for child in parent.children] == ["k1", "o1", "k2"]
    assert subflow_labels(parent.subflow_calls()) == ["✓ kid #2 (retry of #1)", "✓ other #1"]


def test_a_live_parent_s_later_children_follow_those_read_back(tmp_path: Path) -> None:
    parent = _start(PARENT, "daily", 1, 100.0)
    first, second = _start("b1", "bravo", 1, 101.0), _start("a1", "alpha", 1, 102.0)
    _recorded(tmp_path / "history.db", [parent, first, _end(first), second, _end(second)])
    store = _reopened(tmp_path / "history.db")
    third = _start("c1", "charlie", 1, 103.0)
    store.apply_batch([third, _end(third, S.FAILED)])  # as the store's tail hands it on
    assert _parent(store).subflows == ["bravo #1", "alpha #1", "charlie #1"]
    assert subflow_labels(_parent(store).subflow_calls()) == [
        "✗ charlie #1",
        "✓ bravo #1",
        "✓ alpha #1",
    ]


FLOWS = """
from flowtop import flow, task

@task(max_retries=0)
def load(name: str) -> int:
    if name == "us":
        raise ValueError("us rows rejected")
    return len(name)

@flow(name="region")
def region(name: str) -> int:
    return load(name)

@flow(name="audit")
def audit() -> int:
    return load("audit")

@flow(name="daily")
def daily() -> None:
    region("eu")
    audit()
    try:
        region("us")
    except ValueError:
        pass
    region("apac")
"""


def test_a_run_s_subflows_read_back_by_a_monitor_opened_later(tmp_path: Path) -> None:
    (tmp_path / "pipe.py").write_text(FLOWS.lstrip())
    ran = flowtop("run", ".", "--flow", "daily", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    parent = _parent(_reopened(tmp_path / ".flowtop" / "history.db"))
    assert parent.subflows == ["region #1", "audit #1", "region #2", "region #3"]
    assert subflow_labels(parent.subflow_calls())[0] == "✗ region #2"
