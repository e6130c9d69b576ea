"""A run refused for its flow's settings table (``tables_at_fault``) fails before its body
and is never named: its ``flow_run_name`` callable is not called, so one that raises does
not replace the table's error (file, line, key) that its parent's call raises."""

from __future__ import annotations

from pathlib import Path

from flowtop.engine.states import StateType
from flowtop.workspace import Workspace

FLOWS = """\
from flowtop import flow, task

CALLED = []

def name_it():
    CALLED.append(1)
    raise ValueError("the name callable ran")

@task
def step():
    return 1

@flow(flow_run_name=name_it)
def alpha():
    return step()

@flow
def parent():
    try:
        alpha()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc} (name called {len(CALLED)}x)"
    return "ran"
"""

TABLE = '[flows.alpha.tasks.step]\nmax_retries = "lots"\n'


def test_a_refused_run_s_flow_run_name_is_not_called(tmp_path: Path) -> None:
    (tmp_path / "jobs.py").write_text(FLOWS)
    (tmp_path / ".flowtop").mkdir()
    (tmp_path / ".flowtop" / "overrides.toml").write_text(TABLE)
    with Workspace(tmp_path, isolate_imports=False) as workspace:
        workspace.load(flow="parent")
        runner = workspace.make_runner(record=True)
        try:
            flow = workspace.flows["parent"]
            result = runner.start(flow, **flow.start_arguments({})).final_result()
        finally:
            runner.shutdown()
    assert result.state is StateType.COMPLETED, result
    assert result.value.startswith("TableAtFault: .flowtop/overrides.toml:2: "), result.value
    assert result.value.endswith("(name called 0x)"), result.value
