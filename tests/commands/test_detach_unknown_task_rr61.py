"""``flowtop run --detach --rerun-of N --task NOSUCH`` is refused before a run is launched.

Without ``--detach`` the command said ``run #1 of nightly has no task 'nosuch'`` and
exited 2; with it, it printed a run id, exited 0, and the run process recorded a FAILED
run that "did not start" (rv408 §8): a typo'd task in a script reported as a success,
and a junk run the flow's newest.
"""

from __future__ import annotations

from pathlib import Path

from cli_kit import flowtop, stored_runs, wait_for_runs

NIGHTLY = """\
from flowtop import flow, task


@task
def prep(n: int) -> int:
    return n + 1


@task
def load(n: int) -> int:
    return n * 2


@flow
def nightly(n: int = 1) -> int:
    return load(prep(n)) + load(n)
"""


def _ran_once(folder: Path) -> None:
    (folder / "nightly.py").write_text(NIGHTLY, encoding="utf-8")
    done = flowtop("run", ".", "--flow", "nightly", cwd=folder)
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_unknown_task_is_refused_before_the_launch(tmp_path: Path) -> None:
    _ran_once(tmp_path)
    args = ("run", ".", "--flow", "nightly", "--detach", "--rerun-of", "1", "--task", "nosuch")
    done = flowtop(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr  # old: 0, and a run id
    assert done.stdout == ""
    assert "run #1 of nightly has no task 'nosuch'" in done.stderr, done.stderr
    assert len(stored_runs(tmp_path)) == 1  # old: a FAILED "did not start" run #2


def test_a_task_of_the_run_or_of_the_code_is_launched(tmp_path: Path) -> None:
    _ran_once(tmp_path)
    for task in ("load-2", "prep", "load-3"):  # load-3: a call the code may add
        args = ("run", ".", "--flow", "nightly", "--detach", "--rerun-of", "1", "--task", task)
        done = flowtop(*args, cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.strip(), done.stderr
        wait_for_runs(tmp_path, lambda runs: all(run.state != "RUNNING" for run in runs))
    assert [run.state for run in stored_runs(tmp_path)] == ["COMPLETED"] * 4
