"""A moved or renamed store's words, once more (review 404).

A monitor whose workspace folder moved said "the next run here makes a new one", while
its `r` said the folder was gone (flowtop makes no folder again). ``mv .flowtop
.flowtop-old`` cancelled the runs and recorded their ends in the renamed store, but left
their logs there (README: deleted once the end is recorded), and their notes said only
"deleted, renamed or replaced". A folder moved while a run's flow file imported ended
the run "did not start: … No module named 'helper'", the move unsaid. And ``flowtop
history OLDPATH`` did not say where the workspace went, as ``cancel`` and ``watch`` do.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

from cli_kit import Here
from flowtop.workspace.store_moved import Moved, store_went

from .conftest import flowtop, wait_until
from .test_moved_folder_s59 import _beat_of, _looked_after, gated_run
from .test_moved_folder_s60b import _ended, _owner_pid
from .test_store_edges_s49 import write_flow


def test_a_monitor_of_a_moved_folder_says_runs_start_where_it_went(tmp_path: Path) -> None:
    old, new = tmp_path / "ws2", tmp_path / "ws2moved"
    new.mkdir()  # (the folder moved: none at the old place)
    store = old / ".flowtop" / "history.db"
    went = Moved(new / ".flowtop" / "history.db")
    toast = store_went(store, went, new_store=False)[1]
    assert "makes a new one" not in toast
    assert toast.endswith(f"{old} is gone: runs start there, not here")
    old.mkdir()  # a folder made again at the old place (a new checkout): a run makes one
    assert store_went(store, went, new_store=False)[1].endswith("the next run here makes a new one")


def _note(store: Path, run_id: str) -> str:
    with closing(sqlite3.connect(store)) as conn:
        (note,) = conn.execute("SELECT note FROM runs WHERE run_id = ?", (run_id,)).fetchone()
    return str(note or "")


def _messages(store: Path, run_id: str) -> list[str]:
    with closing(sqlite3.connect(store)) as conn:
        rows = conn.execute(
            "SELECT message FROM task_runs WHERE run_id = ? AND message != ''", (run_id,)
        ).fetchall()
    return [str(m) for (m,) in rows]


def test_a_renamed_flowtop_deletes_the_logs_there_and_says_renamed(
    tmp_path: Path, here: Here
) -> None:
    folder = tmp_path / "ws"
    gate, waiting, run_id = gated_run(folder, tmp_path)
    try:
        wait_until(waiting.exists, "the run waiting for its gate")
        pid = _owner_pid(folder / ".flowtop" / "history.db", run_id)
        (folder / ".flowtop").rename(folder / ".flowtop-old")
        wait_until(lambda: _ended(pid), "the run's process to exit", timeout=30)
    finally:
        gate.touch()
    state = folder / ".flowtop-old"
    store = state / "history.db"
    assert _beat_of(store, run_id)[0] == "CANCELLED"
    assert not (state / "logs" / f"{run_id}.log").exists()
    said = [_note(store, run_id), *_messages(store, run_id)]
    renamed = ".flowtop was renamed to .flowtop-old while it ran"  # (as the process says it)
    assert any(renamed in text for text in said), said
    assert not any("deleted, renamed or replaced" in text for text in said), said
    for command, path in [("watch", str(folder)), ("cancel", "."), ("watch", ".")]:
        after = here(command, path, run_id, cwd=folder)
        assert after.returncode == 2
        assert ".flowtop renamed?" in after.stderr, after.stderr
        assert "deleted" not in after.stderr, after.stderr


SLOW_IMPORT = """
    import os
    import time
    from pathlib import Path

    if os.path.exists({loaded!r}):  # the run's process: its launcher loaded it first
        Path({importing!r}).touch()
        while not os.path.exists({gate!r}):
            time.sleep(0.01)

    Path({loaded!r}).touch()
    from helper import VALUE
    from flowtop import Flow, task

    @task
    def a():
        return VALUE

    with Flow("slowimp") as flow:
        a()
"""


def test_a_folder_moved_while_the_flow_file_imported_is_said(tmp_path: Path, here: Here) -> None:
    first = tmp_path / "ws4"
    gate, importing = tmp_path / "gate", tmp_path / "importing"
    loaded = tmp_path / "loaded"
    source = SLOW_IMPORT.format(gate=str(gate), importing=str(importing), loaded=str(loaded))
    write_flow(first, "slowimp", source)
    (first / "helper.py").write_text("VALUE = 42\n")
    started = flowtop("run", "slowimp.py", "--flow", "slowimp", "--detach", cwd=first)
    assert started.returncode == 0, started.stderr
    run_id = started.stdout.strip().splitlines()[-1]
    moved = tmp_path / "ws4m"
    try:
        wait_until(importing.exists, "the flow file importing")
        pid = _owner_pid(first / ".flowtop" / "history.db", run_id)
        renamed_at = time.time()
        first.rename(moved)
        _looked_after(moved / ".flowtop" / "history.db", run_id, renamed_at)
    finally:
        gate.touch()
    wait_until(lambda: _ended(pid), "the run's process to exit", timeout=30)
    watched = here("watch", str(moved), run_id)
    assert watched.returncode == 1
    said = watched.stdout + watched.stderr
    assert "did not start: " in said  # (No module named 'helper', or the file not found)
    assert f"the workspace folder moved to {moved} while its flow file imported" in said, said


def test_history_of_the_old_path_says_where_the_workspace_moved(tmp_path: Path, here: Here) -> None:
    first = tmp_path / "ws3"
    gate, waiting, run_id = gated_run(first, tmp_path)
    moved = tmp_path / "ws3moved"
    store = moved / ".flowtop" / "history.db"
    try:
        wait_until(waiting.exists, "the run waiting for its gate")
        renamed_at = time.time()
        first.rename(moved)
        _looked_after(store, run_id, renamed_at)
        listed = here("history", str(first))
        assert listed.returncode == 2
        assert listed.stderr.strip() == (
            f"flowtop history: {first}: no such file or folder: the workspace moved to "
            f"{moved}, its run store with it, and its runs go on there: "
            f"flowtop history {moved}"
        )
        # by a bare name: not also "if ws3 is a flow's name: flowtop history --flow ws3"
        bare = here("history", "ws3", cwd=tmp_path)
        assert bare.stderr.strip() == (
            "flowtop history: ws3: no such file or folder: the workspace moved to "
            f"{moved}, its run store with it, and its runs go on there: "
            f"flowtop history {moved}"
        )
    finally:
        gate.touch()
    wait_until(lambda: _beat_of(store, run_id)[0] != "RUNNING", "the run's end", timeout=30)
