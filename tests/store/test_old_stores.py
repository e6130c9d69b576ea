"""Run stores written by older flowtop versions, opened by this one.

Each store is built here from SQL as that version left it: its schema scripts, and its
rows and log bodies in the shapes it wrote them (schema version 1 had no log at all;
version 2 logged a run's end without the flow's error; flowtop 1818dd5 released version
5 without ``events.ts`` and ``duration``, which the next commit added to that version's
script).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest

from cli_kit import Here
from flowtop import Flow, task
from flowtop.engine.events import RunFinished, RunStarted, TaskOutput, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace import ownership, store_schema
from flowtop.workspace.history import History, reap_store
from flowtop.workspace.reaper import _HOST, gone_unmarked
from flowtop.workspace.run_log import LogTail, RunInterrupted, decode, first_event_id
from flowtop.workspace.store_client import StoreClient
from flowtop.workspace.store_errors import store_advice
from flowtop.workspace.store_reader import StoreReader

from .conftest import env, flowtop, run_into

PLAN = [["extract", 2, "1× 0.1s"], ["load", 1, ""]]
#: The flow the old runs were runs of: extract is retried once, load fails.
PIPE = """
    from flowtop import Flow, task

    @task(max_retries=1, retry_delay=0.1)
    def extract():
        return [1, 2]

    @task
    def load(rows):
        raise ValueError("warehouse rejected")

    with Flow("pipe") as flow:
        load(extract())
