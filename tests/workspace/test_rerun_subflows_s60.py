"""A rerun of a ``@flow`` whose body calls only subflows (no task of its own) reruns the
run named, with that run's parameters.

Such a run has no task row, as a rerun that did not start has none; it was taken for one
and "stood for its source": ``--rerun-of 2`` of ``parent`` (run with ``regions=["us",
"bad"]``) said ``(rerun of #1)`` and ran #1's ``regions=["eu", "bad"]`` (rv403 §1). Its
body ran (it raised, it printed, it called subflows): it is its own source. A rerun that
did not start still stands for its source (``reruns.not_started``).
"""

from __future__ import annotations

import time
from pathlib import Path

from cli_kit import flowtop, stored_runs
from flowtop.engine.events import ErrorInfo, RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.looks import NOT_STARTED
from flowtop.tui.footer_keys import stands_for_source
from flowtop.tui.model import RunModel
from flowtop.workspace.history import History
from flowtop.workspace.history_records import RunRecord

PARENT = """
import os
from flowtop import flow, task


@task
def prep(region):
    return region.upper()


@task
def step(region):
    if region == "bad" and not os.environ.get("FIXED"):
        raise ValueError("bad region")
    return region


@flow
def child(region: str) -> str:
    prep(region)
    return step(region)


@flow
def parent(regions: list[str] = ["eu", "bad"]) -> list:
    return [child(r) for r in regions]
"""


def _run(folder: Path, *args: str, fixed: bool = False) -> str:
    env = {"NO_COLOR": "1", "PYTHONUNBUFFERED": "1", **({"FIXED": "1"} if fixed else {})}
    done = flowtop("run", "parent.py", *args, cwd=folder, env=env)
    return done.stdout + done.stderr


def _newest(folder: Path, flow: str) -> RunRecord:
    return next(run for run in stored_runs(folder) if run.flow == flow)


def test_rerun_of_a_parent_of_subflows_reruns_that_run(tmp_path: Path) -> None:
    (tmp_path / "parent.py").write_text(PARENT)
    _run(tmp_path, "--flow", "parent")  # #1: eu, bad
    said = _run(tmp_path, "--flow", "parent", "--rerun-of", "1", "-p", 'regions=["us", "bad"]')
    assert "parent #2 started with regions=" in said, said
    said = _run(tmp_path, "--flow", "parent", "--rerun-of", "2")
    assert "parent #3 started with regions=" in said and "(rerun of #2)" in said, said
    assert 'child #5 started with region="us"' in said, said
    rerun = _newest(tmp_path, "parent")
    assert (rerun.number, rerun.rerun_of_number) == (3, 2)
    assert rerun.parameters == {"regions": ["us", "bad"]}


def test_a_subflows_own_rerun_reuses_what_it_completed(tmp_path: Path) -> None:
    (tmp_path / "parent.py").write_text(PARENT)
    _run(tmp_path, "--flow", "parent")  # child #2 (bad): prep completed, step failed
    failed = _newest(tmp_path, "child")
    assert (failed.number, failed.state) == (2, StateType.FAILED.value)
    said = _run(tmp_path, "--flow", "child", "--rerun-of", "2", fixed=True)
    assert "(rerun of #2)" in said, said
    rerun = _newest(tmp_path, "child")
    assert rerun.state == StateType.COMPLETED.value, said
    assert (rerun.rerun_of_number, rerun.reused, rerun.parameters) == (2, 1, {"region": "bad"})


def test_a_rerun_that_did_not_start_still_stands_for_its_source(tmp_path: Path) -> None:
    (tmp_path / "parent.py").write_text(PARENT)
    _run(tmp_path, "--flow", "parent")  # #1
    _run(tmp_path, "--flow", "parent", "--rerun-of", "1", "-p", 'regions=["us", "bad"]')  # #2
    _not_started_rerun(tmp_path, _newest(tmp_path, "parent").run_id)  # #3
    said = _run(tmp_path, "--flow", "parent", "--rerun-of", "3")
    assert "parent #4 started with regions=" in said and "(rerun of #2)" in said, said
    assert _newest(tmp_path, "parent").parameters == {"regions": ["us", "bad"]}


def _not_started_rerun(folder: Path, source: str) -> None:
    """Record a rerun of ``source`` that did not start (its file failed to import), as a
    launched run's ``run_start.Reservation`` records it."""
    with History(folder / ".flowtop" / "history.db") as history:
        run_id, now = "c" * 12, time.time()
        number = history.next_number("parent", run_id)
        error = ErrorInfo(NOT_STARTED, "parent.py failed to import", "")
        history(
            [
                RunStarted(run_id, "parent", number, (), (), (), source, ts=now),
                RunFinished(
                    run_id, "parent", number, StateType.FAILED, {}, 0.0, ts=now, error=error
                ),
            ]
        )
        assert history.flush(10)


def _ended(*, error: ErrorInfo | None = None, subflows: tuple[str, ...] = ()) -> RunModel:
    run = RunModel("parent", (), run_id="b" * 12, number=2, rerun_of="a" * 12)
    run.state = StateType.FAILED
    run.error = error
    run.children = [RunModel(label, (), run_id=label, number=1) for label in subflows]
    return run


def test_the_key_bar_takes_a_parent_whose_body_ran_for_itself() -> None:
    assert not stands_for_source(_ended(error=ErrorInfo("ValueError", "bad region", "")))
    assert not stands_for_source(_ended(subflows=("child #3",)))
    assert stands_for_source(_ended(error=ErrorInfo(NOT_STARTED, "no flow", "")))
    assert stands_for_source(_ended())  # cancelled while its file imported
