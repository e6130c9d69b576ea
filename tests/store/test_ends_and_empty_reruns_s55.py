"""Two run ends every reader must tell alike: a run whose process died, and a launched
rerun that had nothing to rerun.

A run whose owner was killed (``kill -9``) and that ``flowtop watch`` found dead itself
(the store not marked yet, or not writable here) was ended at the moment the watch
noticed: ``INTERRUPTED … in 3.1s`` counted the time the watch took to look, while
``history`` (the reaper's mark) dated it by the owner's last sign of life. The monitor's
store client dated one it could not mark by the heartbeat alone, missing a task's step
logged after it. Every reader now dates it as the mark does (``reaper.last_sign_of_life``).

``flowtop run f.py --rerun-of 2`` says "Run #2 of etl has nothing to rerun" and records
nothing; with ``--detach`` (or ``f`` in the monitor) the run's number was reserved
before its process planned the rerun, and it recorded run #3 ``COMPLETED 2 completed (2
reused)``, a run that ran nothing. It now ends as a run that did not start, saying why.
"""

from __future__ import annotations

import json
import sqlite3
import textwrap
import threading
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from cli_kit import Here
from flowtop.commands import watch
from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.formats import precise_duration
from flowtop.looks import NOT_STARTED
from flowtop.workspace import Workspace, launcher, reaper
from flowtop.workspace.history import History
from flowtop.workspace.private import private_folder
from flowtop.workspace.run_log import RunInterrupted
from flowtop.workspace.store_client import StoreClient
from flowtop.workspace.store_notices import ClientEvent
from flowtop.workspace.store_reader import StoreReader

#: A pid above any pid_max on this host: its owner cannot be alive.
DEAD_OWNER = f"{reaper._HOST}:999999999:dead"
RUN = "deadbeef0001"
STARTED = 1000.0

#: (its task's last step, its owner's last heartbeat, when every reader says it ended)
LAST_SIGNS = [
    pytest.param(1001.0, 1002.0, 1002.0, id="heartbeat-last"),
    pytest.param(1003.5, 1002.0, 1003.5, id="step-after-the-last-heartbeat"),
]


def dead_run(db: Path, step_at: float, beat: float) -> None:
    """A run of ``waiting`` left RUNNING by a process that is gone, its task running since
    ``step_at``, its last heartbeat ``beat``."""
    private_folder(db.parent)
    history = History(db)
    try:
        started = RunStarted(RUN, "waiting", 1, ("waiter",), (4,), ("3× 30s",), ts=STARTED)
        step = TaskStateChanged(RUN, "waiting", "waiter", StateType.RUNNING, 1, 4, step_at)
        history([started, step])
        assert history.flush()
        with closing(sqlite3.connect(db)) as raw, raw:  # as if its process had died
            raw.execute("UPDATE runs SET owner = ?, pid = NULL, heartbeat = ?", (DEAD_OWNER, beat))
    finally:
        history.close()  # (after: its close ends the runs it still owns)


