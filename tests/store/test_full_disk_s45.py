"""A disk that fills up loses no more of a run than it must, and starts no run unseen.

A first batch of events holding a megabyte of output never fit, and recording never
resumed: the heartbeats grew the write-ahead log (nothing checkpoints it while a run is
live) until not even the run's steps fitted at close, and a run that ended FAILED read
INTERRUPTED. ``--detach`` on a full disk ran a run no client could see; and a TUI left
open on a moved workspace made the old folder again, with a new store.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from flow_texts import QUICK
from flowtop.engine.events import RunFinished, RunStarted, TaskOutput, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace import closing_writes, history_fold, launcher
from flowtop.workspace import history as history_module
from flowtop.workspace.history import History
from flowtop.workspace.private import FolderError, private_folder
from flowtop.workspace.store_reader import StoreReader

from .conftest import env, wait_until
from .test_disk_full import private_tmpfs

S = StateType
RUN = "f1111d15c045"
BIG = "spam\n" * 2000


def step(task: str, state: StateType, ts: float, output: str = "") -> TaskStateChanged:
    return TaskStateChanged(RUN, "noisy", task, state, 1, 1, ts, output=output, duration=1.0)


START = RunStarted(RUN, "noisy", 1, ("a", "b", "c"), (1, 1, 1), ("", "", ""), ts=1000.0)
END = RunFinished(RUN, "noisy", 1, S.FAILED, {"COMPLETED": 2, "FAILED": 1}, 9.0, ts=1009.0)


def refuse_big_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Writes holding ``BIG`` output fail as on a full disk; what has none fits."""
    apply = history_fold.apply

    def refusing(conn: sqlite3.Connection, events: Any, *args: Any) -> Any:
        events = list(events)
        if any(BIG in (getattr(e, "output", "") or getattr(e, "text", "")) for e in events):
            raise sqlite3.OperationalError("database or disk is full")
        return apply(conn, events, *args)

    monkeypatch.setattr(history_fold, "apply", refusing)


def test_a_full_disk_mid_run_records_the_steps_without_output_and_recording_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    monkeypatch.setattr(closing_writes, "KEEP_OUTPUT_FOR", 0.0, raising=False)  # shed at once
    history = History(db, write_interval=0.01)
    try:
        history([START, *(step(t, S.RUNNING, 1000) for t in "abc")])
        assert history.flush()
        refuse_big_output(monkeypatch)
        history([TaskOutput(RUN, "noisy", "a", 1, BIG, 1000.5), step("a", S.COMPLETED, 1001, BIG)])
        assert history.flush()  # the run's record goes on while it runs
        detail = StoreReader(db).run_detail(RUN)
        assert detail is not None and detail.run.state == "RUNNING"
        (a,) = [t for t in detail.tasks if t.task == "a"]
        assert a.state == "COMPLETED"
        said = f"[not recorded: the disk of {db.parent} was full]"
        assert a.attempt_records[0].output == said
        note = f"the disk of {db.parent} was full while it ran: the output of 1 of its events"
        assert detail.run.note == f"{note} is not recorded"
        history([step("b", S.COMPLETED, 1002, "fits\n")])  # room again: output and all
        assert history.flush()
        history([step("c", S.FAILED, 1003, BIG), END])  # full again: one note, the total
        assert history.flush()
    finally:
        history.close()
    detail = StoreReader(db).run_detail(RUN)
    assert detail is not None
    assert (detail.run.state, detail.run.counts) == ("FAILED", {"COMPLETED": 2, "FAILED": 1})
    outputs = {t.task: t.attempt_records[0].output for t in detail.tasks}
    assert outputs == {"a": said, "b": "fits\n", "c": said}
    assert (
        detail.run.note
        == f"the disk of {db.parent} was full while it ran: the output of 2 of its events is not recorded"
    )
    assert history.lost == 0


