"""The SQLite run history: what a real run writes, what a crash leaves, what a failing disk costs.

Runs go through a real ``Runner`` with the history's sink, and what is read back is
compared with the engine's own ``RunResult``, so the store is checked against the truth
rather than against numbers copied into the test.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from flowtop import Flow, task
from flowtop.engine import Runner, RunResult
from flowtop.engine.events import ErrorInfo, RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace import history as history_module
from flowtop.workspace import history_fold, store_schema
from flowtop.workspace.history import SCHEMA_VERSION, History, HistoryError
from flowtop.workspace.run_log import decode_rows

DEAD_OWNER = f"{history_module._HOST}:999999999:dead"  # a pid above any pid_max: cannot be alive


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "ws" / ".flowtop" / "history.db"


@pytest.fixture
def open_history(db: Path) -> Iterator[Callable[..., History]]:
    opened: list[History] = []

    def open_(path: Path = db) -> History:
        history = History(path)
        opened.append(history)
        return history

    yield open_
    for history in opened:
        history.close()


@pytest.fixture
def runner_for() -> Iterator[Callable[[History], Runner]]:
    made: list[Runner] = []

    def make(history: History, workers: int = 4) -> Runner:
        runner = Runner(
            workers, sinks=[history.sink], next_number=history.next_number, rng=lambda: 0.5
        )
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.shutdown()


def retry_flow() -> Flow:
    """A flaky task (two failures, then success), its downstream, a failing task and its downstream."""
    calls = itertools.count()

    @task(max_retries=3, retry_delay=0)
    def flaky() -> str:
        n = next(calls)
        print(f"try {n}")
        if n < 2:
            raise ConnectionError(f"boom {n}")
        return "ok"

    @task
    def shout(value: str) -> str:
        return value.upper()

    @task(retry_on=[ConnectionError], max_retries=2)
    def broken() -> None:
        raise ValueError("bad input [red]not markup[/red]")

    @task
    def after_broken(value: object) -> object:
        return value

    with Flow("etl") as flow:
        shout(flaky())
        after_broken(broken())
    return flow


def run_to_end(runner: Runner, flow: Flow, **kwargs: object) -> RunResult:
    run = runner.start(flow, **kwargs)  # type: ignore[arg-type]
    result = run.result(timeout=30)
    assert runner.bus.flush(30)
    return result


def test_a_run_is_stored_as_the_engine_saw_it(open_history, runner_for) -> None:
    history = open_history()
    result = run_to_end(runner_for(history), retry_flow())

    detail = history.run_detail(result.run_id)
    assert (detail.run.flow, detail.run.number, detail.run.state) == ("etl", 1, "FAILED")
    assert detail.run.counts == result.counts
    assert detail.run.duration == pytest.approx(result.duration, abs=1e-6)
    assert [t.task for t in detail.tasks] == list(result.flow.nodes)  # flow order
    for record in detail.tasks:
        state = result.states[record.task]
        attempts = result.attempts[record.task]
        assert record.state == state.type.value, record.task
        assert record.attempts == state.attempt, record.task
        assert [a.number for a in record.attempt_records] == [a.number for a in attempts]
        assert [a.state for a in record.attempt_records] == [a.state.value for a in attempts]
        assert [a.error_type for a in record.attempt_records] == [
            a.error.type if a.error else None for a in attempts
        ]
        assert [a.output for a in record.attempt_records] == [a.output for a in attempts]

    flaky = detail.task("flaky")
    assert flaky.attempts == 3 and flaky.result == "'ok'" and flaky.error_type is None
    first = flaky.attempt_records[0]
    assert (first.state, first.error_type, first.error_message) == (
        "AWAITING_RETRY",
        "ConnectionError",
        "boom 0",
    )
    assert first.retry_in == 0.0 and first.delay_explained
    assert "raise ConnectionError" in (first.traceback or "")
    assert first.output == "try 0\n"
    assert detail.task("shout").result == "'OK'"
    broken = detail.task("broken")
    assert (broken.state, broken.error_type) == ("FAILED", "ValueError")
    assert broken.error_message == "bad input [red]not markup[/red]"
    assert broken.attempt_records[-1].state == "FAILED"
    assert detail.task("after_broken").state == "UPSTREAM_FAILED"
    assert detail.task("after_broken").attempt_records == ()


def test_rerun_failed_links_the_runs_and_marks_reused_tasks(open_history, runner_for) -> None:
    history = open_history()
    runner = runner_for(history)
    flow = retry_flow()
    first = run_to_end(runner, flow)
    second = run_to_end(
        runner,
        flow,
        reuse={k: s for k, s in first.states.items() if s.is_completed()},
        rerun_of=first.run_id,
    )

    runs = history.runs()
    assert [(r.number, r.run_id) for r in runs] == [
        (2, second.run_id),
        (1, first.run_id),
    ]  # newest first
    assert (runs[0].rerun_of, runs[0].rerun_of_number) == (first.run_id, 1)
    detail = history.run_detail(second.run_id)
    assert detail.task("flaky").reused and detail.task("flaky").attempt_records == ()
    assert detail.task("flaky").result == "'ok'"
    assert not detail.task("broken").reused and len(detail.task("broken").attempt_records) == len(
        second.attempts["broken"]
    )
    assert history.find_run("etl", 1) == runs[1]
    assert history.find_run("etl", 3) is None
    assert history.runs(flow="other") == []


class CtrlCAfterCommit:
    """A connection on which Ctrl+C lands just after a ``COMMIT`` went through."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        cursor = self.conn.execute(sql, *args)
        if sql == "COMMIT":
            raise KeyboardInterrupt
        return cursor

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction


