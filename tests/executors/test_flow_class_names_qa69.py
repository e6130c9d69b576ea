"""An exception class a flow file defines is named bare in every traceback, as Python
names one of the script it runs (``MyFlowError: mine``): under ``--executor process``
and Dask it read ``flowtop_flows.own_1a2b3c4d.MyFlowError: mine``, the loader's module
name for the file, and so did a chained one on threads (QA, 2026-12-07)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flowtop.workspace import Workspace

OWN = """
from flowtop import Flow, task

class MyFlowError(Exception):
    pass

@task(max_retries=1, retry_on=[MyFlowError])
def own_exc():
    raise MyFlowError("mine")

flow = Flow("own")
flow.add_task(own_exc)
"""


def _last_lines(result: Any) -> list[str]:
    tracebacks = [attempt.error.traceback for attempt in result.attempts["own_exc"]]
    return [text.strip().splitlines()[-1] for text in tracebacks]


@pytest.mark.parametrize("kind", ["process", "dask"])
def test_a_flow_file_s_exception_is_named_bare_off_the_coordinator(
    run_flow: Callable[..., Any], backend_for: Callable[..., Any], kind: str
) -> None:
    result = run_flow(OWN, "own", backend_for(kind))
    assert _last_lines(result) == ["MyFlowError: mine", "MyFlowError: mine"]


def test_a_chained_flow_file_exception_is_named_bare_on_threads(tmp_path: Path) -> None:
    (tmp_path / "own.py").write_text(
        OWN.replace("retry_on=[MyFlowError]", "retry_delay=lambda n: -1")
    )
    workspace = Workspace(tmp_path)
    workspace.load()
    runner = workspace.make_runner((), workers=2)
    try:
        result = runner.run(workspace.flows["own"])
    finally:
        runner.shutdown()
        workspace.close()
    (attempt,) = result.attempts["own_exc"]  # the delay refused: the attempt's error chained
    shown = attempt.error.traceback
    assert "\nMyFlowError: mine\n" in shown and "flowtop_flows" not in shown, shown
