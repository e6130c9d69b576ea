"""One corrupt or crafted row of the run store breaks nothing but itself, and is said.

A ``runs`` row whose counts were not JSON (``notjson``, ``[1]``, ``{"FAILED": "x"}``), whose
start was not a time or whose error was not ``[type, message, traceback]`` made ``flowtop
history`` and ``watch`` exit with a traceback, and the TUI say "Cannot run flows" for the
whole workspace; one ``events`` row that no flowtop wrote (not JSON, an unknown kind, a
bad step, ``{"a": 1}``, a number where the output should be) did the same to ``history
--run`` and ``watch`` of its run. Now the run list shows every run, the bad one marked,
and a run's log shows what decodes, with a warning naming the run, the row and the fault.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from flowtop import Flow, task
from flowtop.cli import Parser
from flowtop.commands import history as history_command
from flowtop.commands import watch as watch_command
from flowtop.engine import Runner
from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.run_store import RunStore
from flowtop.workspace.history import History
from flowtop.workspace.log_fold import unsound
from flowtop.workspace.run_log import LogDamage, LogRow, RunInterrupted, decode_rows
from flowtop.workspace.store_reader import StoreReader


def make_flow() -> Flow:
    calls = itertools.count()

    @task(max_retries=1, retry_delay=0)
    def fetch() -> str:
        if next(calls) < 1:
            raise ConnectionError("connection reset")
        return "rows"

    @task
    def load(rows: str) -> str:
        return rows.upper()

    with Flow("etl") as flow:
        load(fetch())
    return flow


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A workspace's store holding two finished runs of ``etl`` (#1 and #2)."""
    return two_runs(tmp_path / ".flowtop" / "history.db")


def two_runs(db: Path) -> Path:
    """``db``, a new store given two finished runs of ``etl`` (#1 and #2)."""
    history = History(db)
    runner = Runner(2, sinks=[history.sink], next_number=history.next_number)
    try:
        for _ in range(2):
            runner.start(make_flow()).result(timeout=30)
        assert runner.bus.flush(10)
        assert history.flush(10)
    finally:
        runner.shutdown()
        history.close()
    return db


def run_id(db: Path, number: int) -> str:
    with closing(sqlite3.connect(db)) as conn:
        row = conn.execute("SELECT run_id FROM runs WHERE number = ?", (number,)).fetchone()
    return str(row[0])


def change(db: Path, sql: str, *params: object) -> None:
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(sql, params)


def command(capsys: pytest.CaptureFixture[str], module: object, *argv: str) -> tuple[int, str, str]:
    """A command's exit code, stdout and stderr, run here (a traceback fails the test)."""
    parser = Parser(prog="flowtop")
    configure: Callable[[argparse.ArgumentParser], None] = module.configure  # type: ignore[attr-defined]
    configure(parser)
    code = module.main(parser.parse_args(list(argv)))  # type: ignore[attr-defined]
    out, err = capsys.readouterr()
    return int(code), out, err


RUN_ROWS = [
    ("counts", "notjson"),
    ("counts", "[1]"),
    ("counts", '{"FAILED": "x"}'),
    ("started", "x"),
    ("error", "{bad"),
    ("error", "[1]"),
]


@pytest.mark.parametrize(("column", "value"), RUN_ROWS)
def test_a_runs_row_that_cannot_be_read_is_listed_marked_beside_the_others(
    store: Path, capsys: pytest.CaptureFixture[str], column: str, value: str
) -> None:
    bad = run_id(store, 1)
    change(store, f"UPDATE runs SET {column} = ? WHERE run_id = ?", value, bad)
    runs = {run.number: run for run in StoreReader(store).runs()}  # by start: 'x' first
    assert sorted(runs) == [1, 2]
    assert runs[2].damage == "" and runs[2].counts == {"COMPLETED": 2}
    damage = f"unreadable, left out: {column} {value!r}"
    assert runs[1].damage == damage and runs[1].run_id == bad
    workspace = str(store.parent.parent)
    code, out, err = command(capsys, history_command, workspace)
    assert code == 0, err
    listed = {line.split()[1]: line for line in out.splitlines()[1:]}
    assert listed["2"].startswith("etl   2  COMPLETED") and "2 completed" in listed["2"]
    assert listed["1"].startswith("etl   1  COMPLETED") and listed["1"].endswith(damage)
    assert err == f"flowtop history: warning: run etl #1 ({bad}) in {store}: {damage}\n"
    code, out, err = command(capsys, history_command, workspace, "--json")
    said = {json.loads(line)["run"]: json.loads(line).get("damage") for line in out.splitlines()}
    assert code == 0 and said == {1: damage, 2: None}
    code, out, err = command(capsys, history_command, workspace, "--run", "1")
    assert code == 0 and out.startswith("etl #1  COMPLETED") and "load  COMPLETED" in out
    assert damage in err


