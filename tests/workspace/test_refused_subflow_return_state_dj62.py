"""A subflow call with ``return_state=True`` whose run fails before its body raises why,
as Prefect 3 does, not a Failed state: Prefect resolves ``flow_run_name`` in
``FlowRunEngine.begin_run``, outside ``run_context``'s handler that makes an error a
state, and ``initialize_run`` re-raises it to the caller (``except Exception: raise``),
``return_type="state"`` or not. A flow whose settings table is at fault stops the run at
the same point (``tables_at_fault``): its call raises the same way. The run itself is
recorded FAILED, before its body."""

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

@flow(flow_run_name="run-{day[9]}")
def dated(day: str = "mon"):
    return step()

CHILDREN = {"alpha": alpha, "dated": dated}

def _got(call):
    try:
        state = call()
    except Exception as exc:
        return f"raised {type(exc).__name__}: {exc}"
    return f"state {state.type.value}"

@flow
def sync_parent(child: str):
    return _got(lambda: CHILDREN[child](return_state=True))

@flow
async def async_parent(child: str):
    try:
        state = await CHILDREN[child](return_state=True)
    except Exception as exc:
        return f"raised {type(exc).__name__}: {exc}"
    return f"state {state.type.value}"
"""

TABLE = '[flows.alpha.tasks.step]\nmax_retries = "lots"\n'
WHY = {
    "alpha": "raised TableAtFault: .flowtop/overrides.toml:2: ",
    "dated": "raised FlowRunNameIndexError: flow_run_name 'run-{day[9]}' cannot be filled",
}


@pytest.mark.parametrize("child", ["alpha", "dated"], ids=["table_at_fault", "flow_run_name"])
@pytest.mark.parametrize("parent", ["sync-parent", "async-parent"])
def test_return_state_raises_why_the_subflow_did_not_run(
    tmp_path: Path, parent: str, child: str
) -> None:
    (tmp_path / "jobs.py").write_text(FLOWS)
    (tmp_path / ".flowtop").mkdir()
    (tmp_path / ".flowtop" / "overrides.toml").write_text(TABLE)
    with Workspace(tmp_path, isolate_imports=False) as workspace:
        workspace.load(flow=parent)
        runner = workspace.make_runner(record=True)
        try:
            flow = workspace.flows[parent]
            result = runner.start(flow, **flow.start_arguments({"child": child})).final_result()
        finally:
            runner.shutdown()
    assert result.state is StateType.COMPLETED, result
    assert result.value.startswith(WHY[child]), result.value
    (run,) = [r for r in stored_runs(tmp_path) if r.flow == child]
    assert (run.state, run.tasks) == ("FAILED", 0), run