def test_ctrl_c_while_a_run_number_is_allocated_is_not_lost(open_history) -> None:
    """It became "cannot rollback - no transaction is active", a warning, and the run
    went on: `flowtop run` ignored a Ctrl+C pressed as it started."""
    history = open_history()
    history._numbers = CtrlCAfterCommit(history._numbers)  # type: ignore[assignment]
    with pytest.raises(KeyboardInterrupt):
        history.next_number("etl")
    history._numbers = history._numbers.conn  # type: ignore[attr-defined]
    assert history.next_number("etl") == 2  # the first number was committed: not handed again


def test_numbering_continues_in_the_file_and_is_unique_across_threads(
    db, open_history, runner_for
) -> None:
    history = open_history()
    run_to_end(runner_for(history), retry_flow())
    history.close()

    reopened = open_history()
    assert reopened.next_number("etl") == 2  # continues the file's numbering
    assert reopened.next_number("other") == 1
    numbers: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(50):
            n = reopened.next_number("etl")
            with lock:
                numbers.append(n)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers) == list(
        range(3, 203)
    )  # numbers handed out but not yet written count too


def blocking_flow(gate: threading.Event, started: threading.Event) -> Flow:
    @task
    def quick() -> int:
        return 1

    @task
    def blocked(value: int) -> int:
        started.set()
        gate.wait(10)
        return value

    @task
    def later(value: int) -> int:
        return value

    with Flow("slow") as flow:
        later(blocked(quick()))
    return flow


def test_a_run_left_running_by_a_dead_process_is_marked_interrupted(
    db, open_history, runner_for
) -> None:
    history = open_history()
    gate, started = threading.Event(), threading.Event()
    run = runner_for(history).start(blocking_flow(gate, started))
    try:
        assert started.wait(10)
        assert run.runner.bus.flush(10) and history.flush()
        # Another live History (this process) must not touch a run whose writer is alive.
        assert open_history().runs()[0].state == "RUNNING"
        with sqlite3.connect(db) as raw:  # as if the writing process had died
            raw.execute("UPDATE runs SET owner = ? WHERE run_id = ?", (DEAD_OWNER, run.run_id))

        detail = open_history().run_detail(run.run_id)
    finally:
        gate.set()
    assert detail.run.state == "INTERRUPTED"
    states = {t.task: t.state for t in detail.tasks}
    assert states == {"quick": "COMPLETED", "blocked": "INTERRUPTED", "later": "INTERRUPTED"}
    assert detail.task("blocked").attempt_records[-1].state == "INTERRUPTED"
    assert "stopped" in detail.task("later").message
    assert detail.run.counts == {"COMPLETED": 1, "INTERRUPTED": 2}
    assert detail.run.finished is not None and detail.run.duration is not None