"""


def _schema(raw: sqlite3.Connection, upto: int) -> None:
    for version in range(1, upto + 1):
        raw.executescript(store_schema.MIGRATIONS[version])


def _version(db: Path) -> int:
    with closing(sqlite3.connect(db)) as raw:
        return int(raw.execute("PRAGMA user_version").fetchone()[0])


def _v1_run(raw: sqlite3.Connection, number: int, started: float) -> None:
    """A finished run as flowtop wrote it at version 1: rows only, no log."""
    run_id = f"0ld{number:09d}"
    raw.execute(
        "INSERT INTO runs(run_id, flow, number, state, started, finished, duration, counts, "
        "tasks, plan, owner) VALUES (?, 'pipe', ?, 'FAILED', ?, ?, 0.5, ?, 2, ?, ?)",
        (
            run_id,
            number,
            started,
            started + 0.5,
            json.dumps({"COMPLETED": 1, "FAILED": 1}),
            json.dumps(PLAN),
            f"{_HOST}:1:old",
        ),
    )
    raw.execute(
        "INSERT INTO task_runs(run_id, task, position, state, attempts, max_attempts, result, "
        "started, duration, updated) VALUES (?, 'extract', 0, 'COMPLETED', 2, 2, '[1, 2]', ?, "
        "0.01, ?)",
        (run_id, started, started + 0.2),
    )
    raw.execute(
        "INSERT INTO task_runs(run_id, task, position, state, attempts, max_attempts, "
        "error_type, error_message, started, duration, updated) "
        "VALUES (?, 'load', 1, 'FAILED', 1, 1, 'ValueError', 'warehouse rejected', ?, 0.01, ?)",
        (run_id, started + 0.3, started + 0.5),
    )
    attempts = [
        ("extract", 1, "AWAITING_RETRY", None, "ConnectionError", "reset", 0.1, 0.0),
        ("extract", 2, "COMPLETED", "[1, 2]", None, None, None, 0.15),
        ("load", 1, "FAILED", None, "ValueError", "warehouse rejected", None, 0.3),
    ]
    for name, n, state, result, kind, message, retry_in, at in attempts:
        raw.execute(
            "INSERT INTO attempts(run_id, task, number, state, started, duration, result, "
            "error_type, error_message, traceback, output, retry_in) "
            "VALUES (?, ?, ?, ?, ?, 0.01, ?, ?, ?, ?, ?, ?)",
            (run_id, name, n, state, started + at, result, kind, message, None, "", retry_in),
        )


def version_1_store(db: Path, runs: int = 3) -> None:
    """A store as flowtop wrote it at schema version 1: ``runs`` of pipe, each FAILED."""
    db.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(db, isolation_level=None)) as raw:
        _schema(raw, 1)
        raw.execute("PRAGMA user_version = 1")
        for number in range(1, runs + 1):
            _v1_run(raw, number, 1_700_000_000.0 + number * 10)


def version_2_store(db: Path) -> None:
    """A store as flowtop 67f61f5 wrote it (schema version 2): three FAILED runs of pipe,
    their log's bodies in that version's shapes (``run_finished`` without an error)."""
    db.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(db, isolation_level=None)) as raw:
        raw.execute("PRAGMA journal_mode=WAL")
        _schema(raw, 2)
        raw.execute("PRAGMA user_version = 2")
        for number in (1, 2, 3):
            run_id, at = f"0ld{number:09d}", 1_700_000_000.0 + number * 10
            raw.execute(
                "INSERT INTO runs(run_id, flow, number, state, started, finished, duration, "
                "counts, tasks, plan, owner, host, pid, boot_id, proc_start, heartbeat) "
                "VALUES (?, 'pipe', ?, 'FAILED', ?, ?, 0.5, ?, 2, ?, 'gone:1:x', 'gone', 1, "
                "'b', 's', ?)",
                (
                    run_id,
                    number,
                    at,
                    at + 0.5,
                    '{"COMPLETED": 1, "FAILED": 1}',
                    json.dumps(PLAN),
                    at,
                ),
            )
            raw.execute("INSERT INTO run_numbers VALUES ('pipe', ?)", (number,))
            rejected = ["ValueError", "warehouse rejected", ""]
            bodies = [
                ["run_started", run_id, "pipe", number, ["extract", "load"], [2, 1], ["1× 0.1s", ""], None, at],
                _v2_step(run_id, "extract", "RUNNING", 2, at),
                _v2_step(run_id, "extract", "COMPLETED", 2, at + 0.1, result="[1, 2]", took=0.1),
                _v2_step(run_id, "load", "RUNNING", 1, at + 0.2),
                _v2_step(run_id, "load", "FAILED", 1, at + 0.4, error=rejected, took=0.2),
                ["run_finished", run_id, "pipe", number, "FAILED", {"COMPLETED": 1, "FAILED": 1}, 0.5, at + 0.5],
            ]  # fmt: skip
            raw.executemany(
                "INSERT INTO events(run_id, body) VALUES (?, ?)",
                [(run_id, json.dumps(body)) for body in bodies],
            )


def _v2_step(
    run_id: str,
    name: str,
    state: str,
    limit: int,
    ts: float,
    *,
    error: list[str] | None = None,
    result: str | None = None,
    took: float | None = None,
) -> list[Any]:
    """A step as version 2 logged it: ``task_state`` and all 15 fields."""
    fields = [run_id, "pipe", name, state, 1, limit, ts, None, "", error, result, took]
    return ["task_state", *fields, "", False, ""]


def early_version_5_store(db: Path, marked: int) -> None:
    """A store flowtop 1818dd5 took to version 5 (its script for 5 was empty: no
    ``events.ts``, ``duration``), then marked ``marked`` by a later flowtop's migration."""
    with closing(sqlite3.connect(db, isolation_level=None)) as raw:
        raw.execute("PRAGMA journal_mode=WAL")
        _schema(raw, 4)
        for version in range(6, marked + 1):  # what a later flowtop's migration added
            raw.executescript(store_schema.MIGRATIONS[version])
        raw.execute(f"PRAGMA user_version = {marked}")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "pipe.py").write_text(PIPE.replace("\n    ", "\n"))
    return tmp_path


def store_of(folder: Path) -> Path:
    return folder / ".flowtop" / "history.db"


@task
def one() -> int:
    return 1


