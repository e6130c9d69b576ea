"""Flow modules loaded by the workspace (``flowtop_flows.*``) run on processes and Dask.

Workers cannot import those modules, nor the helper beside them: both are shipped by
value, and an exception class defined in the flow file still matches ``retry_on``.
"""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import pytest

from flowtop.engine.events import TaskStateChanged
from flowtop.engine.executors import DaskBackend
from flowtop.workspace import Workspace

from .conftest import Recorder

HELPER = """
    def shout(text):
        return text.upper() + "!"


    class Rows:
        @staticmethod
        def check(value):
            if value != "DATA!":
                raise ValueError(value)
            raise KeyError("missing row")
"""

FLOW = """
    import logging
    from pathlib import Path

    from flowtop import Flow, task
    from shouting import Rows, shout

    log = logging.getLogger("etl")
    COUNTER = Path(__file__).with_name("attempts.txt")


    class Flaky(Exception):
        pass


    @task(retry_on=Flaky, max_retries=2)
    def extract():
        with COUNTER.open("a") as f:
            f.write("x")
        if len(COUNTER.read_text()) < 2:
            raise Flaky("first attempt fails")
        print("extracted")
        log.info("logged from the task")
        return shout("data")


    @task
    def load(value):
        Rows.check(value)  # the helper's frame is in the traceback too


    with Flow("etl") as flow:
        load(extract())
"""


@pytest.fixture
def workspace(tmp_path: Path):
    (tmp_path / "shouting.py").write_text(textwrap.dedent(HELPER))
    (tmp_path / "etl.py").write_text(textwrap.dedent(FLOW))
    ws = Workspace(tmp_path)
    ws.load()
    assert not ws.errors, ws.errors
    assert ws.flows["etl"].nodes["extract"].task.fn.__module__.startswith("flowtop_flows.")
    yield ws
    ws.close()


def check_run(ws: Workspace, runner, recorder: Recorder) -> None:
    result = runner.run(ws.flows["etl"])
    runner.bus.flush()
    assert result["extract"].result == "DATA!"  # the helper ran on the worker
    assert recorder.states("extract") == ["RUNNING", "AWAITING_RETRY", "RUNNING", "COMPLETED"]
    done = [e for e in recorder.events if isinstance(e, TaskStateChanged) and e.task == "extract"]
    assert done[1].error.type == "Flaky"
    assert "extracted\n" in done[-1].output
    assert "INFO etl: logged from the task" in done[-1].output
    failed = [e for e in recorder.events if isinstance(e, TaskStateChanged) and e.task == "load"]
    assert failed[-1].state.value == "FAILED" and failed[-1].error.type == "KeyError"
    # the remote frames name the flow file and the helper's, and show their lines
    # (cloudpickle ships both by value, naming their code "<dynamic-code>")
    trace = failed[-1].error.traceback
    for file, text, where in (
        ("etl.py", "Rows.check(value)", "load"),
        ("shouting.py", 'raise KeyError("missing row")', "check"),
    ):
        source = (ws.root / file).read_text().splitlines()
        line = next(i for i, line_text in enumerate(source, 1) if text in line_text)
        assert f'File "{ws.root / file}", line {line}, in {where}' in trace
        assert text in trace
    assert "<dynamic-code>" not in trace


@pytest.fixture
def info_logs():
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.INFO)  # what the flowtop commands do (capture_info_logs)
    yield
    root.setLevel(level)


def test_flow_module_runs_in_processes(workspace, info_logs):
    recorder = Recorder()
    runner = workspace.make_runner(sinks=[recorder], executor="process", workers=2)
    try:
        check_run(workspace, runner, recorder)
    finally:
        runner.shutdown()


def test_flow_module_runs_on_a_dask_local_cluster(workspace, info_logs, cluster):
    recorder = Recorder()
    backend = DaskBackend(workers=2, cluster=cluster)
    runner = workspace.make_runner(sinks=[recorder], backend=backend, workers=2)
    try:
        check_run(workspace, runner, recorder)
    finally:
        runner.shutdown()


def test_dask_executor_from_settings_starts_and_stops_its_own_cluster(workspace):
    (workspace.root / "flowtop.toml").write_text('[defaults]\nexecutor = "dask"\nworkers = 2\n')
    workspace.load()
    assert workspace.settings_error is None and workspace.settings.executor == "dask"
    recorder = Recorder()
    runner = workspace.make_runner(sinks=[recorder])
    assert isinstance(runner.backend, DaskBackend)
    try:
        result = runner.run(workspace.flows["etl"])
        assert result["extract"].result == "DATA!"
        cluster = runner.backend._cluster
        assert cluster is not None and cluster.status.name == "running"
    finally:
        runner.shutdown()
    assert cluster.status.name == "closed"


PARTIAL = """
    import functools

    from flowtop import Flow, task


    def add(a, b):
        return a + b


    add10 = task(functools.partial(add, 10), name="add10")

    with Flow("partial") as flow:
        add10(5)
"""


def test_a_partial_of_a_flow_file_s_function_runs_in_processes(tmp_path: Path) -> None:
    """Its module was not shipped (a partial has no ``__module__``): the attempt failed
    with "No module named 'flowtop_flows'", a name the user never wrote."""
    (tmp_path / "partial.py").write_text(textwrap.dedent(PARTIAL))
    ws = Workspace(tmp_path)
    try:
        ws.load()
        runner = ws.make_runner(executor="process", workers=1)
        try:
            assert runner.run(ws.flows["partial"])["add10"].result == 15
        finally:
            runner.shutdown()
    finally:
        ws.close()
