"""What a rerun says of its source and of what it reused, in ``history``, ``run`` and the
history screen's run page.

A rerun of a rerun named its source as where a reused result came from (``history --run
3``: ``reused from run #2, attempt 1``, where run #2 made no attempt of it: #1 did); a
live rerun's counts lacked its ``(2 reused)``; ``flowtop run`` named the source by its
id (``rerun of 562e0a6f3f86``) where ``history`` says ``#1``, and its last line left
out what was reused; a ``--no-history`` rerun read as the store's run #1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_kit import Here, flowtop
from flowtop.engine.events import REUSED_FROM_SOURCE, RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.screens.run_detail import attempts_text
from flowtop.workspace.history import History
from flowtop.workspace.history_records import RunDetail, RunRecord, TaskRecord
from flowtop.workspace.reuse_origin import Origin, origins

CHAIN = """\
from pathlib import Path
from flowtop import flow, task

@task
def a() -> int:
    return 1

@task
def c(x: int) -> int:
    if not Path(__file__).with_name("ok").exists():
        raise ValueError("db down")
    return x

@flow
def chain() -> int:
    return c(a())
"""


def task_line(detail: str, task: str) -> str:
    (line,) = [line for line in detail.splitlines() if line.startswith(f"{task}  ")]
    return line


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    """``chain`` #1 failed; #2 reruns #1, #3 reruns #2 (both fail again): ``a`` was
    computed by #1 alone."""
    (tmp_path / "chain.py").write_text(CHAIN)
    for args in ([], ["--rerun-of", "1"], ["--rerun-of", "2"]):
        done = flowtop("run", "chain.py", "--quiet", *args, cwd=tmp_path)
        assert done.returncode == 1, done.stderr
    return tmp_path


def test_history_names_the_run_that_computed_a_result_reused_twice(
    chain: Path, flowtop_here: Here
) -> None:
    told = flowtop_here("history", str(chain), "--run", "3")
    assert told.returncode == 0, told.stderr
    assert task_line(told.stdout, "a") == "a  COMPLETED  reused from run #1, attempt 1"


def test_a_pruned_run_of_the_chain_is_said_pruned(chain: Path, flowtop_here: Here) -> None:
    pruned = flowtop_here("history", str(chain), "--prune", "1")
    assert pruned.returncode == 0, pruned.stderr
    told = flowtop_here("history", str(chain), "--run", "3").stdout
    assert "rerun of (pruned)" in told.splitlines()[0], told
    assert task_line(told, "a") == "a  COMPLETED  reused from a pruned run, attempt 1"


