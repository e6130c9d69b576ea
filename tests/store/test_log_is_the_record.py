"""Each event is written once, to the log; a run's tasks and attempts are folded from it.

Stores written before schema version 5 kept every task and attempt as rows as well:
they are migrated without rewriting anything, and their runs read back from those rows.
"""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowtop import Flow, flow, task
from flowtop.engine.events import ErrorInfo, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace import ownership, store_schema
from flowtop.workspace.history import History, reap_store
from flowtop.workspace.history_fold import batch_row
from flowtop.workspace.run_log import LogDamage, LogTail, decode_rows
from flowtop.workspace.store_client import StoreClient

from .conftest import run_into


@task
def one() -> int:
    return 1


@task(max_retries=1, retry_delay=0)
def flaky() -> int:
    raise ConnectionError("down")


def test_a_run_writes_each_event_once_and_reads_back_whole(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    flow = Flow("mixed")
    for i in range(20):
        flow.add_task(one, key=f"ok-{i}")
    flow.add_task(flaky, key="bad")
    with History(db) as history:
        run = run_into(history, flow)
        detail = history.run_detail(run.run_id)
    with closing(sqlite3.connect(db)) as raw:
        log = raw.execute("SELECT run_id, body, ts, duration FROM events ORDER BY id").fetchall()
        events = len(decode_rows(log))
        assert len(log) < events  # the steps of one write share a row
        rows = [
            raw.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("task_runs", "attempts")
        ]
        (plan,) = raw.execute("SELECT plan FROM runs").fetchone()
    # run start, 20 × (RUNNING, COMPLETED), bad: RUNNING, AWAITING_RETRY, RUNNING, FAILED, run end
    assert events == 1 + 40 + 4 + 1
    assert rows == [0, 0] and plan == "[]"  # nothing written twice: the plan is in the log
    assert detail.run.state == "FAILED" and len(detail.tasks) == 21
    bad = detail.task("bad")
    assert (bad.state, bad.attempts, bad.error_type) == ("FAILED", 2, "ConnectionError")
    assert [(a.number, a.state) for a in bad.attempt_records] == [
        (1, "AWAITING_RETRY"),
        (2, "FAILED"),
    ]
    assert all(t.state == "COMPLETED" and t.result == "1" for t in detail.tasks[:20])


def test_a_flow_functions_calls_read_back_with_their_policies(tmp_path: Path) -> None:
    """A @flow's calls are in no plan: each one's policy comes from its first step, so
    the history shows its budget as it does a static task's."""

    @flow
    def pipeline() -> int:
        return one() + tuned(one())

    with History(tmp_path / "history.db") as history:
        run = run_into(history, pipeline)
        detail = history.run_detail(run.run_id)
    assert [(t.task, t.policy) for t in detail.tasks] == [
        ("one", "3× on Retry only 0s"),
        ("one-2", "3× on Retry only 0s"),
        ("tuned", "1× 0s"),
    ]


@task(max_retries=1, retry_delay=0)
def tuned(x: int) -> int:
    return x


def _version_4_store(db: Path) -> None:
    """A store as flowtop wrote it at schema version 4: a finished run with task and
    attempt rows, and a live run whose owner is long gone."""
    with closing(sqlite3.connect(db, isolation_level=None)) as raw:
        raw.execute("PRAGMA journal_mode=WAL")
        for version in range(1, 5):
            raw.executescript(store_schema.MIGRATIONS[version])
        raw.execute("PRAGMA user_version = 4")
        plan = json.dumps([["extract", 1, ""], ["load", 2, "retry once"], ["report", 1, ""]])
        for run_id, number, state in (("old1", 1, "FAILED"), ("old2", 2, "RUNNING")):
            raw.execute(
                "INSERT INTO runs(run_id, flow, number, state, started, tasks, plan, owner, "
                "host, pid, boot_id, proc_start, heartbeat) "
                "VALUES (?, 'etl', ?, ?, 100.0, 3, ?, 'gone:1:x', 'another-host', 1, 'b', 's', 1.0)",
                (run_id, number, state, plan),
            )
            raw.execute("INSERT INTO run_numbers VALUES ('etl', ?)", (number,))
            raw.execute(
                "INSERT INTO task_runs(run_id, task, position, state, attempts, max_attempts, "
                "result, updated) VALUES (?, 'extract', 0, 'COMPLETED', 1, 1, '[1, 2]', 101.0)",
                (run_id,),
            )
            raw.execute(
                "INSERT INTO attempts(run_id, task, number, state, started, duration, result) "
                "VALUES (?, 'extract', 1, 'COMPLETED', 100.5, 0.5, '[1, 2]')",
                (run_id,),
            )
        raw.execute(
            "INSERT INTO task_runs(run_id, task, position, state, attempts, max_attempts, "
            "error_type, error_message, updated) "
            "VALUES ('old1', 'load', 1, 'FAILED', 2, 2, 'ConnectionError', 'down', 103.0)"
        )
        raw.execute(
            "INSERT INTO task_runs(run_id, task, position, state, attempts, max_attempts, "
            "updated) VALUES ('old2', 'load', 1, 'RUNNING', 1, 2, 102.0)"
        )
        raw.execute(
            "INSERT INTO attempts(run_id, task, number, state, started) "
            "VALUES ('old2', 'load', 1, 'RUNNING', 101.5)"
        )


def test_a_version_4_store_is_migrated_and_its_runs_read_from_their_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A reader that has watched its heartbeat long enough (``ownership.owner_gone``).
    monkeypatch.setattr(ownership, "STALE_AFTER", 0.0)
    db = tmp_path / "history.db"
    _version_4_store(db)
    with History(db) as history:  # opening migrates, and reaps the dead owner's run
        with closing(sqlite3.connect(db)) as raw:
            assert raw.execute("PRAGMA user_version").fetchone()[0] == store_schema.SCHEMA_VERSION
        assert store_schema.SCHEMA_VERSION >= 5
        done = history.run_detail("old1")
        assert [(t.task, t.state) for t in done.tasks] == [
            ("extract", "COMPLETED"),
            ("load", "FAILED"),
            ("report", "PENDING"),
        ]
        assert done.task("extract").attempt_records[0].duration == 0.5
        assert done.task("load").error_message == "down"
        # The live run of an owner that is gone: marked in its own rows, as before.
        cut = history.run_detail("old2")
        assert cut.run.state == "INTERRUPTED"
        assert [(t.task, t.state) for t in cut.tasks] == [
            ("extract", "COMPLETED"),
            ("load", "INTERRUPTED"),
            ("report", "INTERRUPTED"),
        ]
        assert cut.task("load").attempt_records[0].state == "INTERRUPTED"
        assert cut.run.counts == {"COMPLETED": 1, "INTERRUPTED": 2}
        # A new run in the same store: from its log.
        flow = Flow("etl")
        flow.add_task(one, key="extract")
        run = run_into(history, flow, workers=2)
        new = history.run_detail(run.run_id)
        assert new.run.number == 3 and [(t.task, t.state) for t in new.tasks] == [
            ("extract", "COMPLETED")
        ]
    assert reap_store(db) == []


def test_an_interrupted_run_is_folded_from_its_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run whose process died mid-run: its finished tasks as they ended, the rest
    INTERRUPTED, counts to match, all from the log and one ``run_interrupted`` event."""
    # A reader that has watched its heartbeat long enough (``ownership.owner_gone``).
    monkeypatch.setattr(ownership, "STALE_AFTER", 0.0)
    db = tmp_path / "history.db"
    with History(db) as history:
        history.sink(
            [
                *_started("r1", ("a", "b", "c")),
                *_step("r1", "a", "RUNNING", 1),
                *_step("r1", "a", "COMPLETED", 1, result="1", duration=0.25),
                *_step("r1", "b", "RUNNING", 1),
            ]
        )
        assert history.flush(10)
        with closing(sqlite3.connect(db)) as raw:  # as if its owner had died
            raw.execute("UPDATE runs SET owner = 'x', host = 'elsewhere', pid = 1, heartbeat = 0.0")
            raw.commit()
        assert history.reap() == ["r1"]
        detail = history.run_detail("r1")
    assert detail.run.state == "INTERRUPTED" and "interrupted:" in detail.run.note
    assert [(t.task, t.state) for t in detail.tasks] == [
        ("a", "COMPLETED"),
        ("b", "INTERRUPTED"),
        ("c", "INTERRUPTED"),
    ]
    assert detail.task("b").attempt_records[0].state == "INTERRUPTED"
    assert detail.task("a").attempt_records[0].duration == 0.25
    assert detail.run.counts == {"COMPLETED": 1, "INTERRUPTED": 2}
    assert detail.task("c").message == detail.task("b").message != ""


def _started(run_id: str, keys: tuple[str, ...]) -> list:
    from flowtop.engine.events import RunStarted

    return [
        RunStarted(run_id, "f", 1, keys, (1,) * len(keys), ("",) * len(keys), None, time.time())
    ]


def _step(run_id: str, key: str, state: str, attempt: int, **extra: object) -> list:
    from flowtop.engine.events import TaskStateChanged
    from flowtop.engine.states import StateType

    return [TaskStateChanged(run_id, "f", key, StateType(state), attempt, 1, time.time(), **extra)]


_text = st.text(max_size=12)
_float = st.floats(allow_nan=False, allow_infinity=False)
_steps = st.builds(
    TaskStateChanged,
    run_id=st.just("r1"),
    flow=_text,
    task=_text,
    state=st.sampled_from(list(StateType)),
    attempt=st.integers(0, 5),
    max_attempts=st.integers(1, 5),
    ts=_float,
    retry_in=st.none() | _float,
    delay_explained=_text,
    error=st.none() | st.builds(ErrorInfo, _text, _text, _text),
    result=st.none() | _text,
    duration=st.none() | _float,
    output=_text,
    reused=st.booleans(),
    message=_text,
    policy=_text,
    upstream=st.lists(_text, max_size=3).map(tuple),
    event=st.just("task_state"),
)


def test_a_tail_reads_a_long_log_in_bounded_steps(tmp_path: Path, monkeypatch) -> None:
    """A row holds up to ``STEPS_PER_ROW`` steps; a read takes ``limit`` rows at most, so
    a reader catching up on a long run never decodes it all at once."""
    from flowtop.workspace import history_fold

    monkeypatch.setattr(history_fold, "STEPS_PER_ROW", 4)
    db = tmp_path / "history.db"
    flow = Flow("wide")
    for i in range(30):
        flow.add_task(one, key=f"t{i}")
    with History(db) as history:
        run_into(history, flow)
    tail = LogTail(db)
    try:
        sizes = []
        while events := tail.read(limit=2):
            sizes.append(len(events))
    finally:
        tail.close()
    assert sum(sizes) == 1 + 60 + 1 and max(sizes) <= 2 * 4


@settings(max_examples=200, deadline=None)
@given(st.lists(_steps, min_size=1, max_size=8), st.integers(1, 8))
def test_logged_steps_read_back_exactly_as_the_engine_emitted_them(steps: list, cut: int) -> None:
    """Through a real store, in rows of up to ``cut`` steps, as the writer makes them."""
    rows = [batch_row(steps[i : i + cut]) for i in range(0, len(steps), cut)]
    assert all(isinstance(v, str | bytes) for row in rows for v in row)  # bound as they are
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.execute("CREATE TABLE events (run_id TEXT, body TEXT, ts REAL, duration REAL)")
        conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", rows)
        stored = conn.execute("SELECT * FROM events").fetchall()
    assert decode_rows(stored) == steps


def test_a_client_migrates_an_older_store_and_a_tail_follows_a_migration(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    _version_4_store(db)
    tail = LogTail(db)
    try:
        assert tail.read() == []  # reading the version 4 log, before anyone migrated it
        with History(db) as history:  # a run process migrates it and records a run
            flow = Flow("etl")
            flow.add_task(one, key="extract")
            run = run_into(history, flow, workers=2)
        steps = [e for e in tail.read() if type(e) is TaskStateChanged]
    finally:
        tail.close()
    assert [(e.task, e.state) for e in steps if e.run_id == run.run_id] == [
        ("extract", StateType.RUNNING),
        ("extract", StateType.COMPLETED),
    ]
    assert all(isinstance(e.ts, float) for e in steps)
    older = tmp_path / "older.db"
    _version_4_store(older)
    StoreClient(older, lambda events: None)  # what the TUI opens: migrates the file
    with closing(sqlite3.connect(older)) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == store_schema.SCHEMA_VERSION


def test_a_row_of_steps_without_its_packed_times_is_said_where_it_is() -> None:
    body = '["q",["p","f","t","RUNNING",1,1]]'
    (damage,) = decode_rows([("r1", body, None, None)], [5])
    assert isinstance(damage, LogDamage)
    assert (damage.run_id, damage.row, damage.step) == ("r1", 5, 0)
    assert damage.why.startswith("steps without their times")


@task
def prints_while_it_runs() -> int:
    print("fetching page 1")
    time.sleep(0.3)  # the output is looked at meanwhile (``live_output.EVERY``, 0.02 s here)
    print("fetching page 2")
    return 2


def test_what_an_attempt_prints_while_it_runs_is_in_the_log_for_other_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A monitor in another process folds the log: the pieces must be there, in order,
    before the attempt's end; the attempt's stored output is still whole."""
    from flowtop.engine import TaskOutput, live_output

    monkeypatch.setattr(live_output, "EVERY", 0.02)
    db = tmp_path / "history.db"
    flow = Flow("live")
    flow.add_task(prints_while_it_runs, key="fetch")
    with History(db) as history:
        run = run_into(history, flow)
        detail = history.run_detail(run.run_id)
    with closing(sqlite3.connect(db)) as raw:
        (version,) = raw.execute("PRAGMA user_version").fetchone()
        log = raw.execute("SELECT run_id, body, ts, duration FROM events ORDER BY id").fetchall()
    assert version == store_schema.SCHEMA_VERSION >= 9
    events = decode_rows(log)
    pieces = [e for e in events if isinstance(e, TaskOutput)]
    live = "".join(p.text for p in pieces)  # each piece once, from the output's start
    assert live.startswith("fetching page 1\n")
    assert "fetching page 1\nfetching page 2\n".startswith(live)
    end = next(
        i for i, e in enumerate(events) if isinstance(e, TaskStateChanged) and e.state.is_final
    )
    assert max(events.index(p) for p in pieces) < end
    assert detail.task("fetch").attempt_records[0].output == "fetching page 1\nfetching page 2\n"