def test_closing_marks_this_process_s_unfinished_runs_interrupted(open_history, runner_for) -> None:
    history = open_history()
    gate, started = threading.Event(), threading.Event()
    run = runner_for(history).start(blocking_flow(gate, started))
    try:
        assert started.wait(10) and run.runner.bus.flush(10)
        history.close()
        assert open_history().run_detail(run.run_id).run.state == "INTERRUPTED"
    finally:
        gate.set()


def test_a_live_run_reads_back_with_pending_and_running_tasks(open_history, runner_for) -> None:
    history = open_history()
    gate, started = threading.Event(), threading.Event()
    run = runner_for(history).start(blocking_flow(gate, started))
    try:
        assert started.wait(10)
        assert run.runner.bus.flush(10) and history.flush()
        detail = history.run_detail(run.run_id)
    finally:
        gate.set()
    assert detail.run.state == "RUNNING" and detail.run.counts == {}
    assert [(t.task, t.state) for t in detail.tasks] == [
        ("quick", "COMPLETED"),
        ("blocked", "RUNNING"),
        ("later", "PENDING"),
    ]
    assert detail.task("blocked").attempt_records[0].state == "RUNNING"


def test_cancel_marks_the_running_attempt_cancelled(open_history, runner_for) -> None:
    history = open_history()
    gate, started = threading.Event(), threading.Event()
    run = runner_for(history).start(blocking_flow(gate, started))
    assert started.wait(10)
    run.cancel()
    gate.set()
    assert run.wait(10) and run.runner.bus.flush(10)
    detail = history.run_detail(run.run_id)
    assert detail.run.state == "CANCELLED"
    assert detail.task("blocked").state == "CANCELLED"
    assert detail.task("blocked").attempt_records[0].state == "CANCELLED"
    assert detail.task("later").state == "CANCELLED"


def test_a_newer_schema_is_refused_with_a_clear_error(db: Path) -> None:
    db.parent.mkdir(parents=True)
    newer = store_schema.READS_UP_TO + 1
    with sqlite3.connect(db) as raw:
        raw.execute(f"PRAGMA user_version = {newer}")
    with pytest.raises(
        HistoryError, match=rf"history.db: run store schema version {newer} .*newer flowtop"
    ):
        History(db)


def test_a_file_that_is_not_sqlite_is_refused_naming_it(db: Path) -> None:
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(HistoryError, match=r"history\.db: cannot use the run store"):
        History(db)


def test_another_program_s_database_is_refused(db: Path) -> None:
    db.parent.mkdir(parents=True)
    with sqlite3.connect(db) as raw:
        raw.execute("CREATE TABLE mine (x)")
    with pytest.raises(HistoryError, match="not a flowtop run store"):
        History(db)


