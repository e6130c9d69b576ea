"""Runs that did not really start, or ended oddly, read the same in every reader.

- A launched rerun with nothing to rerun (``--detach --rerun-of 1`` of a completed run)
  was recorded FAILED: ``watch`` exited 1 on the README's ``--detach`` and ``watch``
  pattern, the monitor showed the flow ✗ and offered ``f``, and each ``f`` recorded one
  more such run. It is COMPLETED now, TASKS ``-``, and ``f`` on it says there is nothing
  to rerun, as on any completed run.
- A run whose process died importing its flow file read ``0 tasks`` and the import's
  time as its duration in ``history`` (378 ms), where the monitor said 0s: TASKS ``-``
  and 0s now, in the list, ``--run`` and ``--json``, marked or not.
- A task's ``os._exit(0)`` right after another task completed lost the whole run: the
  store held its reservation alone (``ended before any task was recorded as started``)
  and ``flowtop run`` printed nothing. What the run did reaches the store and the
  terminal first now (``last_words``), and ``f`` reuses the completed task.
- ``history --prune 1 --flow slow`` said it kept the newest run ``of each flow``.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from cli_kit import Here
from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.workspace import reaper
from flowtop.workspace.history import History
from flowtop.workspace.private import private_folder
from pilot_kit import toasts_said, wait_for

from .conftest import ETL, flowtop, json_lines, wait_until
from .test_store_cli import runs
from .test_tui_client import client_app, latest_state

#: A pid above any pid_max on this host: its owner cannot be alive.
DEAD_OWNER = f"{reaper._HOST}:999999999:dead"
RUN = "5ca1ab1e0001"


def rerun_with_nothing_to_rerun(folder: Path) -> str:
    """Run #1 of ``etl``, completed, then ``--detach --rerun-of 1``: the rerun's id."""
    (folder / "ok").touch()
    assert flowtop("run", ".", "--quiet", cwd=folder).returncode == 0
    launched = flowtop("run", ".", "--flow", "etl", "--rerun-of", "1", "--detach", cwd=folder)
    assert launched.returncode == 0, launched.stderr
    return launched.stdout.strip()


def test_a_detached_rerun_with_nothing_to_rerun_is_completed_and_watch_exits_0(
    ws: Any, here: Here
) -> None:
    folder = ws(etl=ETL)
    run_id = rerun_with_nothing_to_rerun(folder)
    watched = flowtop("watch", ".", run_id, cwd=folder)
    assert watched.returncode == 0, watched.stdout  # was 1: FAILED
    assert "etl #2 did not start: nothing to rerun: Run #1 of etl" in watched.stdout
    (row,) = [
        line for line in here("history", ".", cwd=folder).stdout.splitlines() if run_id in line
    ]
    assert row.split()[:3] == ["etl", "2", "COMPLETED"] and "  -  " in row, row
    detail = here("history", ".", "--run", run_id, cwd=folder).stdout.splitlines()
    assert detail[1] == f"run id {run_id}", detail  # not `· 0 tasks`
    assert (folder / "extract-count").read_text() == "1"  # it ran nothing


async def test_the_monitor_offers_no_f_on_it_and_f_records_no_more_runs(ws: Any) -> None:
    folder = ws(etl=ETL)
    rerun_with_nothing_to_rerun(folder)
    wait_until(lambda: not runs(folder, "RUNNING"), "the rerun to end")
    async with client_app(folder, "etl") as (app, pilot):
        await wait_for(pilot, lambda: "run #2" in str(app.header.render()), "run #2 shown")
        assert latest_state(app, "etl") is StateType.COMPLETED  # the flows list's ✓, not ✗
        await wait_for(pilot, lambda: "rerun_failed" in app.footer_hidden_actions(), "`f` left out")
        with toasts_said(app) as said:
            await pilot.press("f")
            await wait_for(pilot, lambda: said, "what `f` says")
        assert said == ["Run #1 of etl has nothing to rerun"], said
    assert [r.number for r in runs(folder)] == [2, 1]  # `f` added a FAILED run each time


def reserved_run(db: Path, *, beat_after: float) -> float:
    """A launched run reserved in the store whose process died importing its flow file
    ``beat_after`` seconds into the import (its last heartbeat): nothing logged. Its start."""
    private_folder(db.parent)
    history = History(db)
    try:
        history.next_number("exits", RUN)
    finally:
        history.close()  # (its close would end the run it owns: handed to a dead owner)
    with closing(sqlite3.connect(db)) as raw, raw:
        started = float(raw.execute("SELECT started FROM runs").fetchone()[0])
        raw.execute(
            "UPDATE runs SET state = 'RUNNING', owner = ?, pid = NULL, heartbeat = ?, "
            "finished = NULL, note = ''",
            (DEAD_OWNER, started + beat_after),
        )
        raw.execute("DELETE FROM events")
    return started