# -- 1: a store an early version 5 flowtop made -----------------------------------------


@pytest.mark.parametrize("marked", [5, 9])
def test_a_store_an_early_version_5_flowtop_made_records_runs_again(
    tmp_path: Path, marked: int
) -> None:
    """Marked 5 (not opened since), or 9 (a flowtop that trusted the version migrated it,
    and recorded nothing since): either way the missing columns are added, once."""
    db = tmp_path / "history.db"
    early_version_5_store(db, marked)
    flow = Flow("etl")
    flow.add_task(one, key="extract")
    with History(db) as history:
        run = run_into(history, flow, stored=False)
        history.flush(10)
        assert history.last_error is None
        detail = history.run_detail(run.run_id)
    assert detail.run.state == "COMPLETED" and detail.task("extract").result == "1"
    with closing(sqlite3.connect(db)) as raw:
        columns = [row[1] for row in raw.execute("PRAGMA table_info(events)")]
        schema = raw.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    assert columns == ["id", "run_id", "body", "ts", "duration"]
    assert _version(db) == store_schema.SCHEMA_VERSION
    with closing(sqlite3.connect(db)) as raw:  # marked older again: nothing is added twice
        raw.execute("PRAGMA user_version = 9")
    History(db).close()
    with closing(sqlite3.connect(db)) as raw:
        assert raw.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema


def test_a_new_store_has_every_column_the_mending_step_would_add(tmp_path: Path) -> None:
    History(tmp_path / "new.db").close()
    early_version_5_store(tmp_path / "old.db", 5)
    History(tmp_path / "old.db").close()

    def tables(db: Path) -> dict[str, list[Any]]:
        with closing(sqlite3.connect(db)) as raw:
            names = [n for (n,) in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            return {n: raw.execute(f"PRAGMA table_info({n})").fetchall() for n in names}

    assert tables(tmp_path / "old.db") == tables(tmp_path / "new.db")


# -- 2 and 4: a version 1 store (no log) ------------------------------------------------


def test_a_version_1_store_is_read_by_history_watch_and_cancel_before_any_run(
    here: Here,
    folder: Path,
) -> None:
    db = store_of(folder)
    version_1_store(db)
    listed = here("history", ".", cwd=folder)
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[:3] for line in listed.stdout.splitlines()[1:4]] == [
        ["pipe", "3", "FAILED"],
        ["pipe", "2", "FAILED"],
        ["pipe", "1", "FAILED"],
    ]
    assert _version(db) == store_schema.SCHEMA_VERSION  # migrated, as a run would
    lines = here("history", ".", "--json", cwd=folder)
    assert lines.returncode == 0, lines.stderr
    assert [json.loads(line)["run"] for line in lines.stdout.splitlines()] == [3, 2, 1]
    shown = here("history", ".", "--run", "3", "--flow", "pipe", cwd=folder)
    assert shown.returncode == 0, shown.stderr
    assert "warehouse rejected" in shown.stdout
    cancel = here("cancel", ".", "3", "--flow", "pipe", cwd=folder)
    assert cancel.stderr.strip().endswith("is not running (FAILED)")


def test_watch_ends_at_once_on_a_run_recorded_without_a_log(here: Here, folder: Path) -> None:
    """A version 1 run has no events: the watch replays its rows and ends with its code
    (it waited for good), on a store migrated before or by the watch itself."""
    db = store_of(folder)
    version_1_store(db)
    History(db).close()  # a run migrated it (the watch migrates it too)
    watched = here("watch", ".", "3", "--flow", "pipe", cwd=folder)
    assert watched.returncode == 1, watched.stderr
    lines = watched.stdout.splitlines()
    assert "pipe #3 started: 2 tasks" in lines[0]
    assert "pipe/extract ⟳ retry" in watched.stdout and "ConnectionError: reset" in watched.stdout
    assert "pipe/load ✗ failed (attempt 1/1): ValueError: warehouse rejected" in watched.stdout
    assert "pipe #3 FAILED" in lines[-1]
    as_json = here("watch", ".", "--flow", "pipe", "--json", cwd=folder)
    events = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [e["event"] for e in (events[0], events[-1])] == ["run_started", "run_finished"]
    assert (events[-1]["run"], events[-1]["state"], as_json.returncode) == (3, "FAILED", 1)


