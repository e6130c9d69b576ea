"""The history keeps what a ``@flow`` function raised (issue 14), and old files gain the column."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flowtop import flow, task
from flowtop.engine import Runner
from flowtop.workspace import store_schema
from flowtop.workspace.history import SCHEMA_VERSION, History


@task
def one() -> int:
    return 1


def report_total() -> int:
    return one() + None  # type: ignore[operator]


@flow(name="report")
def report() -> int:
    return report_total()


@flow(name="fine")
def fine() -> int:
    return one()


def run_into(history: History, *flows: object) -> None:
    runner = Runner(2, sinks=[history.sink], next_number=history.next_number)
    try:
        for f in flows:
            runner.start(f).final_result(10)  # type: ignore[arg-type]
    finally:
        runner.shutdown()
    assert history.flush()


def test_a_flow_s_error_is_stored_with_its_run(tmp_path: Path) -> None:
    with History(tmp_path / "history.db") as history:
        run_into(history, report, fine)
        failed, completed = history.find_run("report", 1), history.find_run("fine", 1)
    assert failed is not None and completed is not None
    assert failed.state == "FAILED" and completed.state == "COMPLETED"
    assert completed.error is None and "error" not in completed.as_json()
    error = failed.error
    assert error is not None and error["type"] == "TypeError"
    assert error["message"] == "unsupported operand type(s) for +: 'int' and 'NoneType'"
    assert "in report_total" in error["traceback"]
    assert failed.as_json()["error"] == error


def test_a_version_1_file_is_migrated_and_keeps_its_runs(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    old_schema = store_schema.MIGRATIONS[1]
    with sqlite3.connect(path) as raw:
        raw.executescript(old_schema)
        raw.execute(
            "INSERT INTO runs(run_id, flow, number, state, started, finished, duration, counts) "
            "VALUES ('old', 'report', 1, 'COMPLETED', 1.0, 2.0, 1.0, '{\"COMPLETED\": 1}')"
        )
        raw.execute("PRAGMA user_version = 1")
    with History(path) as history:
        (before,) = history.runs("report")
        assert before.run_id == "old" and before.error is None
        run_into(history, report)
        new = history.find_run("report", 2)
    assert new is not None and new.error is not None and new.error["type"] == "TypeError"
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 3
