"""A value at fault in flow ``alpha``'s table of ``.flowtop/overrides.toml`` stops alpha's
runs (README: "etl does not run until its table is fixed"), but a run of ``beta``, which
calls alpha as a subflow, ran alpha without its table and said nothing, in the foreground
and detached alike. Such a subflow run now fails before its body, FAILED as a refused
detached run is, its error naming the table's file, line and key; its parent's call
raises it, and a parent may handle it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_kit import flowtop, stored_runs, wait_for_runs

FLOWS = """\
from flowtop import flow, task

@task
def step():
    return 1

@flow
def alpha():
    return step()

@flow
def beta():
    return alpha()

@flow
def gamma():
    try:
        alpha()
    except ValueError as exc:
        print("handled:", type(exc).__name__)
    return 2
"""

BAD = '[flows.alpha.tasks.step]\nmax_retries = "lots"\n'
GOOD = "[flows.alpha.tasks.step]\nmax_retries = 2\n"
SAID = (
    '.flowtop/overrides.toml:2: [flows."alpha".tasks."step"]: max_retries must be an '
    "integer >= 0, got str 'lots'"
)


def _folder(tmp_path: Path, table: str) -> Path:
    (tmp_path / "jobs.py").write_text(FLOWS)
    (tmp_path / ".flowtop").mkdir()
    (tmp_path / ".flowtop" / "overrides.toml").write_text(table)
    return tmp_path


def _alpha_refused(folder: Path) -> None:
    """The folder's one alpha run: FAILED before its body (no task), its error saying why."""
    (alpha,) = [run for run in stored_runs(folder) if run.flow == "alpha"]
    assert alpha.state == "FAILED", alpha
    assert alpha.tasks == 0, alpha
    assert alpha.error is not None, alpha
    assert SAID in alpha.error["message"], alpha.error
    assert "'alpha' does not run until its table is fixed" in alpha.error["message"]


def test_a_subflow_whose_table_is_at_fault_fails_and_its_parent_with_it(
    tmp_path: Path,
) -> None:
    folder = _folder(tmp_path, BAD)
    done = flowtop("run", ".", "--flow", "beta", cwd=folder)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "alpha #1 FAILED" in done.stdout, done.stdout
    assert SAID in done.stdout, done.stdout
    assert "beta #1 FAILED" in done.stdout, done.stdout
    assert 'jobs.py", line 13, in beta' in done.stdout, done.stdout  # the user's call
    assert "app/flowtop/" not in done.stdout  # no frame of flowtop's own (dynamic.py)
    _alpha_refused(folder)


def test_a_parent_may_handle_the_refused_subflow(tmp_path: Path) -> None:
    folder = _folder(tmp_path, BAD)
    done = flowtop("run", ".", "--flow", "gamma", cwd=folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "handled: TableAtFault" in done.stdout, done.stdout
    assert "gamma #1 COMPLETED" in done.stdout, done.stdout
    _alpha_refused(folder)


def test_a_detached_parent_s_subflow_is_refused_too(tmp_path: Path) -> None:
    folder = _folder(tmp_path, BAD)
    detached = flowtop("run", "--detach", ".", "--flow", "beta", cwd=folder)
    assert detached.returncode == 0, detached.stderr
    wait_for_runs(folder, lambda runs: any(r.flow == "beta" and r.finished for r in runs))
    (beta,) = [run for run in stored_runs(folder) if run.flow == "beta"]
    assert beta.state == "FAILED", beta
    _alpha_refused(folder)


@pytest.mark.parametrize("detach", [False, True])
def test_a_good_table_is_applied_to_the_subflow_as_before(tmp_path: Path, detach: bool) -> None:
    folder = _folder(tmp_path, GOOD)
    done = flowtop("run", *(["--detach"] if detach else []), ".", "--flow", "beta", cwd=folder)
    assert done.returncode == 0, done.stdout + done.stderr
    wait_for_runs(folder, lambda runs: sum(bool(r.finished) for r in runs) == 2)
    states = {run.flow: run.state for run in stored_runs(folder)}
    assert states == {"alpha": "COMPLETED", "beta": "COMPLETED"}, states
    if not detach:
        assert "attempt 1/3" in done.stdout, done.stdout  # its table's max_retries = 2
