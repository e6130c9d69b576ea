"""Opening a new store while other processes open it too (two ``flowtop run`` started by
cron at the same minute, a run's worker processes and their concurrency limits).

SQLite refuses to turn on WAL while another connection does the same, at once rather
than after the busy timeout: seen as ``cannot use the run store (database is locked)``,
a run not started, one time in five with two runs started together on a new workspace.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import fork_cli
from flowtop.workspace.store_schema import enable_wal


def contended(refusals: int, message: str = "database is locked") -> type[sqlite3.Connection]:
    """A connection whose first ``refusals`` WAL switches fail with ``message``."""
    left = [refusals]

    class Contended(sqlite3.Connection):
        def execute(self, sql: str, *args: object) -> sqlite3.Cursor:  # type: ignore[override]
            if sql == "PRAGMA journal_mode=WAL" and left[0]:
                left[0] -= 1
                raise sqlite3.OperationalError(message)
            return super().execute(sql, *args)  # type: ignore[arg-type]

    return Contended


def test_a_refused_switch_to_wal_is_tried_again(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "store.db", factory=contended(3))
    assert enable_wal(conn) == "wal"
    conn.close()


def test_it_gives_up_after_its_wait_and_says_why(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "store.db", factory=contended(10_000))
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        enable_wal(conn, wait=0.05)
    conn.close()


def test_any_other_error_is_not_waited_for(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "store.db", factory=contended(1, "disk I/O error"))
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        enable_wal(conn, wait=60)
    conn.close()


def test_two_runs_started_together_on_a_new_workspace_both_run(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "one.py").write_text(
        "from flowtop import Flow, task\n\n@task\ndef a():\n    return 1\n\nflow = Flow('one')\nflow.add_task(a)\n"
    )
    for trial in range(4):  # the race: each trial is a new workspace
        folder = tmp_path / f"ws{trial}"
        folder.mkdir()
        (folder / "one.py").write_text((tmp_path / "one.py").read_text())
        command = [sys.executable, "-m", "flowtop", "run", "one.py", "--quiet"]
        runs = [
            fork_cli.popen(command, cwd=folder, stderr=subprocess.PIPE, text=True) for _ in range(3)
        ]
        for run in runs:
            _, err = run.communicate(timeout=60)
            assert run.returncode == 0, err