EVENT_BODIES = [
    ("notjson", "not JSON: 'notjson'"),
    ('["zzz", 1]', "unknown event kind 'zzz': '[\"zzz\", 1]'"),
    ('{"a": 1}', "a dict, not a list of an event's fields: '{\"a\": 1}'"),
    ("5", "a int, not a list of an event's fields: '5'"),
    ('["p", "etl", "fetch", "BOGUS", 1, 2]', "'BOGUS' is not a valid StateType"),
]


@pytest.mark.parametrize(("body", "why"), EVENT_BODIES)
def test_a_log_row_that_cannot_be_read_is_skipped_and_said_with_its_place(
    store: Path, capsys: pytest.CaptureFixture[str], body: str, why: str
) -> None:
    bad = run_id(store, 1)
    with closing(sqlite3.connect(store)) as conn, conn:  # a row of its log, the others kept
        added = "INSERT INTO events(run_id, body, ts) VALUES (?, ?, 1.0)"
        row = conn.execute(added, (bad, body)).lastrowid
    detail = StoreReader(store).run_detail(bad)
    assert [(d.run_id, d.row, d.step) for d in detail.damage] == [(bad, row, 0)]
    assert why in detail.damage[0].why
    assert detail.damage[0].said() in detail.run.note  # the history screen shows it
    assert [(task.task, task.state) for task in detail.tasks] == [
        ("fetch", "COMPLETED"),
        ("load", "COMPLETED"),
    ]
    workspace = str(store.parent.parent)
    code, out, err = command(capsys, history_command, workspace, "--run", "1")
    assert code == 0 and "load  COMPLETED" in out
    said = f"run etl #1 ({bad}): event {row} of the run store's log cannot be read, skipped: "
    assert err.startswith(f"flowtop history: warning: {said}") and err.count("\n") == 1
    assert why in err and f"({store})" in err
    code, out, err = command(capsys, history_command, workspace)  # the list: untouched
    assert code == 0 and err == "" and len(out.splitlines()) == 3
    code, out, err = command(capsys, watch_command, workspace, "1")
    assert code == 0 and "COMPLETED" in out, err  # it followed the run to its end
    assert f"event {row} of the run store's log cannot be read" in err


