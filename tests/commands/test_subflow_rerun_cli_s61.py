"""``flowtop run --rerun-of`` of a parent ``@flow`` reruns the subflow runs its source called.

A parent whose body called ``extract_region`` for three regions, one of which failed,
ran all three again on ``--rerun-of`` (and on the monitor's ``f``, which starts the
same run process as ``--detach --rerun-of``): only a subflow's own rerun reused what
it completed. Now each subflow call is a rerun of the source's matching subflow run,
linked to it (``RERUN OF``), its completed tasks reused. A file per call of ``fetch``
proves "not executed again".
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from cli_kit import flowtop, stored_runs, wait_for_runs
from flowtop.workspace.history_records import RunRecord

INGEST = """\
from pathlib import Path

from flowtop import flow, task

HERE = Path(__file__).parent


@task(max_retries=0)
def fetch(region: str) -> int:
    with (HERE / f"called-{region}").open("a") as calls:
        calls.write("x")
    if (HERE / f"down-{region}").exists():
        raise RuntimeError(f"{region} is down")
    return len(region)


@flow
def extract_region(region: str) -> int:
    return fetch(region)


@task
def prep() -> int:
    return 0


@flow
def daily(regions: list[str] = ["eu", "usa", "apac"]) -> int:
    states = [extract_region(r, return_state=True) for r in regions]
    return sum(state.result() for state in states)


@flow
def tolerant() -> bool:  # handles its subflow's failure: it completes
    prep()
    return extract_region("apac", return_state=True).is_completed()
"""


def _calls(folder: Path) -> dict[str, int]:
    return {path.name[7:]: len(path.read_text()) for path in folder.glob("called-*")}


def _of(folder: Path, flow: str) -> list[RunRecord]:
    """``flow``'s runs, oldest first."""
    return sorted((r for r in stored_runs(folder) if r.flow == flow), key=lambda r: r.number)


def test_rerun_of_a_parent_reruns_only_the_failed_subflows_failed_task(tmp_path: Path) -> None:
    (tmp_path / "ingest.py").write_text(INGEST)
    (tmp_path / "down-apac").touch()
    first = flowtop("run", ".", "--flow", "daily", cwd=tmp_path)
    assert first.returncode == 1, first.stdout + first.stderr
    (tmp_path / "down-apac").unlink()

    again = flowtop("run", ".", "--flow", "daily", "--rerun-of", "1", cwd=tmp_path)
    said = again.stdout + again.stderr
    assert again.returncode == 0, said
    assert _calls(tmp_path) == {"eu": 1, "usa": 1, "apac": 2}, said
    assert "extract-region #4 COMPLETED: 1 completed (1 reused)" in said, said
    assert "extract-region #6 COMPLETED: 1 completed in" in said, said  # apac's ran
    assert "daily #2 COMPLETED" in said, said
    # each subflow run names its source by number, as history does (not by its id)
    assert 'region="apac": tasks appear as the flow reaches them (rerun of #3)' in said, said
    runs = _of(tmp_path, "extract-region")
    assert [(r.number, r.rerun_of_number, r.reused) for r in runs[3:]] == [
        (4, 1, 1),
        (5, 2, 1),
        (6, 3, 0),
    ]
    assert {r.parent_number for r in runs[3:]} == {2}

    # the monitor's ``f`` starts this same run process: its rerun reruns them the same way
    # (#2 and its subflow runs all completed: with its file as it ran, nothing to rerun)
    later = time.time() + 5
    os.utime(tmp_path / "ingest.py", (later, later))
    launched = flowtop("run", ".", "--flow", "daily", "--rerun-of", "2", "--detach", cwd=tmp_path)
    assert launched.returncode == 0, launched.stderr
    wait_for_runs(tmp_path, lambda runs: any(r.flow == "daily" and r.number == 3 for r in runs))
    wait_for_runs(tmp_path, lambda runs: all(r.state != "RUNNING" for r in runs))
    assert _calls(tmp_path) == {"eu": 1, "usa": 1, "apac": 2}
    newest = _of(tmp_path, "extract-region")[6:]
    assert [(r.rerun_of_number, r.reused, r.state) for r in newest] == [
        (4, 1, "COMPLETED"),
        (5, 1, "COMPLETED"),
        (6, 1, "COMPLETED"),
    ]


def test_a_parent_that_handled_a_failed_subflow_has_something_to_rerun(tmp_path: Path) -> None:
    """Its own tasks all completed, its run too: the failed subflow is what reruns (it
    said ``Run #1 of tolerant has nothing to rerun``)."""
    (tmp_path / "ingest.py").write_text(INGEST)
    (tmp_path / "down-apac").touch()
    first = flowtop("run", ".", "--flow", "tolerant", cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    (tmp_path / "down-apac").unlink()

    again = flowtop("run", ".", "--flow", "tolerant", "--rerun-of", "1", cwd=tmp_path)
    said = again.stdout + again.stderr
    assert again.returncode == 0, said
    assert "nothing to rerun" not in said, said
    assert _calls(tmp_path) == {"apac": 2}, said
    assert "tolerant #2 COMPLETED" in said and "→ True" in said, said

    done = flowtop("run", ".", "--flow", "tolerant", "--rerun-of", "2", cwd=tmp_path)
    assert "Run #2 of tolerant has nothing to rerun" in done.stdout + done.stderr, done.stderr
    assert done.returncode == 0 and _calls(tmp_path) == {"apac": 2}