def test_schema_and_pragmas(db: Path, open_history) -> None:
    open_history()
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        tables = {
            row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    assert {"runs", "task_runs", "attempts"} <= tables


def test_a_locked_database_costs_the_engine_nothing_and_is_caught_up(
    db, open_history, runner_for, monkeypatch, caplog
) -> None:
    monkeypatch.setattr(history_module, "BUSY_TIMEOUT_MS", 50)
    history = open_history()
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with caplog.at_level(logging.WARNING, logger="flowtop.history"):
            result = run_to_end(runner_for(history), retry_flow())
        assert result.state is StateType.FAILED  # the run itself went on as usual
        assert "locked" in (history.last_error or "")  # the write failed, its rows kept
        assert "history write failed" in caplog.text and "kept for the next try" in caplog.text
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert history.flush()
    detail = history.run_detail(result.run_id)  # the kept rows were written once the lock went
    assert detail.run.state == "FAILED" and detail.task("flaky").attempts == 3


def test_a_history_bug_is_logged_and_the_next_run_is_recorded(
    open_history, runner_for, monkeypatch, caplog
) -> None:
    history = open_history()
    runner = runner_for(history)
    real = history_fold.insert_values

    def broken(*args: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(history_fold, "insert_values", broken)
    with caplog.at_level(logging.ERROR, logger="flowtop.history"):
        first = run_to_end(runner, retry_flow())
    assert "simulated bug" in caplog.text and "dropped" in caplog.text
    monkeypatch.setattr(history_fold, "insert_values", real)
    second = run_to_end(runner, retry_flow())
    assert history.run_detail(second.run_id).run.state == "FAILED"
    assert first.state is StateType.FAILED


def test_text_that_utf8_cannot_encode_is_stored_escaped_and_read_back(open_history) -> None:
    history = open_history()
    ts = time.time()
    history.sink(
        [
            RunStarted("r1", "odd", 1, ("t",), (1,), ("0×",), None, ts),
            TaskStateChanged("r1", "odd", "t", StateType.RUNNING, 1, 1, ts),
            TaskStateChanged(
                "r1",
                "odd",
                "t",
                StateType.FAILED,
                1,
                1,
                ts,
                duration=0.1,
                output="a\udc80b",
                error=ErrorInfo("ValueError", "bad \udcff byte", "tb"),
            ),
            RunFinished("r1", "odd", 1, StateType.FAILED, {"FAILED": 1}, 0.1, ts),
        ]
    )
    attempt = history.run_detail("r1").task("t").attempt_records[0]
    assert attempt.output == "a\udc80b" and attempt.error_message == "bad \udcff byte"


def test_run_detail_of_an_unknown_run_says_so(open_history) -> None:
    with pytest.raises(KeyError, match="no run with id 'nope'"):
        open_history().run_detail("nope")


CRASHING_RUN = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from flowtop import task, Flow
    from flowtop.engine import Runner
    from flowtop.workspace.history import History

    @task
    def slow(i):
        time.sleep(0.02)
        print("working on", i)
        return i

    with Flow("crashy") as flow:
        for i in range(400):
            slow(i)
    history = History(Path(sys.argv[1]))
    runner = Runner(4, sinks=[history.sink], next_number=history.next_number)
    runner.start(flow).wait()
    """
)


@pytest.mark.timeout(60)
def test_sigkill_mid_run_leaves_a_sound_file_and_an_interrupted_run(db: Path, open_history) -> None:
    db.parent.mkdir(parents=True)
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASHING_RUN, str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        done = 0
        while done < 20:  # kill it mid-run, with commits going on
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "the child never recorded its run"
            time.sleep(0.05)
            if db.exists():
                try:
                    with sqlite3.connect(db, timeout=1) as raw:
                        log = raw.execute("SELECT run_id, body, ts, duration FROM events")
                        done = sum(
                            1
                            for e in decode_rows(log.fetchall())
                            if getattr(e, "state", None) is StateType.COMPLETED
                        )
                except sqlite3.OperationalError:
                    done = 0  # schema not created yet
        with History(db) as onlooker:  # like `flowtop history` while the run goes on
            assert onlooker.runs()[0].state == "RUNNING"  # a live process's run is left alone
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert raw.execute("SELECT state FROM runs").fetchall() == [
            ("RUNNING",)
        ]  # as the crash left it

    history = open_history()
    (run,) = history.runs()
    assert (run.flow, run.number, run.state) == ("crashy", 1, "INTERRUPTED")
    detail = history.run_detail(run.run_id)
    states = [t.state for t in detail.tasks]
    assert len(states) == 400
    assert set(states) == {"COMPLETED", "INTERRUPTED"}
    assert states.count("COMPLETED") >= 20
    assert sum(run.counts.values()) == 400 and run.counts["INTERRUPTED"] == states.count(
        "INTERRUPTED"
    )
    for t in detail.tasks:
        if t.state == "COMPLETED":
            assert t.attempt_records[0].output == f"working on {t.result}\n"
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert (
            raw.execute("SELECT count(*) FROM attempts WHERE state = 'RUNNING'").fetchone()[0] == 0
        )
    assert json.loads(json.dumps(run.as_json()))["state"] == "INTERRUPTED"
    assert os.path.exists(db)