def test_run_names_its_source_by_number_and_says_what_it_reused(tmp_path: Path) -> None:
    (tmp_path / "chain.py").write_text(CHAIN)
    assert flowtop("run", "chain.py", "--quiet", cwd=tmp_path).returncode == 1
    (tmp_path / "ok").touch()
    done = flowtop("run", "chain.py", "--quiet", "--rerun-of", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    first, last = done.stdout.splitlines()[0], done.stdout.splitlines()[-1]
    assert first.endswith(" chain #2 started: tasks appear as the flow reaches them (rerun of #1)")
    assert " chain #2 COMPLETED: 2 completed (1 reused) in " in last, last


def test_watch_names_the_source_by_number(chain: Path, flowtop_here: Here) -> None:
    watched = flowtop_here("watch", str(chain), "3")
    assert "chain #3 started: tasks appear as the flow reaches them (rerun of #2)" in watched.stdout
    assert "chain #3 FAILED: 1 completed, 1 failed (1 reused) in " in watched.stdout


def test_an_unrecorded_rerun_says_it_is_no_run_of_the_store(tmp_path: Path) -> None:
    (tmp_path / "chain.py").write_text(CHAIN)
    assert flowtop("run", "chain.py", "--quiet", cwd=tmp_path).returncode == 1
    done = flowtop("run", "chain.py", "--quiet", "--rerun-of", "1", "--no-history", cwd=tmp_path)
    first = done.stdout.splitlines()[0]
    assert first.endswith("(rerun of #1) (not recorded: --no-history)"), first
    plain = flowtop("run", "chain.py", "--quiet", "--no-history", cwd=tmp_path)
    assert plain.stdout.splitlines()[0].endswith("(not recorded: --no-history)"), plain.stdout


SOURCE, RERUN = "5050505050aa", "5050505050bb"


def _step(task: str, state: StateType, *, reused: bool = False) -> TaskStateChanged:
    message = REUSED_FROM_SOURCE if reused else ""
    return TaskStateChanged(RERUN, "etl", task, state, 1, 1, 2.0, reused=reused, message=message)


@pytest.fixture
def live_rerun(tmp_path: Path) -> Iterator[Path]:
    """``etl`` #1 ended; #2, its rerun, live in this process: two tasks reused, one
    running, one pending."""
    history = History(tmp_path / ".flowtop" / "history.db")
    tasks = ("extract", "clean", "load", "report")
    plan = (tasks, (1,) * 4, ("",) * 4)
    try:
        history.sink(
            [
                RunStarted(SOURCE, "etl", 1, *plan, ts=1.0),
                RunFinished(SOURCE, "etl", 1, StateType.FAILED, {"FAILED": 4}, 0.5, ts=1.5),
                RunStarted(RERUN, "etl", 2, *plan, rerun_of=SOURCE, ts=2.0),
                _step("extract", StateType.COMPLETED, reused=True),
                _step("clean", StateType.COMPLETED, reused=True),
                _step("load", StateType.RUNNING),
            ]
        )
        assert history.flush(10)
        yield tmp_path
    finally:
        history.close()


def test_a_live_rerun_counts_its_reused_tasks(live_rerun: Path, flowtop_here: Here) -> None:
    table = flowtop_here("history", str(live_rerun)).stdout
    (row,) = [line for line in table.splitlines() if RERUN in line]
    assert "2 completed, 1 running, 1 pending (2 reused)" in row, table
    lines = flowtop_here("history", str(live_rerun), "--json").stdout.splitlines()
    (record,) = [json.loads(line) for line in lines if RERUN in line]
    assert record["reused"] == 2, record
    detail = flowtop_here("history", str(live_rerun), "--run", "2").stdout
    assert "4 tasks: 2 completed, 1 running, 1 pending (2 reused)" in detail, detail


def _detail(run_id: str, number: int, source: str | None, *tasks: TaskRecord) -> RunDetail:
    run = RunRecord(run_id, "etl", number, "FAILED", 1.0, 2.0, 1.0, source, None, {}, len(tasks))
    return RunDetail(run, tasks)


def _task(key: str, attempts: int, *, reused: bool = False, message: str = "") -> TaskRecord:
    message = message or (REUSED_FROM_SOURCE if reused else "")
    return TaskRecord(
        key, "COMPLETED", attempts, 4, "", "1", reused, message, None, None, None, None, None
    )


def test_origins_follow_the_chain_to_an_attempt_or_a_cache_entry() -> None:
    cached = "cached result of etl #1, 2026-12-04 10:54:38"
    runs = {
        "r1": _detail("r1", 1, None, _task("a", 3), _task("b", 1)),
        "r2": _detail(
            "r2", 2, "r1", _task("a", 3, reused=True), _task("b", 0, reused=True, message=cached)
        ),
        "r3": _detail("r3", 3, "r2", _task("a", 3, reused=True), _task("b", 0, reused=True)),
    }
    found = origins(runs["r3"], runs.__getitem__)
    assert found == {"a": Origin(1, 3), "b": Origin(2, 0, cached)}
    assert found["a"].said() == "reused from run #1, attempt 3"
    assert found["b"].said() == f"reused from run #2, {cached}"
    del runs["r1"]  # pruned: run_detail raises KeyError
    assert origins(runs["r3"], runs.__getitem__)["a"] == Origin(None, 3, pruned=True)


def test_the_run_page_names_the_run_that_computed_it() -> None:
    record = _task("a", 1, reused=True)
    said = attempts_text(record, origin=Origin(7, 1)).plain
    assert "Carried over from run #7 (not executed again): its attempts are there." in said
    pruned = attempts_text(record, origin=Origin(None, 1, pruned=True)).plain
    assert "Carried over from a pruned run (not executed again)." in pruned