def test_the_tui_client_shows_the_newest_run_recorded_without_a_log(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    version_1_store(db)
    seen: list[Any] = []
    client = StoreClient(db, seen.extend)  # migrates it
    try:
        client.open()
    finally:
        client.close()
    assert _version(db) == store_schema.SCHEMA_VERSION
    started = [e for e in seen if isinstance(e, RunStarted)]
    assert [(e.flow, e.run, e.tasks) for e in started] == [("pipe", 3, ("extract", "load"))]
    steps = [(e.task, e.state, e.attempt) for e in seen if isinstance(e, TaskStateChanged)]
    assert steps == [
        ("extract", StateType.RUNNING, 1),
        ("extract", StateType.AWAITING_RETRY, 1),
        ("extract", StateType.RUNNING, 2),
        ("extract", StateType.COMPLETED, 2),
        ("load", StateType.RUNNING, 1),
        ("load", StateType.FAILED, 1),
    ]
    (end,) = [e for e in seen if isinstance(e, RunFinished)]
    assert (end.state, end.counts, end.duration) == (
        StateType.FAILED,
        {"COMPLETED": 1, "FAILED": 1},
        0.5,
    )


def test_a_version_1_store_nobody_may_write_is_read_as_it_is(tmp_path: Path) -> None:
    """Read-only (or before anyone migrated it), its rows lack every later column and it
    has no log: the readers read it all the same, and change nothing."""
    db = tmp_path / "history.db"
    version_1_store(db)
    with closing(sqlite3.connect(db, isolation_level=None)) as raw:
        _v1_run(raw, 4, time.time())
        raw.execute(
            "UPDATE runs SET state = 'RUNNING', owner = 'another-host:1:x' WHERE number = 4"
        )
    reader = StoreReader(db)
    assert [(r.number, r.state, r.note, r.owner) for r in reader.runs()] == [
        (4, "RUNNING", "", ""),
        (3, "FAILED", "", ""),
        (2, "FAILED", "", ""),
        (1, "FAILED", "", ""),
    ]
    record = reader.find_run("pipe", 3)
    assert record is not None and reader.with_id_prefix(record.run_id) == [record]
    detail = reader.run_detail(record.run_id)
    assert [(t.task, t.state, t.attempts) for t in detail.tasks] == [
        ("extract", "COMPLETED", 2),
        ("load", "FAILED", 1),
    ]
    assert detail.output == ""
    replayed = reader.events_from_rows(record.run_id)
    assert [type(e) for e in replayed] == [RunStarted, *[TaskStateChanged] * 6, RunFinished]
    tail = LogTail(db)
    try:
        assert (tail.read(), tail.end(), tail.outline(record.run_id, 10)) == ([], 0, None)
    finally:
        tail.close()
    assert first_event_id(db, record.run_id) == 0
    assert gone_unmarked(db) == {}  # another host's run: not ours to judge
    assert _version(db) == 1


@contextmanager
def read_only(folder: Path) -> Iterator[list[str]]:
    """``folder/.flowtop`` read-only; the command prefix that keeps root from writing it."""
    state = folder / ".flowtop"
    prefix: list[str] = []
    if os.geteuid() == 0:  # root reads and writes anything: drop that power for the check
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: a read-only folder can't be made")
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
    for path in state.iterdir():
        path.chmod(0o400)
    state.chmod(0o500)
    try:
        yield prefix
    finally:
        state.chmod(0o700)
        for path in state.iterdir():
            path.chmod(0o600)


def test_history_and_watch_read_a_version_1_store_they_may_not_write(folder: Path) -> None:
    db = store_of(folder)
    version_1_store(db)
    with read_only(folder) as prefix:

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [*prefix, sys.executable, "-m", "flowtop", *args],
                cwd=folder,
                capture_output=True,
                text=True,
                env=env(),
                timeout=30,
            )

        listed = run("history", ".")
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.splitlines()[1].split()[:3] == ["pipe", "3", "FAILED"]
        shown = run("history", ".", "--run", "2", "--flow", "pipe", "--json")
        assert shown.returncode == 0, shown.stderr
        assert "warehouse rejected" in shown.stdout
        watched = run("watch", ".", "1", "--flow", "pipe")
        assert watched.returncode == 1, watched.stderr
        assert "pipe #1 FAILED" in watched.stdout.splitlines()[-1]
    assert _version(db) == 1