def refuse_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reaper's writes fail as SQLite fails them on a read-only store (as root every
    file is writable: the refusal is stood in for where the reaper writes)."""

    def connect(*_: Any, **__: Any) -> sqlite3.Connection:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(reaper, "connect", connect)


def marked_end(db: Path) -> float:
    """The end the reaper writes for the dead run, once the store can be written."""
    assert reaper.reap_store(db) == [RUN]
    with closing(sqlite3.connect(db)) as raw:
        state, finished = raw.execute(
            "SELECT state, finished FROM runs WHERE run_id = ?", (RUN,)
        ).fetchone()
    assert state == "INTERRUPTED"
    return float(finished)


@pytest.mark.parametrize(("step_at", "beat", "ended"), LAST_SIGNS)
@pytest.mark.parametrize("json_lines", [True, False], ids=["json", "human"])
def test_watch_dates_a_death_it_finds_itself_by_the_owners_last_sign_of_life(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    step_at: float,
    beat: float,
    ended: float,
    json_lines: bool,
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    dead_run(db, step_at, beat)
    refuse_writes(monkeypatch)  # the watch finds it dead and cannot mark it

    assert watch.follow(db, RUN, json_lines=json_lines) == 1

    last = capsys.readouterr().out.strip().splitlines()[-1]
    if json_lines:
        said = json.loads(last)
        assert said["event"] == "run_interrupted", said
        assert said["ts"] == ended, said  # not the watch's clock
    else:
        assert (
            f"waiting #1 INTERRUPTED: 1 interrupted in {precise_duration(ended - STARTED)} ("
            in (last)
        ), last
    monkeypatch.undo()
    assert marked_end(db) == ended  # what history says: the same end


@pytest.mark.parametrize(("step_at", "beat", "ended"), LAST_SIGNS)
def test_the_monitor_dates_a_death_it_cannot_mark_as_the_mark_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step_at: float, beat: float, ended: float
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    dead_run(db, step_at, beat)
    refuse_writes(monkeypatch)
    interrupted: list[RunInterrupted] = []
    came = threading.Event()

    def sink(events: Sequence[ClientEvent]) -> None:
        interrupted.extend(e for e in events if isinstance(e, RunInterrupted))
        if interrupted:
            came.set()

    client = StoreClient(db, sink)
    client.open()
    try:
        assert came.wait(20), "the dead run was never handed on ended"
    finally:
        client.close()
    (end,) = interrupted
    assert end.ts == ended  # its header's end and duration
    monkeypatch.undo()
    assert marked_end(db) == ended


def test_the_end_a_reader_dates_is_the_recorded_one_once_marked(tmp_path: Path) -> None:
    """A watch that finds the run dead as another process marks it reads that mark."""
    db = tmp_path / ".flowtop" / "history.db"
    dead_run(db, 1001.0, 1002.0)
    with closing(sqlite3.connect(db)) as raw, raw:  # marked at another end than its signs
        raw.execute("UPDATE runs SET state = 'INTERRUPTED', finished = 1009.0")
    assert reaper.end_time(db, RUN) == 1009.0
    assert reaper.end_time(db, "no-such-run") is None


def test_watch_dates_a_run_whose_row_is_gone_by_its_log_as_the_monitor_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing names its owner: its end is the newest time its log holds
    (``unread_ends``), not when the watch looked."""
    db = tmp_path / ".flowtop" / "history.db"
    history = History(db)  # its owner lives: only the row's loss ends the run
    code: list[int] = []
    try:
        started = RunStarted(RUN, "slow", 1, ("wait",), (1,), ("",), ts=STARTED)
        running = TaskStateChanged(RUN, "slow", "wait", StateType.RUNNING, 1, 1, 1001.0)
        history([started, running])
        assert history.flush()
        with closing(sqlite3.connect(db)) as raw, raw:
            raw.execute("DELETE FROM runs WHERE run_id = ?", (RUN,))
        follower = threading.Thread(
            target=lambda: code.append(watch.follow(db, RUN, json_lines=True)), daemon=True
        )
        follower.start()
        follower.join(20)
    finally:
        history.close()
    assert code == [1], "the watch did not end"
    last = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert last["event"] == "run_interrupted" and last["ts"] == 1001.0, last


ETL = """
    from flowtop import Flow, task

    @task(max_retries=0)
    def extract():
        return 1

    @task(max_retries=0)
    def load(rows):
        return rows + 1

    with Flow("etl") as flow:
        load(extract())
"""
NOTHING = "nothing to rerun: Run #1 of etl has nothing to rerun"


def test_a_launched_rerun_with_nothing_to_rerun_did_not_start(tmp_path: Path, here: Here) -> None:
    (tmp_path / "etl.py").write_text(textwrap.dedent(ETL))
    with Workspace(tmp_path) as ws:  # run #1: every task completed, its results stored
        ws.load()
        runner = ws.make_runner()
        try:
            handle = runner.start(ws.flows["etl"])
            assert handle.final_result().state is StateType.COMPLETED
            assert runner.bus.flush(timeout=10)
        finally:
            runner.shutdown(wait=True)
        assert ws.history.flush(10)
        source = ws.history.runs()[0].run_id

    # as `--detach --rerun-of 1` and the monitor's `f` launch it: reserved, then planned
    launched = launcher.launch(
        tmp_path / "etl.py",
        "etl",
        state_dir=tmp_path / ".flowtop",
        rerun_of=source,
        exclusive=True,
    )
    assert launched.process is not None
    assert launched.process.wait(timeout=60) == 0  # nothing to do is no failure

    rerun = StoreReader(tmp_path / ".flowtop" / "history.db").runs()[0]
    assert (rerun.run_id, rerun.number, rerun.rerun_of) == (launched.run_id, 2, source)
    # COMPLETED, as nothing failed (s56: it read FAILED, and `watch` exited 1)
    assert rerun.state == "COMPLETED" and not rerun.counts and rerun.tasks == 0
    assert rerun.error == {"type": NOT_STARTED, "message": NOTHING, "traceback": ""}
    assert not launched.log.exists()  # its end is recorded: its log goes, as any run's

    table = here("history", ".", cwd=tmp_path).stdout
    row = next(line for line in table.splitlines() if launched.run_id in line)
    assert "reused" not in row and f"did not start: {NOTHING}" in row
    assert row.split()[2:3] == ["COMPLETED"] and " - " in row  # TASKS: none ran
    said = here("watch", ".", launched.run_id, cwd=tmp_path)
    assert said.stdout.strip().endswith(f"etl #2 did not start: {NOTHING}"), said.stdout
    assert said.returncode == 0
    lines = here("watch", ".", launched.run_id, "--json", cwd=tmp_path).stdout.splitlines()
    end = json.loads(lines[-1])
    assert end["event"] == "run_finished" and end["error"]["message"] == NOTHING, end
    assert [json.loads(line)["event"] for line in lines] == ["run_started", "run_finished"]
