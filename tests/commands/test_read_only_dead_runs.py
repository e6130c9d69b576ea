"""A store on a read-only mount: ``flowtop cancel`` of a dead run, ``flowtop run`` with -wal.

``flowtop cancel`` of a run whose process was gone, on a store nothing here could mark it
INTERRUPTED in, queued a request for nobody and failed on the mount ("the request could
not be queued … read-only file system"), exit 2, where a writable store says the run is
not running, exit 1. And a store mounted read-only with its ``-wal`` and ``-shm`` (left by
a process, or copied along) let ``flowtop run`` run its flow unrecorded, exit 1, where the
same store without them refuses the run before it starts, exit 2.

The mount is real (a read-only bind mount: as root every file is writable, not a mount);
where one cannot be made (not root, no ``mount``) those tests are skipped, and the cancel
is checked with the store's refusal stood in for, as ``tests/tui/test_dead_run_readonly``
does.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from cli_kit import flowtop
from flowtop.commands import cancel
from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace import owner_agent, reaper
from flowtop.workspace.history import History

#: A pid above any pid_max on this host: its owner cannot be alive.
DEAD_OWNER = f"{reaper._HOST}:999999999:dead"
GONE = "its process stopped before the run ended"

FLOW = """\
from flowtop import Flow, task

@task
def job():
    return 1

with Flow("etl") as flow:
    job()
"""


def dead_run(db: Path) -> str:
    """A run of ``etl`` left RUNNING by a process that is gone, its task running."""
    history = History(db)
    run_id = "deadbeef0001"
    started = RunStarted(run_id, "etl", 1, ("job",), (1,), ("",), ts=1000.0)
    step = TaskStateChanged(run_id, "etl", "job", StateType.RUNNING, 1, 1, 1001.0)
    history([started, step])
    assert history.flush()
    with closing(sqlite3.connect(db)) as raw, raw:  # as if its process had died
        raw.execute("UPDATE runs SET owner = ?, pid = NULL, heartbeat = 1002.0", (DEAD_OWNER,))
    history.close()  # (after: its close ends the runs it still owns)
    return run_id


def copy_store(db: Path, folder: Path, *, with_wal: bool) -> None:
    """``db`` copied into ``folder`` (its ``.flowtop``), as a copy of a workspace holds it:
    ``with_wal``, with the ``-wal`` and ``-shm`` a process that has it open keeps."""
    store = folder / ".flowtop"
    store.mkdir(mode=0o700)
    with closing(sqlite3.connect(db)) as holder:
        holder.execute("SELECT count(*) FROM runs").fetchone()  # makes -wal and -shm
        names = [db.name, f"{db.name}-wal", f"{db.name}-shm"] if with_wal else [db.name]
        for name in names:
            shutil.copy2(db.with_name(name), store / name)
    assert (store / f"{db.name}-wal").exists() == with_wal


@pytest.fixture
def mount(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """``(source, mounted)``: ``mounted`` shows ``source`` read-only (a bind mount)."""
    source, mounted = tmp_path / "source", tmp_path / "mounted"
    source.mkdir()
    mounted.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a read-only bind mount needs root and mount(8)")
    made = subprocess.run(["mount", "--bind", str(source), str(mounted)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {made.stderr.decode(errors='replace').strip()}")
    try:
        remounted = subprocess.run(
            ["mount", "-o", "remount,ro,bind", str(mounted)], capture_output=True
        )
        if remounted.returncode != 0 or os.access(mounted, os.W_OK):
            pytest.skip("cannot make a bind mount read-only here")
        yield source, mounted
    finally:
        subprocess.run(["umount", str(mounted)], capture_output=True, check=False)


@pytest.mark.parametrize("with_wal", [False, True], ids=["plain", "with-wal-and-shm"])
def test_a_run_on_a_read_only_mount_is_refused_with_or_without_wal(
    tmp_path: Path, mount: tuple[Path, Path], with_wal: bool
) -> None:
    source, mounted = mount
    work = tmp_path / "work"
    work.mkdir()
    (work / "etl.py").write_text(FLOW)
    first = flowtop("run", ".", cwd=work)
    assert first.returncode == 0, first.stderr
    (source / "etl.py").write_text(FLOW)
    copy_store(work / ".flowtop" / "history.db", source, with_wal=with_wal)

    done = flowtop("run", ".", "--flow", "etl", cwd=mounted)

    assert done.returncode == 2, done.stderr
    assert "COMPLETED" not in done.stdout  # not run: not run unrecorded either
    store = mounted / ".flowtop" / "history.db"
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"flowtop run: {store}: cannot use the run store (")
    assert f"is on a read-only file system (mount point {mounted})" in last
    assert last.endswith("(the run was not started; --no-history runs it without recording it)")


@pytest.mark.parametrize("with_wal", [False, True], ids=["plain", "with-wal-and-shm"])
def test_cancelling_a_dead_run_on_a_read_only_mount_says_its_process_is_gone(
    tmp_path: Path, mount: tuple[Path, Path], with_wal: bool
) -> None:
    source, mounted = mount
    work = tmp_path / "work" / ".flowtop"
    work.mkdir(parents=True, mode=0o700)
    run_id = dead_run(work / "history.db")
    copy_store(work / "history.db", source, with_wal=with_wal)
    store = mounted / ".flowtop" / "history.db"

    done = flowtop("cancel", str(mounted), run_id, cwd=tmp_path)

    assert done.returncode == 1, done.stderr  # as for any run that is not running
    assert done.stderr.strip() == (
        f"flowtop cancel: run #1 of etl ({run_id}) is not running: {GONE}, so there is "
        f"nothing to cancel; it could not be marked INTERRUPTED: {store} is read-only here, "
        f"on the read-only mount {mounted}"
    )
    writable = flowtop("cancel", str(source), run_id, cwd=tmp_path)  # marks it there
    assert writable.returncode == done.returncode, writable.stderr
    assert writable.stderr.strip().endswith(f"({run_id}) is not running (INTERRUPTED)")


def test_cancelling_a_dead_run_a_store_refuses_to_mark_queues_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without a mount: the store's refusal stood in for where the reaper writes."""
    db = tmp_path / ".flowtop" / "history.db"
    db.parent.mkdir(mode=0o700)
    run_id = dead_run(db)

    def refuse(*_: Any, **__: Any) -> sqlite3.Connection:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    # (owner_agent, imported before: imported first by the cancel below, it took the stand-in
    # as its own ``connect`` for good, and a later test's cancel could queue nothing)
    assert owner_agent.connect is reaper.connect
    monkeypatch.setattr(reaper, "connect", refuse)
    monkeypatch.setattr(reaper, "store_writable", lambda path: False)
    monkeypatch.setattr(cancel, "WAIT", 0.05)  # (before: a request queued for nobody)

    code = cancel.main(argparse.Namespace(target=[str(tmp_path), run_id], flow=None))

    assert code == 1
    said = capsys.readouterr().err.strip()
    assert said == (
        f"flowtop cancel: run #1 of etl ({run_id}) is not running: {GONE}, so there is "
        f"nothing to cancel; it could not be marked INTERRUPTED: {db} is read-only here"
    )
    with closing(sqlite3.connect(db)) as raw:
        assert raw.execute("SELECT count(*) FROM commands").fetchone() == (0,)
        assert raw.execute("SELECT state FROM runs").fetchone() == ("RUNNING",)