# -- 3: runs a version 2 flowtop logged -------------------------------------------------


def test_every_event_kind_reads_in_the_oldest_shape_any_flowtop_logged_it() -> None:
    """The shortest body each kind was ever written with (later fields were added at the
    end, optional): a version 2 run's end had no error, and crashed every reader."""
    oldest = {
        "run_started": ["run_started", "r", "f", 1, ["t"], [1], [""], None, 1.0],
        "run_finished": ["run_finished", "r", "f", 1, "FAILED", {"FAILED": 1}, 0.5, 1.5],
        "task_state": ["task_state", "r", "f", "t", "RUNNING", 1, 1, 1.0, None, "", None, None, None, "", False, ""],
        "s": ["s", "f", "t", "RUNNING", 1, 1, 1.0],
        "p": ["p", "f", "t", "RUNNING", 1, 1],
        "task_output": ["task_output", "r", "f", "t", 1, "hi\n", 1.0],
        "run_interrupted": ["run_interrupted", "r", "gone", 2.0],
    }  # fmt: skip
    events = {kind: decode(json.dumps(body), "r") for kind, body in oldest.items()}
    finished = events["run_finished"]
    assert isinstance(finished, RunFinished)
    assert (finished.state, finished.error, finished.output, finished.retry_in) == (
        StateType.FAILED,
        None,
        "",
        None,
    )
    assert isinstance(events["run_started"], RunStarted)
    assert all(isinstance(events[k], TaskStateChanged) for k in ("task_state", "s", "p"))
    assert isinstance(events["task_output"], TaskOutput)
    assert isinstance(events["run_interrupted"], RunInterrupted)


def test_runs_a_version_2_flowtop_logged_read_back_and_rerun(here: Here, folder: Path) -> None:
    db = store_of(folder)
    version_2_store(db)
    shown = here("history", ".", "--run", "3", "--flow", "pipe", cwd=folder)
    assert shown.returncode == 0, shown.stderr
    assert "warehouse rejected" in shown.stdout
    watched = here("watch", ".", "--flow", "pipe", cwd=folder)
    assert watched.returncode == 1, watched.stderr
    assert "pipe #3 FAILED" in watched.stdout.splitlines()[-1]
    rerun = flowtop("run", ".", "--flow", "pipe", "--rerun-of", "3", cwd=folder)
    assert rerun.returncode == 1, rerun.stderr
    assert "pipe #4 FAILED" in rerun.stdout
    seen: list[Any] = []
    client = StoreClient(db, seen.extend)
    try:
        client.open()
    finally:
        client.close()
    assert [(e.run, e.state) for e in seen if isinstance(e, RunFinished)] == [(4, StateType.FAILED)]


# -- 5: a run left RUNNING by a version 1 flowtop whose pid names another process now ----


