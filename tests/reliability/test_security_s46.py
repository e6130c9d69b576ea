"""Security review 46: links in a shared workspace that review 45 left open.

1. ``run_log.connect_reader`` opened a linked store when its caller had not checked
   first (SQLite made ``-wal`` and ``-shm`` beside the link's target, as you): it
   refuses one itself now (``store_links``, below both it and ``private``).
2. ``.flowtop`` itself a link (to another user's folder, or dangling) was used: the
   store was made in its target, or "is a file, not a folder" was said of it. And
   ``flowtop limits`` read ``limits.db`` through a link; a link at its ``-wal`` was
   "unable to open database file".
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import fork_cli
from flowtop.concurrency.slots import SlotStore
from flowtop.workspace.history import History, open_live_history
from flowtop.workspace.private import FolderError
from flowtop.workspace.run_log import connect_reader, first_event_id
from flowtop.workspace.store_links import LinkedStore
from flowtop.workspace.store_reader import StoreReader


def shared_workspace(tmp_path: Path) -> Path:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    os.chmod(workspace, 0o2775)
    return workspace


def victims_store(tmp_path: Path) -> Path:
    victim = tmp_path / "home" / "mine.db"
    victim.parent.mkdir()
    History(victim).close()
    return victim


def test_the_reader_refuses_a_linked_store_itself(tmp_path: Path) -> None:
    state = shared_workspace(tmp_path) / ".flowtop"
    state.mkdir()
    victim = victims_store(tmp_path)
    (state / "history.db").symlink_to(victim)
    said = r"history\.db is a symbolic link.*: rm .*history\.db$"
    with pytest.raises(LinkedStore, match=said):
        connect_reader(state / "history.db")
    with pytest.raises(LinkedStore, match=said):
        first_event_id(state / "history.db", "run-1")
    assert sorted(p.name for p in victim.parent.iterdir()) == ["mine.db"]


@pytest.mark.parametrize("dangling", [False, True])
def test_a_linked_flowtop_is_refused(tmp_path: Path, dangling: bool) -> None:
    workspace = shared_workspace(tmp_path)
    elsewhere = tmp_path / "other"
    if not dangling:
        elsewhere.mkdir()
    (workspace / ".flowtop").symlink_to(elsewhere)
    said = r"ws/\.flowtop is a symbolic link.*shared workspace.*: rm .*ws/\.flowtop$"
    with pytest.raises(FolderError, match=said):
        open_live_history(workspace / ".flowtop")
    with pytest.raises(FolderError, match=said):
        StoreReader(workspace / ".flowtop" / "history.db").runs()
    with pytest.raises(LinkedStore, match=said):
        connect_reader(workspace / ".flowtop" / "history.db")
    assert not elsewhere.exists() or list(elsewhere.iterdir()) == []


def test_flowtop_limits_refuses_a_linked_limits_db(tmp_path: Path) -> None:
    workspace = shared_workspace(tmp_path)
    (workspace / "flowtop.toml").write_text("[concurrency]\ndatabase = 2\n")
    (workspace / "f.py").write_text("from flowtop import flow\n")
    state = workspace / ".flowtop"
    state.mkdir()
    victim = tmp_path / "home" / "limits.db"
    victim.parent.mkdir()
    SlotStore(victim)
    (state / "limits.db").symlink_to(victim)
    done = fork_cli.run(
        ["limits", str(workspace)],
        timeout=60,
    )
    assert done.returncode == 2, done.stdout
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("flowtop limits: cannot open ")
    assert "limits.db is a symbolic link" in line and line.endswith("limits.db")


def test_a_link_beside_limits_db_is_named(tmp_path: Path) -> None:
    state = shared_workspace(tmp_path) / ".flowtop"
    state.mkdir()
    wal = state / "limits.db-wal"
    wal.symlink_to(tmp_path / "nowhere")
    with pytest.raises(ValueError, match=r"limits\.db-wal is a symbolic link.*: rm "):
        SlotStore(state / "limits.db")