def test_a_number_where_the_output_should_be_is_said_not_a_traceback(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It decodes (the fast path looks at no field's type), and failed the printing:
    the run is then read again with every event's fields looked at."""
    bad = run_id(store, 2)
    with closing(sqlite3.connect(store)) as conn, conn:
        (row,) = conn.execute("SELECT max(id) FROM events WHERE run_id = ?", (bad,)).fetchone()
        (body,) = conn.execute("SELECT body FROM events WHERE id = ?", (row,)).fetchone()
        fields = json.loads(body)
        assert fields[0] == "run_finished"
        fields[9] = 5  # its @flow output
        conn.execute("UPDATE events SET body = ? WHERE id = ?", (json.dumps(fields), row))
        steps = 'SELECT id FROM events WHERE body LIKE \'%"load","COMPLETED"%\' AND run_id = ?'
        (step_row,) = conn.execute(steps, (bad,)).fetchone()
        conn.execute(  # a number where the result's repr should be
            "UPDATE events SET body = replace(body, ?, '5') WHERE id = ?", ("\"'ROWS'\"", step_row)
        )
    code, out, err = command(capsys, history_command, str(store.parent.parent), "--run", "2")
    assert code == 0 and "fetch  COMPLETED" in out and "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 2, err
    assert f"event {step_row} (step " in lines[0]
    assert lines[0].endswith(f"TaskStateChanged.result is 5, not text or null ({store})")
    assert f"event {row} of the run store's log" in lines[1]
    assert lines[1].endswith(f"RunFinished.output is 5, not text ({store})")


def test_a_bad_row_among_good_ones_costs_only_itself() -> None:
    """The batch is parsed at once; only when that fails, a row at a time."""
    good = '["p","etl","t","RUNNING",1,1]'
    rows: list[LogRow] = [
        ("r1", good, 1.0, None),
        ("r1", "{bad", None, None),
        ("r1", good, 2.0, None),
    ]
    events = decode_rows(rows, [7, 8, 9])
    assert [type(e) for e in events] == [TaskStateChanged, LogDamage, TaskStateChanged]
    assert events[1] == LogDamage("r1", 8, 0, "not JSON: '{bad'")
    assert [e.ts for e in events if isinstance(e, TaskStateChanged)] == [1.0, 2.0]
    crafted: list[LogRow] = [("r1", '["p","etl","t","RUNNING","one",1]', 1.0, None)]
    assert type(decode_rows(crafted)[0]) is TaskStateChanged  # sound enough for a tail
    checked = decode_rows(crafted, [3], unsound)[0]
    assert checked == LogDamage("r1", 3, 0, "TaskStateChanged.attempt is 'one', not a whole number")


def test_a_crafted_heartbeat_is_read_as_none_and_the_dead_run_reaped(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``heartbeat = 'x'`` on a RUNNING row stopped every command that reaps the store
    (``flowtop run`` and the monitor too), with a traceback."""
    bad = run_id(store, 1)
    change(
        store,
        "UPDATE runs SET state = 'RUNNING', heartbeat = 'x', started = 'y', pid = 1 "
        "WHERE run_id = ?",
        bad,
    )
    workspace = str(store.parent.parent)
    code, out, err = command(capsys, history_command, workspace)
    assert code == 0 and len(out.splitlines()) == 3, err
    assert "INTERRUPTED" in out  # its owner (pid 1 is another process) is gone
    assert err.endswith("unreadable, left out: started 'y'\n")  # the one damage said
    code, out, err = command(capsys, history_command, workspace, "--prune", "1")
    assert code == 0, err


def test_the_monitor_notes_what_it_could_not_show_and_goes_on() -> None:
    store = RunStore()
    start = RunStarted("r1", "etl", 1, ("a", "b"), (1, 1), ("", ""), None, 1.0)
    step = TaskStateChanged("r1", "etl", "a", StateType.RUNNING, 1, 1, 2.0)
    # a time that is not one, as a crafted row decodes (the tail looks at no field's type)
    crafted = step._replace(task="b", attempt="one", ts="x")  # type: ignore[arg-type]
    damage = LogDamage("r1", 5, 0, "not JSON: 'x'")
    changed = store.apply_batch([start, crafted, damage, step])  # type: ignore[list-item]
    run = store.runs["r1"]
    assert run.rows["a"].state is StateType.RUNNING  # the event after them: applied
    assert "r1" in changed
    assert "an event of run etl #1 cannot be shown, skipped (TypeError: " in run.read_note
    assert "run etl #1 (r1): event 5 of the run store's log cannot be read" in run.read_note
    said = run.read_note
    store.apply_batch([RunInterrupted("r1", "its process died", 9.0)])
    assert run.note and run.read_note == said  # the end's own words did not replace them


def test_a_dead_run_whose_log_has_a_crafted_step_is_still_marked_and_said(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Marking a dead run folds its log as the readers do: a step that decodes but has a
    field of the wrong type (``"one"`` as its attempt) made the marking raise, so the run
    stayed RUNNING and each command that reaps warned of it again."""
    bad = run_id(store, 1)
    change(
        store, "UPDATE runs SET state = 'RUNNING', heartbeat = 1.0, pid = 1 WHERE run_id = ?", bad
    )
    with closing(sqlite3.connect(store)) as conn, conn:
        added = "INSERT INTO events(run_id, body, ts) VALUES (?, ?, 1.0)"
        row = conn.execute(added, (bad, '["p","etl","load","RUNNING","one",1]')).lastrowid
    workspace = str(store.parent.parent)
    code, out, err = command(capsys, history_command, workspace)
    assert code == 0 and "Traceback" not in err, err
    assert "INTERRUPTED" in out, out  # marked, its owner (pid 1 is another process) gone
    code, out, err = command(capsys, history_command, workspace, "--run", "1")
    assert code == 0 and "INTERRUPTED" in out and "fetch  COMPLETED" in out, out
    assert f"event {row} of the run store's log cannot be read, skipped" in err, err
    assert "TaskStateChanged.attempt is 'one', not a whole number" in err
    code, out, err = command(capsys, history_command, workspace)
    assert code == 0 and err == "", err  # said once, where the run is shown: not at each reap
