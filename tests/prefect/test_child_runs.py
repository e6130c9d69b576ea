"""Subflows as child runs shown as such (issue 14): ``RunStarted.parent_run`` carried from
the engine into the run store, ``flowtop history`` and the TUI."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from engine.kit import Recorder
from flowtop import flow, task
from flowtop.cli import Parser
from flowtop.commands import history as history_command
from flowtop.engine import RunFinished, Runner, RunStarted, StateType, TaskStateChanged
from flowtop.engine.events import Event
from flowtop.tui.run_store import RunStore
from flowtop.workspace import store_schema
from flowtop.workspace.history import SCHEMA_VERSION, History
from flowtop.workspace.run_log import decode, encode


@task
def step(x: int) -> int:
    return x + 1


_child_calls: list[int] = []


@flow(name="child", retries=1, retry_delay=0)
def child(x: int) -> int:
    _child_calls.append(x)
    value = step(x)
    if len(_child_calls) % 2 == 1:
        raise RuntimeError("the child fails on its first attempt")
    return value


@flow(name="parent")
def parent() -> int:
    return child(1) * 10


def started(events: list[Event]) -> list[RunStarted]:
    return [e for e in events if isinstance(e, RunStarted)]


def test_a_subflow_s_runs_and_its_retries_name_the_parent_run() -> None:
    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        result = runner.run(parent)
    assert result.value == 20
    top, first, retry = started(recorder.events)
    assert top.flow == "parent" and top.parent_run is None
    assert first.flow == retry.flow == "child"
    assert first.parent_run == retry.parent_run == top.run_id
    assert retry.rerun_of == first.run_id
    assert "parent_run" not in top.as_json()
    assert first.as_json()["parent_run"] == top.run_id


def test_a_flow_called_outside_any_flow_has_no_parent() -> None:
    @flow(name="alone")
    def alone() -> int:
        return step(1)

    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        runner.run(alone)
    (only,) = started(recorder.events)
    assert only.parent_run is None


def test_the_log_keeps_parent_run_and_reads_bodies_logged_without_it() -> None:
    event = RunStarted("c1", "child", 2, (), (), (), None, 5.0, parent_run="p1")
    assert decode(encode(event), "c1") == event
    old_body = json.dumps(["run_started", "c1", "child", 2, [], [], [], None, 5.0])
    assert decode(old_body, "c1").parent_run is None  # type: ignore[union-attr]


def record(root: Path) -> None:
    with History(root / ".flowtop" / "history.db") as history:
        runner = Runner(2, sinks=[history.sink], next_number=history.next_number)
        try:
            runner.start(parent).final_result(30)
        finally:
            runner.shutdown()
        assert history.flush()


def test_the_store_keeps_the_parent_and_reads_its_flow_and_number(tmp_path: Path) -> None:
    record(tmp_path)
    with History(tmp_path / ".flowtop" / "history.db") as history:
        runs = {(r.flow, r.number): r for r in history.runs()}
    top = runs[("parent", 1)]
    assert top.parent is None and top.child_of == "" and "parent_run" not in top.as_json()
    for number in (1, 2):  # the child's run and its flow-level retry
        kid = runs[("child", number)]
        assert kid.parent == top.run_id
        assert (kid.parent_flow, kid.parent_number) == ("parent", 1)
        assert kid.child_of == "child of parent #1"
        assert kid.as_json()["parent_run"] == top.run_id


def test_a_version_3_store_gains_the_parent_column(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    with sqlite3.connect(path) as raw:
        for version in (1, 2, 3):
            raw.executescript(store_schema.MIGRATIONS[version])
        raw.execute(
            "INSERT INTO runs(run_id, flow, number, state, started) "
            "VALUES ('old', 'parent', 7, 'COMPLETED', 1.0)"
        )
        raw.execute("PRAGMA user_version = 3")
    with History(path) as history:
        (old,) = history.runs()
        assert old.run_id == "old" and old.parent is None
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 4
        columns = [row[1] for row in raw.execute("PRAGMA table_info(runs)")]
    assert "parent" in columns


def run_history(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    parser = Parser(prog="flowtop history")
    history_command.configure(parser)
    assert history_command.main(parser.parse_args(list(argv))) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def test_flowtop_history_notes_child_runs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    record(tmp_path)
    rows = run_history(capsys, str(tmp_path)).splitlines()[1:]
    child_rows = [r for r in rows if r.startswith("child ")]
    parent_rows = [r for r in rows if r.startswith("parent ")]
    assert len(child_rows) == 2 and all("child of parent #1" in r for r in child_rows)
    assert len(parent_rows) == 1 and "child of" not in parent_rows[0]
    detail = run_history(capsys, str(tmp_path), "--flow", "child", "--run", "1")
    assert "child of parent #1" in detail.splitlines()[0]


def test_the_tui_names_the_parent_of_a_child_run() -> None:
    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        runner.run(parent)
    store = RunStore()
    store.apply_batch(recorder.events)
    top = store.latest_for("parent")
    kid = store.latest_for("child")
    assert top is not None and kid is not None
    assert top.parent_run is None and top.parent_label == ""
    assert kid.parent_run == top.run_id and kid.parent_label == f"parent #{top.number}"


def test_flowtop_run_says_which_run_a_child_run_belongs_to() -> None:
    import io

    from flowtop.commands.printers import HumanPrinter

    out = io.StringIO()
    HumanPrinter(out, live=False)(
        [
            RunStarted("p1", "parent", 4, (), (), (), None, 0.0),
            RunStarted("c1", "child", 9, (), (), (), None, 0.0, parent_run="p1"),
        ]
    )
    parent_line, child_line = out.getvalue().splitlines()
    assert "child of" not in parent_line
    assert child_line.endswith(
        "child #9 started: tasks appear as the flow reaches them (child of parent #4)"
    )


@task(retries=50, retry_delay_seconds=60)
def never_done() -> int:
    raise ConnectionError("the service is down")


@flow(name="grandchild")
def grandchild() -> int:
    return never_done()


@flow(name="middle")
def middle() -> int:
    never_done.submit()  # a task of its own, waiting for its retry too
    return grandchild()


@flow(name="top", timeout_seconds=30)
def top() -> int:
    return middle()


def last_task_event(events: list[Event], flow_name: str) -> TaskStateChanged:
    return [e for e in events if isinstance(e, TaskStateChanged) and e.flow == flow_name][-1]


@pytest.mark.parametrize("how", ["cancel", "time out"])
def test_a_run_that_ends_early_cancels_the_runs_of_the_subflows_it_called(how: str) -> None:
    """As Prefect's cancellation cleanup does: the subflows' runs (and theirs) end with
    the run that called them, rather than retrying for an hour with no one to use them."""
    recorder = Recorder()
    with Runner(4, sinks=[recorder]) as runner:
        run = runner.start(top.with_options(timeout_seconds=1) if how == "time out" else top)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not all(
            any(
                e.flow == name and e.state is StateType.AWAITING_RETRY
                for e in recorder.events
                if isinstance(e, TaskStateChanged)
            )
            for name in ("middle", "grandchild")
        ):
            time.sleep(0.02)
        if how == "cancel":
            assert run.cancel()
        assert run.wait(10)
        deadline = time.monotonic() + 10
        while runner.active_runs and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not runner.active_runs  # no subflow's run is left waiting for its retry
    ended = {e.flow: e for e in recorder.events if isinstance(e, RunFinished)}
    assert ended["middle"].state is ended["grandchild"].state is StateType.CANCELLED
    middle_task, grandchild_task = (
        last_task_event(recorder.events, f) for f in ("middle", "grandchild")
    )
    assert middle_task.state is grandchild_task.state is StateType.CANCELLED
    assert middle_task.message == (
        "its parent run was cancelled" if how == "cancel" else "its parent run timed out"
    )
    assert grandchild_task.message == "its parent run was cancelled"  # middle's, in both cases
