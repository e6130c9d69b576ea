"""A run ``Workspace.make_runner``'s runner starts of a flow whose ``overrides.toml`` table
holds a value at fault fails before its body (a subflow a parent calls: the monitor's
in-process runs and ``flowtop run``'s alike), recorded or not, after the owner agent's
hook; another flow's runs, and a good table, run as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_kit import stored_runs
from flowtop.engine.states import StateType
from flowtop.workspace import Workspace

FLOWS = """\
from flowtop import flow, task

@task
def step():
    return 1

@flow
def alpha():
    return step()

@flow
def gamma():
    try:
        alpha()
    except ValueError as exc:
        return str(exc)
    return "ran"
"""

BAD = '[flows.alpha.tasks.step]\nmax_retries = "lots"\n'


def _workspace(tmp_path: Path, table: str) -> Workspace:
    (tmp_path / "jobs.py").write_text(FLOWS)
    (tmp_path / ".flowtop").mkdir()
    (tmp_path / ".flowtop" / "overrides.toml").write_text(table)
    workspace = Workspace(tmp_path, isolate_imports=False)
    workspace.load(flow="gamma")  # as a run of gamma loads: alpha's table stops not gamma
    return workspace


@pytest.mark.parametrize("record", [True, False])
def test_the_subflow_fails_before_its_body_and_the_parent_handles_it(
    tmp_path: Path, record: bool
) -> None:
    with _workspace(tmp_path, BAD) as workspace:
        assert workspace.settings_error is None, workspace.settings_error
        runner = workspace.make_runner(record=record)
        try:
            result = runner.run(workspace.flows["gamma"])
        finally:
            runner.shutdown()
    assert result.state is StateType.COMPLETED, result
    assert 'overrides.toml:2: [flows."alpha".tasks."step"]: max_retries' in result.value
    assert "'alpha' does not run until its table is fixed" in result.value
    if record:
        runs = {run.flow: run for run in stored_runs(tmp_path)}
        assert runs["alpha"].state == "FAILED", runs["alpha"]
        assert runs["alpha"].tasks == 0, runs["alpha"]


def test_a_good_table_runs_the_subflow(tmp_path: Path) -> None:
    with _workspace(tmp_path, "[flows.alpha.tasks.step]\nmax_retries = 2\n") as workspace:
        runner = workspace.make_runner(record=False)
        try:
            result = runner.run(workspace.flows["gamma"])
        finally:
            runner.shutdown()
    assert result.state is StateType.COMPLETED, result
    assert result.value == "ran"


def test_a_run_of_the_flow_itself_fails_before_its_body_too(tmp_path: Path) -> None:
    """A runner is handed the flow whose table is at fault (the refusals before a run
    starts aside): its run fails the same way, none of its tasks run."""
    with _workspace(tmp_path, BAD) as workspace:
        runner = workspace.make_runner(record=False)
        try:
            result = runner.run(workspace.flows["alpha"])
        finally:
            runner.shutdown()
    assert result.state is StateType.FAILED, result
    assert dict(result.states) == {}, result.states
    assert "does not run until its table is fixed" in str(result.error), result.error


STATIC = """\
from flowtop import Flow, task

@task
def step():
    return 1

with Flow("alpha") as alpha:
    step()
"""


def test_a_with_flow_run_whose_table_is_at_fault_runs_no_task(tmp_path: Path) -> None:
    (tmp_path / "jobs.py").write_text(STATIC)
    (tmp_path / ".flowtop").mkdir()
    (tmp_path / ".flowtop" / "overrides.toml").write_text(BAD)
    with Workspace(tmp_path, isolate_imports=False) as workspace:
        workspace.load()
        runner = workspace.make_runner(record=False)
        try:
            result = runner.run(workspace.flows["alpha"])
        finally:
            runner.shutdown()
    assert result.state is StateType.CANCELLED, result
    state = result["step"]
    assert state.type is StateType.CANCELLED, state
    assert "does not run until its table is fixed" in str(state.message), state
