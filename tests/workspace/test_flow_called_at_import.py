"""A flow file that calls its flow at top level, with no ``if __name__ == "__main__":``
guard, is a broken file at that line: the run is refused while flowtop imports it.

It ran the flow at every import flowtop makes (the flow host's load, each save,
``flowtop list``, twice per ``flowtop run``), unseen by the monitor.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flowtop.engine.dynamic import FlowFunction
from flowtop.workspace.loader import Loader

REFUSED = "calls flow {name!r} while flowtop imports the file; put the call under " + (
    "`if __name__ == '__main__'`"
)

#: Each way a module can start a run at import; ``{ran}`` is a file its task appends to.
CALLS = {
    "called": """
        from flowtop import flow, task

        @task
        def step():
            open({ran!r}, "a").write("ran\\n")

        @flow
        def called():
            step()

        called()
    """,
    "staticrun": """
        from flowtop import Flow, task

        @task
        def step():
            open({ran!r}, "a").write("ran\\n")

        with Flow("staticrun") as flow:
            step()

        flow.run()
    """,
    "onrunner": """
        from flowtop import Flow, task
        from flowtop.engine.runner import Runner

        @task
        def step():
            open({ran!r}, "a").write("ran\\n")

        with Flow("onrunner") as flow:
            step()

        with Runner() as runner:
            runner.run(flow)
    """,
    "awaited": """
        import asyncio

        from flowtop import flow, task

        @task
        def step():
            open({ran!r}, "a").write("ran\\n")

        @flow
        async def awaited():
            step()

        asyncio.run(awaited())
    """,
    "asstate": """
        from flowtop import flow, task

        @task
        def step():
            open({ran!r}, "a").write("ran\\n")

        @flow
        def asstate():
            step()

        state = asstate(return_state=True)
    """,
}


def _write(path: Path, text: str, ran: Path) -> Path:
    path.write_text(textwrap.dedent(text.format(ran=str(ran))).lstrip("\n"), encoding="utf-8")
    return path


def _last_line(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_flow_run_at_import_is_refused_at_the_calls_line(tmp_path: Path, name: str) -> None:
    ran = tmp_path / "ran.txt"
    file = _write(tmp_path / f"{name}.py", CALLS[name], ran)
    loader = Loader(tmp_path)
    try:
        outcome = loader.load_all()
    finally:
        loader.deactivate()
    (error,) = outcome.errors
    assert str(error) == f"{name}.py:{_last_line(file)}: " + REFUSED.format(name=name)
    assert not ran.exists()  # the flow never ran
    assert name not in loader.flows


def test_a_prefect_flow_called_at_import_in_drop_in_mode(tmp_path: Path) -> None:
    ran = tmp_path / "ran.txt"
    text = CALLS["called"].replace("from flowtop import", "from prefect import")
    file = _write(tmp_path / "called.py", text, ran)
    loader = Loader(tmp_path, prefect_compat=True)
    try:
        outcome = loader.load_all()
    finally:
        loader.deactivate()
    (error,) = outcome.errors
    assert str(error) == f"called.py:{_last_line(file)}: " + REFUSED.format(name="called")
    assert not ran.exists()


def test_a_task_called_at_import_still_runs_and_its_flows_load(tmp_path: Path) -> None:
    ran = tmp_path / "ran.txt"
    text = CALLS["called"].replace("called()\n", "step()\n")  # the task, not the flow
    _write(tmp_path / "called.py", text, ran)
    loader = Loader(tmp_path)
    try:
        outcome = loader.load_all()
        assert not outcome.errors, outcome.errors
        assert "called" in loader.flows
        assert ran.read_text() == "ran\n"
        flow = loader.flows["called"]
        assert isinstance(flow, FlowFunction)
        flow()  # after the import, a call runs the flow again
        assert ran.read_text() == "ran\nran\n"
    finally:
        loader.deactivate()


def test_cli_runs_other_flows_and_python_still_runs_the_file(tmp_path: Path) -> None:
    ran = tmp_path / "ran.txt"
    called = _write(tmp_path / "called.py", CALLS["called"], ran)
    refused = f"called.py:{_last_line(called)}: " + REFUSED.format(name="called")
    other = CALLS["called"].replace("called", "other").replace("other()\n", "")
    _write(tmp_path / "other.py", other, tmp_path / "other.txt")
    flowtop = [sys.executable, "-P", "-m", "flowtop"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=60)

    listed = run(*flowtop, "list", ".")
    assert listed.returncode == 2
    assert refused in listed.stderr
    alone = run(*flowtop, "run", "called.py", "--no-history")
    assert alone.returncode == 2
    assert refused in alone.stderr
    chosen = run(*flowtop, "run", "--flow", "other", ".", "--no-history")
    assert chosen.returncode == 0, chosen.stderr
    assert (tmp_path / "other.txt").read_text() == "ran\n"
    assert not ran.exists()  # none of those imports ran it
    script = run(sys.executable, "called.py")  # not flowtop: the file runs its flow
    assert script.returncode == 0, script.stderr
    assert ran.read_text() == "ran\n"


def test_a_retry_raised_at_import_says_what_retry_is_for(tmp_path: Path) -> None:
    (tmp_path / "retry_toplevel.py").write_text(
        "from flowtop import Flow, Retry, task\n\n\n@task\ndef step():\n    return 1\n\n\n"
        "with Flow('retry-toplevel') as f:\n    step()\n    raise Retry('rate limited', delay=5)\n",
        encoding="utf-8",
    )
    loader = Loader(tmp_path)
    try:
        (error,) = loader.load_all().errors
    finally:
        loader.deactivate()
    assert (error.line, error.message) == (
        11,
        "Retry: rate limited (Retry retries the task that raises it: raise it inside a @task"
        " function; a @flow retries with retries=N)",
    )