@contextlib.contextmanager
def small_disk(where: Path) -> Iterator[Path]:
    """A 1 MB tmpfs mounted at ``where``, for this process; skips where that is not
    allowed (not root, no mount)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a small tmpfs: a real full disk")
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(where)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(folder: Path, leave: int) -> None:
    """Fill the file system of ``folder`` until about ``leave`` bytes are free."""
    with open(folder / "filler", "wb") as out, contextlib.suppress(OSError):
        while (free := shutil.disk_usage(folder).free) > leave:
            out.write(os.urandom(min(64 * 1024, free - leave)))
            out.flush()


def beat_until_full(db: Path, run_id: str) -> int:
    """The owner's heartbeats, until the disk takes no more: each appends to the
    write-ahead log, which nothing checkpoints while the run is live."""
    conn = sqlite3.connect(db, isolation_level=None)
    beats = 0
    try:
        while beats < 10_000:
            try:
                conn.execute("UPDATE runs SET heartbeat = ? WHERE run_id = ?", (beats, run_id))
            except sqlite3.OperationalError as exc:
                if "full" not in str(exc):
                    raise
                break
            beats += 1
    finally:
        conn.close()
    return beats


def test_heartbeats_that_filled_the_disk_do_not_cost_the_run_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run ended FAILED and read INTERRUPTED "1 completed, 3 interrupted": nothing
    folded the write-ahead log in while the run was live, and the heartbeats filled the
    disk with it. Folded in now and then, and when a write fails, it gives its room back
    for the steps, without their output."""
    monkeypatch.setattr(history_module, "LIVE_CHECKPOINT", 0.05, raising=False)
    with small_disk(tmp_path / "small") as disk:
        db = disk / ".flowtop" / "history.db"
        history = History(db, write_interval=0.01)
        try:
            history([START, *(step(t, S.RUNNING, 1000) for t in "abc")])
            assert history.flush()
            wait_until(lambda: history._unchecked == 0, "a checkpoint while the run is live", 5)
            fill(disk, leave=96 * 1024)
            assert beat_until_full(db, RUN) > 3
            noise = os.urandom(600 * 1024).hex()  # more than the disk had ever: never fits
            history(
                [
                    step("a", S.COMPLETED, 1001, noise),
                    step("b", S.COMPLETED, 1002),
                    step("c", S.FAILED, 1003),
                    END,
                ]
            )
        finally:
            history.close()
        detail = StoreReader(db).run_detail(RUN)
        assert detail is not None
        assert (detail.run.state, detail.run.counts) == ("FAILED", {"COMPLETED": 2, "FAILED": 1})
        assert detail.run.note == (
            f"recording stopped: the disk of {db.parent} was full: "
            "the output of its last 1 events is not recorded"
        )
        assert history.lost == 0
        assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0


#: Another flowtop window reading the store (the TUI): its -wal and -shm stay while it
#: lives, so a write is what a full disk refuses, not the store's opening.
READER = """
import sqlite3, sys, time
conn = sqlite3.connect(".flowtop/history.db")
conn.execute("SELECT count(*) FROM runs").fetchall()
print("open", flush=True)
time.sleep(60)
"""


def on_full_disk(tmp_path: Path, then: str, *, reader: bool) -> subprocess.CompletedProcess[str]:
    """``flowtop run quick.py`` once on a 1 MB file system, which is then filled up
    (``reader``: with another process reading the store), and ``then`` run there."""
    prefix = private_tmpfs()
    workspace = tmp_path / "small"
    workspace.mkdir()
    (tmp_path / "quick.py").write_text(QUICK)
    (tmp_path / "reader.py").write_text(READER)
    python = f'"{sys.executable}"'
    held = tmp_path / "held"  # (says "open" once the reader has the store open)
    hold = (
        f'{python} "{tmp_path}/reader.py" > "{held}" & until [ -s "{held}" ]; do sleep 0.05; done; '
        if reader
        else ""
    )
    script = (
        f'mount -t tmpfs -o size=1m tmpfs "{workspace}" && cp "{tmp_path}/quick.py" "{workspace}" '
        f'&& cd "{workspace}" && {python} -m flowtop run quick.py >/dev/null 2>&1; '
        f"{hold}"
        "head -c 2000000 /dev/urandom > filler 2>/dev/null; "
        f"{then.replace('flowtop ', f'{python} -m flowtop ')}; " + ("kill $!" if reader else "true")
    )
    return subprocess.run([*prefix, script], capture_output=True, text=True, env=env(), timeout=60)