def refuse_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reaper's writes fail, as on a read-only store (as root every file is writable)."""

    def connect(*_: Any, **__: Any) -> sqlite3.Connection:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(reaper, "connect", connect)


@pytest.mark.parametrize("marked", [True, False], ids=["marked", "read-only"])
def test_a_run_that_died_importing_reads_no_tasks_and_0s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, here: Here, marked: bool
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    reserved_run(db, beat_after=0.4)
    if not marked:
        refuse_writes(monkeypatch)
    (record,) = json_lines(here("history", ".", "--json", cwd=tmp_path).stdout)
    assert record["state"] == "INTERRUPTED" and record["duration"] == 0.0, record  # was 0.4
    assert "ended before any task was recorded as started" in record["note"]
    table = here("history", ".", cwd=tmp_path).stdout.splitlines()
    assert table[1].split()[5:7] == ["0s", "-"], table  # DURATION, TASKS (was 400ms, 0 tasks)
    detail = here("history", ".", "--run", RUN, cwd=tmp_path).stdout.splitlines()
    assert "duration 0s" in detail[0] and detail[1] == f"run id {RUN}", detail


def test_a_flow_that_started_no_task_still_reads_0_tasks(tmp_path: Path, here: Here) -> None:
    """A run whose start was logged did start: a ``@flow`` that called no task."""
    db = tmp_path / ".flowtop" / "history.db"
    private_folder(db.parent)
    with History(db) as history:
        history.next_number("quiet", RUN)
        history(
            [
                RunStarted(RUN, "quiet", 1, (), (), (), ts=1000.0),
                RunFinished(RUN, "quiet", 1, StateType.COMPLETED, {}, 0.5, ts=1000.5),
            ]
        )
    table = here("history", ".", cwd=tmp_path).stdout.splitlines()
    assert "0 tasks" in table[1], table


SELFEXIT = """
    import os
    from pathlib import Path
    from flowtop import Flow, task

    HERE = Path(__file__).parent

    @task
    def extract():
        count = HERE / "extract-count"
        count.write_text(str(int(count.read_text()) + 1 if count.exists() else 1))
        return 1

    @task(max_retries=2, retry_delay=0.1)
    def load(x):
        if not (HERE / "ok").exists():
            os._exit(0)
        return x

    with Flow("selfexit") as flow:
        load(extract())
"""


def test_os_exit_in_a_task_keeps_what_the_run_did_and_f_reuses_it(ws: Any, here: Here) -> None:
    folder = ws(selfexit=SELFEXIT)
    ran = flowtop("run", ".", cwd=folder)
    assert ran.returncode == 0  # the status os._exit gives
    assert "selfexit #1 started: 2 tasks" in ran.stdout, ran.stdout  # was: nothing at all
    assert "selfexit/extract ✓ completed" in ran.stdout, ran.stdout
    reaper.reap_store(folder / ".flowtop" / "history.db")  # its process is gone
    (run,) = runs(folder)
    assert run.state == "INTERRUPTED" and run.counts == {"COMPLETED": 1, "INTERRUPTED": 1}, run
    assert "ended before any task" not in run.note, run.note
    (folder / "ok").touch()
    rerun = flowtop("run", ".", "--rerun-of", "1", "--json", cwd=folder)
    assert rerun.returncode == 0, rerun.stderr
    reused = [e for e in json_lines(rerun.stdout) if e.get("reused")]
    assert [e["task"] for e in reused] == ["extract"], rerun.stdout
    assert (folder / "extract-count").read_text() == "1"


def stored_run(history: History, flow: str, number: int) -> None:
    run_id = f"{flow}{number:04d}"
    history.next_number(flow, run_id)
    history(
        [
            RunStarted(run_id, flow, number, (), (), (), ts=1000.0 + number),
            RunFinished(run_id, flow, number, StateType.COMPLETED, {}, 0.1, ts=1000.1 + number),
        ]
    )


def test_a_prune_of_one_flow_says_it_kept_that_flows_runs(tmp_path: Path, here: Here) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    private_folder(db.parent)
    with History(db) as history:
        for flow in ("slow", "fast"):
            for number in (1, 2, 3):
                stored_run(history, flow, number)
    said = here("history", ".", "--prune", "1", "--flow", "slow", cwd=tmp_path)
    assert said.stdout.startswith("Removed 2 runs; kept the newest 1 of slow."), said.stdout
    said = here("history", ".", "--prune", "1", cwd=tmp_path)
    assert said.stdout.startswith("Removed 2 runs; kept the newest 1 of each flow."), said.stdout
