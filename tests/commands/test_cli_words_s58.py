"""The CLI's words for a workspace of many flows, a note it cut, and a dead run's counts.

- ``no flow named … ; flows: …`` and ``flows with runs: …`` listed every name: a
  workspace of 300 flows made one huge line. They list as the settings errors do
  (``suggest.some_of``): the closest few and how many there are.
- ``flowtop run``'s line for a task whose inputs cannot be hashed cut its note in the
  middle of its advice (``leave them out (INPUTS - 'nam…``): it is whole now.
- A dead run the store could not mark (read-only, a full disk) read INTERRUPTED with its
  tasks counted ``1 awaiting retry, 1 running`` and its attempts waiting and running:
  its counts and attempts now read as its mark will leave them, and as they read once
  it is marked.
"""

from __future__ import annotations

import argparse
import io
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.commands import history
from flowtop.commands.common import no_such_flow
from flowtop.commands.printers import HumanPrinter
from flowtop.commands.store_access import find_run
from flowtop.engine.events import ErrorInfo, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType as S
from flowtop.workspace import history as workspace_history
from flowtop.workspace import reaper
from flowtop.workspace.history import History

T0 = 1_700_000_000.0
MANY = [*(f"job_{i:03}" for i in range(299)), "etl_nightly"]


def store_of(folder: Path) -> Path:
    db = folder / ".flowtop" / "history.db"
    db.parent.mkdir(parents=True, mode=0o700)
    return db


def runs_of(db: Path, flows: list[str]) -> None:
    """One finished-looking start of each of ``flows`` (its own run #1)."""
    store = History(db)
    store(
        [RunStarted(f"run{i:08}", name, 1, (), (), (), ts=T0 + i) for i, name in enumerate(flows)]
    )
    assert store.flush()
    store.close()


def test_an_unknown_flow_lists_the_closest_few_of_many_and_how_many() -> None:
    said = no_such_flow("etl_nigthly", MANY)
    assert said == (
        "no flow named 'etl_nigthly' (did you mean 'etl_nightly'?); flows: etl_nightly, "
        "… (300 flows)"
    )
    assert len(said) < 200, said
    few = no_such_flow("etl", ["etl2", "load"])  # a few: each of them, as before
    assert few == "no flow named 'etl' (did you mean 'etl2'?); flows: etl2, load"
    assert no_such_flow("etl", []) == "no flow named 'etl'; flows: none"


def test_a_flow_without_runs_lists_the_closest_few_flows_with_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = store_of(tmp_path)
    runs_of(db, MANY)

    assert find_run(db, None, "etl_nigthly", "watch") == 2
    said = capsys.readouterr().err.strip()
    assert said.endswith(
        "(did you mean 'etl_nightly'?); flows with runs: etl_nightly, … (300 flows)"
    ), said

    listing = argparse.Namespace(
        path=str(tmp_path), run=None, flow="etl_nigthly", limit=50, json=False, prune=None
    )
    assert history.main(listing) == 2
    said = capsys.readouterr().err.strip()
    assert said.endswith(
        "(did you mean 'etl_nightly'?); flows with runs: etl_nightly, … (300 flows)"
    ), said


def test_a_note_that_cannot_be_hashed_is_whole_on_the_run_s_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    note = (
        "not cached: no cache key (the task's inputs cannot be hashed for its cache key (a "
        "lock, a file handle, another system resource?): leave them out (INPUTS - 'name'), "
        "give a cache_key_fn, or cache_policy=NO_CACHE)"
    )
    out = io.StringIO()
    printer = HumanPrinter(out, live=False)
    done = TaskStateChanged("r1", "ck", "unpick", S.COMPLETED, 1, 1, T0, result="1", message=note)
    printer([RunStarted("r1", "ck", 1, ("unpick",), (1,), ("",), ts=T0), done])
    (line,) = [line for line in out.getvalue().splitlines() if "unpick" in line]
    assert line.endswith(f"✓ completed (attempt 1/1) ({note}) → 1"), line


def dead_run(db: Path) -> str:
    """A run whose process is gone: ``a`` waiting to retry, ``b`` running, ``c``
    completed, ``d`` not reached."""
    store = History(db)
    run_id = "deadbeef0001"
    boom = ErrorInfo("ValueError", "boom", "")
    step = TaskStateChanged
    store(
        [
            RunStarted(run_id, "etl", 1, ("a", "b", "c", "d"), (3, 1, 1, 1), ("",) * 4, ts=T0),
            step(run_id, "etl", "a", S.RUNNING, 1, 3, T0 + 1),
            step(run_id, "etl", "a", S.AWAITING_RETRY, 1, 3, T0 + 2, 60.0, error=boom, duration=1),
            step(run_id, "etl", "b", S.RUNNING, 1, 1, T0 + 1),
            step(run_id, "etl", "c", S.RUNNING, 1, 1, T0 + 1),
            step(run_id, "etl", "c", S.COMPLETED, 1, 1, T0 + 1.5, result="1", duration=0.5),
        ]
    )
    assert store.flush()
    dead = f"{reaper._HOST}:999999999:dead"  # a pid above any pid_max: not alive
    with closing(sqlite3.connect(db)) as raw, raw:  # as if its process had died
        raw.execute("UPDATE runs SET owner = ?, pid = NULL, heartbeat = ?", (dead, T0 + 3))
    store.close()  # (after: its close ends the runs it still owns)
    return run_id


def read(folder: Path, run: str | None, capsys: pytest.CaptureFixture[str]) -> list[dict]:
    """``flowtop history --json`` of ``folder`` (``--run run``), its records without notes."""
    args = argparse.Namespace(path=str(folder), run=run, flow=None, limit=50, json=True, prune=None)
    assert history.main(args) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return [{k: v for k, v in r.items() if k != "note"} for r in records]


def test_a_dead_run_the_store_cannot_mark_counts_its_tasks_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id = dead_run(store_of(tmp_path))
    reap_store = workspace_history.reap_store
    monkeypatch.setattr(workspace_history, "reap_store", lambda db: [])  # marks nothing

    (listed,) = read(tmp_path, None, capsys)
    assert listed["state"] == "INTERRUPTED"
    assert listed["counts"] == {"COMPLETED": 1, "INTERRUPTED": 3}, listed
    unmarked = read(tmp_path, run_id, capsys)
    tasks = {r["task"]: r for r in unmarked if r["record"] == "task"}
    assert {k: t["state"] for k, t in tasks.items()} == {
        "a": "INTERRUPTED",
        "b": "INTERRUPTED",
        "c": "COMPLETED",
        "d": "INTERRUPTED",
    }
    assert [a["state"] for a in tasks["a"]["attempts"]] == ["INTERRUPTED"]  # its wait
    assert tasks["b"]["attempts"][0]["state"] == "INTERRUPTED"
    assert tasks["b"]["attempts"][0]["duration"] == 2.0  # up to its last sign of life
    assert tasks["d"]["message"] == "its process stopped before the run ended"  # no "(not marked"
    text = argparse.Namespace(
        path=str(tmp_path), run=run_id, flow=None, limit=50, json=False, prune=None
    )
    assert history.main(text) == 0
    shown = capsys.readouterr().out
    assert "waiting to retry" not in shown and "RUNNING" not in shown, shown
    assert "1 completed, 3 interrupted" in shown, shown

    monkeypatch.setattr(workspace_history, "reap_store", reap_store)  # marked now
    assert read(tmp_path, None, capsys) == [listed]
    assert read(tmp_path, run_id, capsys) == unmarked  # as the mark leaves it