def test_detach_on_a_full_disk_refuses_the_run_it_could_not_record(tmp_path: Path) -> None:
    """It said "could not record launched run", exited 0 with a run id, and the run went
    on unseen: ``watch ID`` said "no run with id"."""
    done = on_full_disk(
        tmp_path,
        "flowtop run quick.py --detach; echo exit=$?; ls .flowtop/logs 2>/dev/null | wc -l",
        reader=True,
    )
    *printed, code, logs = done.stdout.split()
    assert (printed, code, logs) == ([], "exit=2", "0"), done.stderr  # no run id, no run
    (line,) = done.stderr.strip().splitlines()
    store = tmp_path / "small" / ".flowtop" / "history.db"
    assert line.startswith(f"flowtop run: quick was not started: {store}: cannot record the run ")
    assert "is full" in line and "would go unseen" in line


@pytest.mark.parametrize("detach", [True, False], ids=["detach", "foreground"])
def test_a_closed_store_on_a_full_disk_is_said_to_be_full(tmp_path: Path, detach: bool) -> None:
    """A store no process has open has no -shm: SQLite cannot make one on a full disk and
    says "disk I/O error", which read as "the file system could not read or write it"."""
    flags = " --detach" if detach else ""
    done = on_full_disk(tmp_path, f"flowtop run quick.py{flags}; echo exit=$?", reader=False)
    assert done.stdout.split() == ["exit=2"], done.stderr
    (line,) = done.stderr.strip().splitlines()
    store = tmp_path / "small" / ".flowtop"
    assert f"the disk of {store} is full: free some space" in line, line


def test_a_store_that_cannot_be_written_starts_no_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without root: the record's write fails as on a full disk; no process starts."""
    state = tmp_path / ".flowtop"
    History(state / "history.db").close()

    def full(*_: object, **__: object) -> int:
        raise sqlite3.OperationalError("database or disk is full")

    started: list[object] = []
    monkeypatch.setattr(launcher, "record_run", full)
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: started.append(a))
    with pytest.raises(launcher.NotRecorded, match="would go unseen") as refused:
        launcher.launch(tmp_path / "quick.py", "quick", state_dir=state)
    assert isinstance(refused.value, OSError)  # the TUI: "Could not start the run: …"
    assert started == [] and not any((state / launcher.LOGS).glob("*"))
    assert StoreReader(state / "history.db").runs() == []


def test_a_workspace_folder_that_is_gone_is_not_made_again(tmp_path: Path) -> None:
    """A TUI open on a workspace that was moved: `r` made the old folder again, with a
    new store and a run #1 INTERRUPTED."""
    workspace = tmp_path / "ws"
    workspace.mkdir()
    private_folder(workspace / ".flowtop")
    workspace.rename(tmp_path / "moved-away")
    with pytest.raises(FolderError, match="is gone") as refused:
        private_folder(workspace / ".flowtop")
    assert str(refused.value) == f"the workspace folder {workspace} is gone (moved or deleted)"
    assert not workspace.exists()
    # a folder this process never worked in is made, as for a store opened by its path
    assert private_folder(tmp_path / "new" / ".flowtop").is_dir()


def with_store_client(tmp_path: Path, check: Callable[[Exception], None]) -> None:
    """``r`` in a TUI whose workspace was moved away: its launch fails, saying so."""
    from flowtop.workspace.store_client import StoreClient

    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "quick.py").write_text(QUICK)
    db = workspace / ".flowtop" / "history.db"
    client = StoreClient(db, lambda events: None)
    workspace.rename(tmp_path / "ws-moved")
    try:
        client.start(workspace / "quick.py", "quick")
    except Exception as exc:  # noqa: BLE001 - what the TUI would show
        check(exc)
    else:
        raise AssertionError("a run was started in a folder that is gone")
    finally:
        client.close()
    assert not workspace.exists()


def test_r_in_a_moved_workspace_says_the_folder_is_gone(tmp_path: Path) -> None:
    def said(exc: Exception) -> None:
        assert isinstance(exc, OSError)  # "Could not start the run: …"
        assert "is gone" in str(exc)

    with_store_client(tmp_path, said)
