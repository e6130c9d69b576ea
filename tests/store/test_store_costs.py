"""What the run store costs: disk per event, commits per batch, and how soon a client looks.

The figures themselves are in tests/benchmarks/bench_store.py; these pin the behaviours
behind them, without timing anything.
"""

from __future__ import annotations

import json
import pickle
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from flowtop import Flow, task
from flowtop.engine.events import ErrorInfo, RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace import history as history_module
from flowtop.workspace import store_client
from flowtop.workspace.history import History
from flowtop.workspace.history_fold import ResultBatch, ResultRows
from flowtop.workspace.results import ResultKeeper, load
from flowtop.workspace.run_log import LogTail, connect_reader, decode_rows
from flowtop.workspace.store_client import StoreClient

from .conftest import env, run_into

S = StateType


@task
def one() -> int:
    return 1


def trivial_flow(size: int) -> Flow:
    flow = Flow("trivial")
    for i in range(size):
        flow.add_task(one, key=f"t{i}")
    return flow


def record(history: History, flow: Flow) -> str:
    """Run ``flow`` with ``history`` as its sink, to the end; its run id."""
    run = run_into(history, flow)
    assert run.result().is_completed()
    return run.run_id


def test_a_step_is_logged_compact_and_read_back_whole(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    with History(db) as history:
        run_id = record(history, trivial_flow(3))
        with closing(connect_reader(db)) as conn:
            bodies = [b for (b,) in conn.execute("SELECT body FROM events ORDER BY id")]
        tail = LogTail(db)
        events = tail.read()
        tail.close()
    # The three tasks' six steps, written together, share a row; each step without the
    # run id (the row has it), without floats (packed in the row's own columns), and
    # with nothing after max_attempts while the fields hold their defaults.
    (together,) = [json.loads(b) for b in bodies if b.startswith('["q",')]
    running = [step for step in together[1:] if step[3] == "RUNNING"]
    assert len(together) == 1 + 6 and len(running) == 3
    assert all(run_id not in step and len(step) == 6 for step in running), running
    steps = [e for e in events if type(e) is TaskStateChanged]
    assert [(e.task, e.state) for e in steps if e.task == "t0"] == [
        ("t0", S.RUNNING),
        ("t0", S.COMPLETED),
    ]
    done = next(e for e in steps if e.task == "t0" and e.state is S.COMPLETED)
    assert done.run_id == run_id and done.result == "1" and done.error is None
    assert done.output == "" and done.reused is False and done.message == ""


def test_a_long_step_body_written_before_the_compact_form_still_reads(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    History(db).close()
    old = (
        '["task_state","r1","etl","load","AWAITING_RETRY",1,3,1.5,2.0,"fixed → 2s",'
        '["ConnectionError","down","tb"],null,0.25,"out",0,""]'
    )
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("INSERT INTO events(run_id, body) VALUES ('r1', ?)", (old,))
        conn.commit()
    tail = LogTail(db)
    (event,) = tail.read()
    tail.close()
    assert event == TaskStateChanged(
        "r1",
        "etl",
        "load",
        S.AWAITING_RETRY,
        1,
        3,
        1.5,
        2.0,
        "fixed → 2s",
        ErrorInfo("ConnectionError", "down", "tb"),
        None,
        0.25,
        "out",
        False,
        "",
    )


def test_closing_the_store_empties_its_wal_while_a_reader_keeps_the_file_open(
    tmp_path: Path,
) -> None:
    db = tmp_path / "history.db"
    history = History(db)
    reader = connect_reader(db)  # a TUI tailing the store: SQLite can't delete the WAL
    try:
        reader.execute("SELECT count(*) FROM events").fetchone()
        record(history, trivial_flow(500))
        history.close()
        wal = db.with_name("history.db-wal")
        assert not wal.exists() or wal.stat().st_size == 0
        rows = reader.execute("SELECT run_id, body, ts, duration FROM events").fetchall()
        assert len(decode_rows(rows)) == 1002  # everything is in the database file itself
    finally:
        reader.close()


def test_results_are_written_by_the_history_and_kept_through_a_locked_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The keeper has no connection of its own to fight the history's writer for the lock:
    its rows go in the history's commit, and a failed write keeps them for the next try."""
    monkeypatch.setattr(history_module, "BUSY_TIMEOUT_MS", 50)
    db = tmp_path / "history.db"
    events = [
        TaskStateChanged("r1", "f", f"t{i}", S.COMPLETED, 1, 1, 1.0, result="1") for i in range(200)
    ]
    with History(db) as history:
        keeper = ResultKeeper(
            history.keep_results, lambda run_id, keys: {k: (k, None) for k in keys}
        )
        blocker = sqlite3.connect(db, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            keeper(events)
            assert not history.flush(timeout=10)  # the write failed: rows kept
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert history.flush(timeout=10)
        keeper.close()
    with closing(sqlite3.connect(db)) as conn:  # one delivery: one pickle, one row
        assert conn.execute("SELECT count(*) FROM result_batches").fetchone() == (1,)
    values, refused, _ = load(db, "r1")
    assert len(values) == 200 and values["t7"] == "t7" and not refused


def test_a_client_looks_at_once_after_it_queued_a_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An idle client tails slowly; a key it just sent makes it look again right away."""
    monkeypatch.setattr(store_client, "POLL_IDLE", 60.0)
    monkeypatch.setattr(store_client, "QUIET_POLLS", 0)
    db = tmp_path / "history.db"
    got: list[Any] = []
    arrived = threading.Event()

    def sink(events: list[Any]) -> None:
        got.extend(events)
        arrived.set()

    client = StoreClient(db, sink)
    client.open()
    try:
        client._hurry.wait(0.3)  # the tail is now asleep for POLL_IDLE
        with closing(sqlite3.connect(db)) as conn:
            body = '["run_started","r1","f",1,[],[],[],null,1.0]'
            conn.execute("INSERT INTO events(run_id, body) VALUES ('r1', ?)", (body,))
            conn.commit()
        client.command("r1", "cancel")
        assert arrived.wait(10), "the tail slept through the command"
    finally:
        client.close()
    assert [type(e) for e in got] == [RunStarted]


def test_a_run_start_is_written_at_once_whatever_the_write_interval(tmp_path: Path) -> None:
    """Another process waits to show a new run: its start does not wait for the interval."""
    db = tmp_path / "history.db"
    with History(db, write_interval=60.0) as history:
        history.sink([RunStarted("r1", "f", 1, ("a",), (1,), ("",), None, 1.0)])
        tail = LogTail(db)
        try:
            deadline = time.monotonic() + 10
            events: list[Any] = []
            while not events and time.monotonic() < deadline:
                events = tail.read()
                time.sleep(0.01)
        finally:
            tail.close()
        assert [type(e) for e in events] == [RunStarted]


def test_a_run_process_sets_up_only_the_run_command() -> None:
    """``flowtop run`` (every run process) imports no other command's module."""
    code = (
        "import sys; from flowtop import cli; parser = cli.build_parser('run'); "
        "args = parser.parse_args(['run', 'x.py', '--flow', 'f', '--quiet']); "
        "print(args.flow, sorted(m for m in sys.modules if m.startswith('flowtop.commands.')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env(), check=True
    )
    assert done.stdout.split(" ", 1) == [
        "f",
        "['flowtop.commands.cache_hit_words', 'flowtop.commands.common', "
        "'flowtop.commands.flow_file_error', "
        "'flowtop.commands.late_output', 'flowtop.commands.line_pieces', "
        "'flowtop.commands.message_lines', 'flowtop.commands.output_stream', "
        "'flowtop.commands.printers', 'flowtop.commands.run', "
        "'flowtop.commands.run_args', 'flowtop.commands.run_lines', "
        "'flowtop.commands.run_main_block', "
        "'flowtop.commands.run_output', 'flowtop.commands.run_record', "
        "'flowtop.commands.run_signals']\n",
    ]


def test_a_write_after_a_quiet_spell_goes_out_at_once_whatever_the_write_interval(
    tmp_path: Path,
) -> None:
    """The interval bounds how often the writer commits, not how long a lone event
    waits: nothing was written for longer than it, so this write goes out now."""
    db = tmp_path / "history.db"
    with History(db, write_interval=60.0) as history:
        history.keep_results([ResultRows([("r1", "t", bytearray(b"data"), 1, "", "")])])
        deadline = time.monotonic() + 10
        found = 0
        while not found and time.monotonic() < deadline:
            with closing(connect_reader(db)) as conn:
                (found,) = conn.execute("SELECT count(*) FROM results").fetchone()
            time.sleep(0.01)
        assert found == 1, "the write waited for the interval"


def test_a_quiet_store_folds_its_wal_into_the_database_soon(tmp_path: Path) -> None:
    """Not at once after a run (a run process's close does it anyway), but soon."""
    db = tmp_path / "history.db"
    with History(db) as history:
        record(history, trivial_flow(200))
        deadline = time.monotonic() + 10
        while history._unchecked and time.monotonic() < deadline:
            time.sleep(0.01)
        assert history._unchecked == 0, "the WAL was never checkpointed"
        with closing(connect_reader(db)) as conn:
            _busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert frames == copied  # nothing left to copy: the writer did it


def test_stored_results_hold_only_what_sqlite3_binds_without_an_adapter() -> None:
    """bytes, bool and None each send sqlite3 looking for an adapter, on the writer's GIL."""
    items: list[Any] = []

    def values(run_id: str, keys: list[str]) -> dict[str, tuple[Any, None]]:
        return {k: ({"v": k}, None) for k in keys}

    steps = [TaskStateChanged("r1", "f", f"t{i}", S.COMPLETED, 1, 1, 1.0) for i in range(3)]
    ResultKeeper(items.extend, values)(steps)
    (batch,) = items
    assert isinstance(batch, ResultBatch) and list(map(type, batch)) == [str, str, bytearray]
    # a batch over the cap goes in halves, down to one result, each kept when it fits
    items.clear()
    one = len(pickle.dumps(({"t0": {"v": "t0"}}, {}), protocol=pickle.HIGHEST_PROTOCOL))
    ResultKeeper(items.extend, values, cap=one + 5)(steps)
    assert [type(item) for item in items] == [ResultBatch] * 3
    items.clear()
    ResultKeeper(items.extend, values, cap=one - 5)(steps)  # none fits in a batch of one
    assert [type(item) for item in items] == [ResultRows] * 3
    rows = items[0]
    assert [r[3] for r in rows.rows] == [1]  # alone, without the batch's frame, it fits
    exact = (str, int, float, bytearray)
    assert all(type(value) in exact for row in rows.rows for value in row), rows
    items.clear()
    ResultKeeper(items.extend, lambda run_id, keys: {k: (1, "abc") for k in keys}, cap=1)(steps)
    assert items[0].rows[0][-1] == "abc" and items[0].rows[0][3] == 0  # refused, fingerprint kept


def test_a_batch_that_cannot_be_read_back_says_which_tasks_it_held(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    with History(db) as history:
        history.keep_results([ResultBatch("r1", '["a", "b"]', bytearray(b"not a pickle"))])
        assert history.flush(10)
    values, refused, _ = load(db, "r1")
    assert values == {} and set(refused) == {"a", "b"}
    assert refused["a"].startswith("its stored result can't be read back (")


def test_the_keeper_shares_the_history_thread_its_rows_in_the_commit_that_ends_the_run(
    tmp_path: Path,
) -> None:
    """The result keeper runs before the history on one sink thread: a run's last results
    are committed with its end (a rerun from another process finds them as soon as it
    sees the run finished), and a keeper that fails still leaves the history its events."""
    db = tmp_path / "history.db"
    started = RunStarted("r1", "f", 1, ("a", "b"), (1, 1), ("", ""), ts=1.0)
    steps = [TaskStateChanged("r1", "f", k, S.COMPLETED, 1, 1, 1.0, result="1") for k in "ab"]
    finished = RunFinished("r1", "f", 1, S.COMPLETED, {"COMPLETED": 2}, 0.1, 1.1)
    with History(db) as history:
        keeper = ResultKeeper(
            history.keep_results, lambda run_id, keys: {k: (k, None) for k in keys}
        )
        record = history.subscription(before=keeper)
        record([started, *steps, finished])  # returns once the run's end is committed
        assert load(db, "r1")[0] == {"a": "a", "b": "b"}

        def broken(events: list[Any]) -> None:
            raise RuntimeError("keeper bug")

        again = history.subscription(before=broken)
        with pytest.raises(RuntimeError, match="keeper bug"):
            again([RunStarted("r2", "f", 2, ("a",), (1,), ("",), ts=2.0)])
        assert history.flush(timeout=10)
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT run_id FROM runs ORDER BY run_id").fetchall() == [
            ("r1",),
            ("r2",),
        ]