def test_a_version_1_run_whose_pid_now_names_a_later_process_is_interrupted(
    tmp_path: Path,
) -> None:
    db = tmp_path / "history.db"
    version_1_store(db, runs=0)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        time.sleep(0.2)
        with closing(sqlite3.connect(db, isolation_level=None)) as raw:
            for number, started in ((1, time.time() - 3600), (2, time.time() + 60)):
                _v1_run(raw, number, started)
                raw.execute(
                    "UPDATE runs SET state = 'RUNNING', owner = ? WHERE number = ?",
                    (f"{_HOST}:{sleeper.pid}:tok{number}", number),
                )
        # #1 started an hour before the process its pid names (a reboot, a reused pid):
        # its owner is gone; #2 started after it: that process may well be its owner
        assert reap_store(db) == ["0ld000000001"]
        assert [(r.number, r.state) for r in StoreReader(db).runs()] == [
            (2, "RUNNING"),
            (1, "INTERRUPTED"),
        ]
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_version_1_run_interrupted_by_this_flowtop_still_shows_its_tasks(
    tmp_path: Path,
) -> None:
    """The interruption this flowtop logs for it is the run's only event: watch and the
    TUI read that and nothing else ("No task ran"), its completed task gone."""
    db = tmp_path / "history.db"
    version_1_store(db, runs=0)
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()  # its pid names no process now: the run's owner is gone
    with closing(sqlite3.connect(db, isolation_level=None)) as raw:
        _v1_run(raw, 1, time.time() - 3600)
        raw.execute("UPDATE runs SET state = 'RUNNING', owner = ?", (f"{_HOST}:{ended.pid}:x",))
    assert reap_store(db) == ["0ld000000001"]
    events = StoreReader(db).events_from_rows("0ld000000001")
    assert isinstance(events[0], RunStarted) and isinstance(events[-1], RunInterrupted)
    steps = [(e.task, e.state) for e in events if isinstance(e, TaskStateChanged)]
    assert ("extract", StateType.COMPLETED) in steps
    shown: list[Any] = []
    client = StoreClient(db, shown.extend)
    client.open()
    try:
        assert next(type(e) for e in shown if e.run_id == "0ld000000001") is RunStarted
    finally:
        client.close()


# -- 6: a reader marks a dead run in a store an older flowtop wrote ----------------------


def test_a_reader_migrates_an_older_store_before_it_marks_a_dead_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its ``run_interrupted`` event is in this version's shape: in a file left at the
    older version, the older flowtop would read it (and crashed on it)."""
    # A reader that has watched its heartbeat long enough (``ownership.owner_gone``).
    monkeypatch.setattr(ownership, "STALE_AFTER", 0.0)
    db = tmp_path / "history.db"
    with closing(sqlite3.connect(db, isolation_level=None)) as raw:
        raw.execute("PRAGMA journal_mode=WAL")
        _schema(raw, 5)
        raw.execute("PRAGMA user_version = 5")
        raw.execute(
            "INSERT INTO runs(run_id, flow, number, state, started, tasks, plan, owner, host, "
            "pid, boot_id, proc_start, heartbeat) VALUES ('dead', 'etl', 1, 'RUNNING', 100.0, "
            "0, '[]', 'gone:1:x', 'another-host', 1, 'b', 's', 100.0)"
        )
    assert reap_store(db) == ["dead"]
    assert _version(db) == store_schema.SCHEMA_VERSION
    assert StoreReader(db).runs()[0].state == "INTERRUPTED"


def test_an_older_store_s_error_says_to_upgrade_it_not_to_move_it_away(tmp_path: Path) -> None:
    """What a reader says should an older store's missing column or table still stop it:
    not "move it away" (its history would go) nor "the file system could not read it"."""
    db = tmp_path / "history.db"
    version_1_store(db)
    for error in ("no such column: r.note", "no such table: events"):
        advice = store_advice(sqlite3.OperationalError(error), db, writing=False)
        assert advice == (
            "an older flowtop wrote it (schema version 1) and it could not be upgraded here: "
            f"any flowtop command with write access to {tmp_path} upgrades it"
        )
