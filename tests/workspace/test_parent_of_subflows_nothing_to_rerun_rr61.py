"""A completed parent ``@flow`` whose body only calls subflows has nothing to rerun when
each subflow run completed and its code was not saved since (rv408 §5).

Such a run made no task call of its own, and ``reruns.replays_nothing`` took it for "its
body alone: a rerun runs that": every ``f`` and ``--rerun-of`` recorded the parent and
one run per subflow, each reusing every task. A parent with a task of its own said
``Run #2 of tolerant has nothing to rerun``; this one says it too now. And the key bar
said `f Run again` on it (``footer_keys.ran_no_task``), where `f` reruns only what failed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from cli_kit import flowtop, stored_runs
from flowtop.engine.states import StateType
from flowtop.tui.footer_keys import ran_no_task
from flowtop.tui.model import RunModel

INGEST = """\
from pathlib import Path

from flowtop import flow, task

HERE = Path(__file__).parent


@task(max_retries=0)
def fetch(region: str) -> int:
    if (HERE / f"down-{region}").exists():
        raise RuntimeError(f"{region} is down")
    return len(region)


@flow
def extract_region(region: str) -> int:
    return fetch(region)


@flow
def daily(regions: list[str] = ["eu", "apac"]) -> int:
    states = [extract_region(r, return_state=True) for r in regions]
    return sum(state.result() for state in states)
"""


def _rerun(folder: Path, number: int) -> str:
    done = flowtop("run", ".", "--flow", "daily", "--rerun-of", str(number), cwd=folder)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def _failed_then_fixed(folder: Path) -> None:
    """daily #1 failed (apac down), #2 reran it and completed."""
    (folder / "ingest.py").write_text(INGEST, encoding="utf-8")
    (folder / "down-apac").touch()
    flowtop("run", ".", "--flow", "daily", cwd=folder)
    (folder / "down-apac").unlink()
    _rerun(folder, 1)
    newest = next(run for run in stored_runs(folder) if run.flow == "daily")
    assert (newest.flow, newest.number, newest.state) == ("daily", 2, StateType.COMPLETED.value)


def test_a_completed_parent_of_completed_subflows_has_nothing_to_rerun(tmp_path: Path) -> None:
    _failed_then_fixed(tmp_path)
    recorded = len(stored_runs(tmp_path))
    said = _rerun(tmp_path, 2)
    assert "Run #2 of daily has nothing to rerun" in said, said
    assert len(stored_runs(tmp_path)) == recorded  # old: 3 more runs, each reusing all


def test_the_parent_reruns_once_its_code_was_saved(tmp_path: Path) -> None:
    _failed_then_fixed(tmp_path)
    later = time.time() + 5
    os.utime(tmp_path / "ingest.py", (later, later))
    said = _rerun(tmp_path, 2)
    assert "nothing to rerun" not in said, said
    newest = next(run for run in stored_runs(tmp_path) if run.flow == "daily")
    assert (newest.number, newest.rerun_of_number) == (3, 2)


def test_the_key_bar_offers_rerun_failed_on_a_parent_of_subflows() -> None:
    parent = RunModel("daily", (), run_id="p" * 12, number=1)
    parent.state = StateType.FAILED
    assert ran_no_task(parent)  # no task, no subflow: `f Run again`
    parent.children = [RunModel("extract-region", (), run_id=f"c{n}", number=n) for n in (1, 2)]
    assert not ran_no_task(parent)  # old: `f Run again`, though `f` reuses what completed
