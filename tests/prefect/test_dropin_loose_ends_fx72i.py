"""Loose ends of c5250aaa's drop-in wording (fx72i):

- a drop-in task's hook that ended its cache hit (``sys.exit()`` in ``on_completion``) was
  logged on ``flowtop.task_runs``, where every other drop-in hook error goes to
  ``prefect.task_runs`` (``hooks.run_logger_of``);
- ``import prefect_dask`` inside a task (after its file loaded) was a bare ``No module
  named 'prefect_dask'``, where the same line at the file's top points at ``--executor
  dask`` (``children.LateImports`` let only ``prefect`` / ``prefect.*`` through).
"""

from __future__ import annotations

import logging
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest

from flowtop.compat import NotAvailable
from flowtop.compat.prefect_flows import flow as prefect_flow
from flowtop.compat.prefect_tasks import task as prefect_task
from flowtop.engine import Runner, StateType
from flowtop.engine.caching import INPUTS, MemoryCache
from flowtop.workspace import Workspace


def test_a_drop_in_hook_ending_a_cache_hit_is_logged_on_prefects_task_logger(
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = uuid.uuid4().hex  # its own cache entry, whatever ran before in this process

    def exits_on_hit(_: Any, __: Any, state: Any) -> None:
        if state.name == "Cached":
            raise SystemExit(2)  # not an Exception: ends the hit's hooks (``hit_hooks``)

    @prefect_task(cache_policy=INPUTS, on_completion=[exits_on_hit])
    def fetch(x: str) -> str:
        return x

    @prefect_flow
    def twice() -> tuple[str, str]:
        return fetch(key), fetch(key)

    with caplog.at_level(logging.ERROR), Runner(cache=MemoryCache()) as runner:
        result = runner.run(twice)
    assert result.state is StateType.COMPLETED, result.error
    assert result.value == (key, key)
    hit = [r for r in caplog.records if "on its cache hit" in r.getMessage()]
    assert [r.name for r in hit] == ["prefect.task_runs"]


LATE_DASK = """
    from prefect import flow, task

    @task
    def plain():
        import prefect_dask  # noqa: F401 - imported late: what is tested

    @task
    def from_runners():
        from prefect_dask.task_runners import DaskTaskRunner  # noqa: F401 - imported late: what is tested

    @flow
    def late_plain():
        plain()

    @flow
    def late_from():
        from_runners()
"""


@pytest.mark.parametrize("flow_name", ["late_plain", "late_from"])
def test_a_late_prefect_dask_import_points_at_the_dask_executor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flow_name: str
) -> None:
    monkeypatch.delenv("FLOWTOP_PREFECT_COMPAT", raising=False)
    (tmp_path / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    (tmp_path / "late_dask.py").write_text(textwrap.dedent(LATE_DASK))
    workspace = Workspace(tmp_path)
    try:
        changed = workspace.load()
        assert not changed.errors, changed.errors
        with Runner() as runner:
            result = runner.run(workspace.flows[flow_name.replace("_", "-")])
    finally:
        workspace.close()
    assert isinstance(result.error, NotAvailable), repr(result.error)
    message = str(result.error)
    assert message.startswith("prefect_dask is not available in flowtop: "), message
    assert "--executor dask" in message
