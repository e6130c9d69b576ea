"""What moving a real Prefect 3 project to flowtop ran into (checked with Prefect 3.9.1).

- A file of a parent flow and the subflow it calls with a parameter (``@flow def
  region_pipeline(region: str)`` called by ``@flow def nightly()``) exits 2 under
  ``flowtop run`` (it runs every flow of the file) with "give --param region=VALUE" only:
  the message now names the file's other flow, which can run alone.
- ``from prefect.task_runners import ConcurrentTaskRunner`` (Prefect keeps it as
  ``ThreadPoolTaskRunner``'s old name), ``from prefect.exceptions import
  UpstreamTaskError`` and ``from prefect.states import raise_state_exception`` were
  refused at import.
- A task declared ``retries=1`` read ``no retries left (max_retries=1)`` in the detail
  pane: a name its code never wrote.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

import fork_cli
from flowtop import flow, task
from flowtop.compat import prefect_imports
from flowtop.engine.events import TaskStateChanged
from flowtop.engine.runner import Runner
from flowtop.engine.states import StateType

SUBFLOWS = """
    from prefect import flow


    @flow
    def region_pipeline(region: str) -> str:
        return region


    @flow
    def nightly() -> list:
        return [region_pipeline(r) for r in ("eu", "us")]
"""


def flowtop(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return fork_cli.run(
        ["--prefect-compat", *args],
        cwd=cwd,
        timeout=60,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@pytest.mark.parametrize("detach", [False, True], ids=["foreground", "detach"])
def test_a_file_s_subflow_needing_a_parameter_names_the_flow_that_can_run_alone(
    tmp_path: Path, detach: bool
) -> None:
    (tmp_path / "subflows.py").write_text(textwrap.dedent(SUBFLOWS))
    done = flowtop("run", *(["--detach"] if detach else []), "subflows.py", cwd=tmp_path)
    says = (
        "flowtop run: flow 'region-pipeline' needs region (no default): give --param region=VALUE"
        " (with --flow region-pipeline: parameters are given to one flow at a time);"
        " or run the file's other flow alone: --flow nightly\n"
    )
    assert (done.returncode, done.stderr, done.stdout) == (2, says, "")


def test_the_flow_it_names_runs(tmp_path: Path) -> None:
    (tmp_path / "subflows.py").write_text(textwrap.dedent(SUBFLOWS))
    done = flowtop("run", "--flow", "nightly", "subflows.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "nightly #1 COMPLETED" in done.stdout


def load(tmp_path: Path, source: str) -> dict[str, Any]:
    """The names a drop-in module defines, imported as the loader imports flow files."""
    path = tmp_path / "mod.py"
    path.write_text(textwrap.dedent(source))
    namespace: dict[str, Any] = {}
    with prefect_imports():
        exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace


def test_concurrent_task_runner_is_the_thread_pool_runner(tmp_path: Path) -> None:
    names = load(
        tmp_path,
        """
        from prefect import flow, task
        from prefect.task_runners import ConcurrentTaskRunner, ThreadPoolTaskRunner

        @task
        def one(i):
            return i

        @flow(task_runner=ConcurrentTaskRunner(max_workers=2))
        def mapped():
            return [f.result() for f in one.map(range(3))]
        """,
    )
    assert names["ConcurrentTaskRunner"] is names["ThreadPoolTaskRunner"]  # as in Prefect
    assert names["mapped"]() == [0, 1, 2]
    from flowtop.engine.task_runners import ConcurrentTaskRunner, ThreadPoolTaskRunner

    assert ConcurrentTaskRunner is ThreadPoolTaskRunner


def test_upstream_task_error_is_a_prefect_exception_flowtop_never_raises(
    tmp_path: Path,
) -> None:
    """Prefect 3.9.1 catches its own: a task whose upstream failed is ``NotReady`` and its
    ``.result()`` raises ``UnfinishedRun`` (flowtop's ``UpstreamFailed`` subclass of it)."""
    names = load(
        tmp_path,
        """
        from prefect import flow, task
        from prefect.exceptions import PrefectException, UnfinishedRun, UpstreamTaskError

        @task
        def boom():
            raise ValueError("up")

        @task
        def down(x):
            return x

        @flow
        def pipeline():
            future = down.submit(boom.submit())
            future.wait()
            try:
                future.result()
            except UpstreamTaskError:
                return "UpstreamTaskError"
            except UnfinishedRun:
                return "UnfinishedRun"
        """,
    )
    assert names["UpstreamTaskError"].__mro__[1:3] == (names["PrefectException"], Exception)
    assert names["pipeline"]() == "UnfinishedRun"


def raised(raise_state_exception: Any, state: Any) -> tuple[str, str]:
    try:
        return ("returned", repr(raise_state_exception(state)))
    except BaseException as exc:  # noqa: BLE001 - what it raises is what is compared
        return (type(exc).__name__, str(exc))


def test_raise_state_exception_raises_as_prefect_s(tmp_path: Path) -> None:
    names = load(tmp_path, "import prefect.states as states\n")
    states = names["states"]
    raise_it = states.raise_state_exception
    cases = [
        (states.Completed(data=1), ("returned", "None")),
        (states.Pending(), ("returned", "None")),
        (states.Failed(data=ValueError("v")), ("ValueError", "v")),
        (states.Failed(message="m"), ("FailedRun", "m")),
        (states.Failed(), ("FailedRun", "Run failed.")),
        (states.Cancelled(), ("CancelledRun", "Run cancelled.")),
        (states.Crashed(message="c"), ("CrashedRun", "c")),
        (states.Failed(data="text"), ("FailedRun", "text")),
        (
            states.Failed(data=42),
            (
                "TypeError",
                "Unexpected result for failed state: 42 —— int cannot be resolved into an"
                " exception",
            ),
        ),
        (
            states.Failed(data=[states.Completed(), states.Failed(data=KeyError("k"))]),
            ("KeyError", "'k'"),
        ),
        (
            states.Failed(data=[states.Completed()]),
            ("ValueError", "Failed state result was an iterable of states but none were failed."),
        ),
    ]  # Prefect 3.9.1's answers, side by side
    for state, prefect_s in cases:
        assert raised(raise_it, state) == prefect_s, state


def test_raise_state_exception_is_awaited_in_async_code(tmp_path: Path) -> None:
    names = load(tmp_path, "import prefect.states as states\n")
    states = names["states"]

    async def main() -> tuple[str, Any]:
        pending = states.raise_state_exception(states.Failed(data=ValueError("a")))
        assert asyncio.iscoroutine(pending)  # as Prefect's async_dispatch gives it
        try:
            await pending
        except ValueError as exc:
            return str(exc), await states.araise_state_exception(states.Completed())
        return "not raised", None

    assert asyncio.run(main()) == ("a", None)


def test_no_retries_left_says_prefect_s_spelling_too() -> None:
    @task(retries=1)
    def flaky() -> None:
        raise ValueError("down")

    @flow
    def pipeline() -> str:
        return flaky(return_state=True).name

    seen: list[object] = []
    with Runner(sinks=[seen.extend]) as runner:
        runner.run(pipeline)
    (failed,) = [e for e in seen if isinstance(e, TaskStateChanged) and e.state is StateType.FAILED]
    assert failed.message == "no retries left: retries=1"  # as written (test_budget_words_s59)
