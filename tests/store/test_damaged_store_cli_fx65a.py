"""A store damaged on disk (``database disk image is malformed``) is said by ``flowtop
watch`` and ``flowtop run --rerun-of`` in the one line ``flowtop history`` says it with,
exit 2: both ended in SQLite's traceback (``row_events``, ``store_reader._run_detail``,
``results.load``). A rerun is refused so even when the damage holds only its stored
results: run in that store, it lost what it wrote next.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .conftest import flowtop

FLOW = """\
from flowtop import Flow, task

@task
def a():
    return 1

@task
def b(x):
    raise ValueError("b fails")

with Flow("two") as flow:
    b(a())
"""

ADVICE = "if it is not a flowtop store, or a damaged one, move it away and flowtop starts a new one"


def stored_run(tmp_path: Path) -> Path:
    """The store of a folder with one failed run (#1) of ``two``, its writes all in the file."""
    (tmp_path / "two.py").write_text(FLOW)
    assert flowtop("run", "two.py", "--quiet", cwd=tmp_path).returncode == 1
    store = tmp_path / ".flowtop" / "history.db"
    conn = sqlite3.connect(store)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return store


def damage(store: Path, name: str) -> None:
    """Overwrite the root page of the table or index ``name``: reads through it fail as
    ``malformed``, the rest of the file reads."""
    conn = sqlite3.connect(store)
    try:
        (size,) = conn.execute("PRAGMA page_size").fetchone()
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)
        ).fetchone()
    finally:
        conn.close()
    with store.open("r+b") as file:
        file.seek((root - 1) * size)
        file.write(b"\xab" * size)


def said_unreadable(stderr: str, command: str, store: Path) -> None:
    assert "Traceback" not in stderr, stderr
    assert stderr.splitlines() == [
        f"flowtop {command}: {store}: cannot read the run store (database disk image is "
        f"malformed); {ADVICE}"
    ], stderr


def test_watch_of_a_run_in_a_damaged_store_says_it_in_one_line(tmp_path: Path) -> None:
    store = stored_run(tmp_path)
    damage(store, "sqlite_autoindex_runs_1")  # a run by its id: its number still finds it
    history = flowtop("history", "--run", "1", cwd=tmp_path)
    assert history.returncode == 2
    said_unreadable(history.stderr, "history", store)  # the line the others say
    for json_lines in ([], ["--json"]):
        done = flowtop("watch", ".", "1", *json_lines, cwd=tmp_path)
        assert done.returncode == 2, done
        said_unreadable(done.stderr, "watch", store)


def test_rerun_of_a_run_in_a_damaged_store_says_it_in_one_line(tmp_path: Path) -> None:
    store = stored_run(tmp_path)
    damage(store, "sqlite_autoindex_runs_1")
    for flow in ([], ["--flow", "two"]):
        done = flowtop("run", ".", "--rerun-of", "1", "--quiet", *flow, cwd=tmp_path)
        assert done.returncode == 2, done
        said_unreadable(done.stderr, "run", store)
        assert done.stdout == ""  # nothing ran


def test_a_rerun_whose_stored_results_are_damaged_is_refused_in_one_line(
    tmp_path: Path,
) -> None:
    """Refused before it runs: a store with a damaged page can lose what a rerun writes
    next (it ran, then read INTERRUPTED, 'flowtop closed the store first')."""
    for table in ("result_batches", "results"):  # each on a store of its own
        folder = tmp_path / table
        folder.mkdir()
        store = stored_run(folder)
        damage(store, table)
        done = flowtop("run", ".", "--rerun-of", "1", "--quiet", cwd=folder)
        assert done.returncode == 2, done
        said_unreadable(done.stderr, "run", store)
        assert done.stdout == ""  # nothing ran
