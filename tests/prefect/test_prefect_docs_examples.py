"""Prefect 3 flows as Prefect's own docs and examples write them (PrefectHQ/examples, the
retries and "run work concurrently" how-tos), run unchanged under drop-in flowtop and
compared with Prefect 3.9.1 side by side; each test here is a difference found so:

- ``def retry_on_503(task: Task[..., Any], task_run: TaskRun, state: State[Any])``, the
  docs' retry condition, stopped the file at import: ``type 'DropInTask' is not
  subscriptable`` (so did ``Flow[..., Any]``, ``PrefectFuture[int]``,
  ``ThreadPoolTaskRunner[Any]``, all generic in Prefect).
- ``fetch_url.map(...)`` inside a task (examples' ``05_task_runner_concurrency.py``): the
  mapped calls' prints went to the process's stderr, not the task's output, and their
  ``get_run_logger()`` lines were lost; Prefect shows both.
- A flow returning ``[a.state, b.state, c.state]`` of a chain whose ``b`` failed
  (examples' ``final_state_determination.py``) ended ``2/3 states failed.``: Prefect
  says ``1/3 states failed.``, ``c`` (never run) being Pending, not failed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from drop_in_kit import drop_in_module

from flowtop.engine import Runner, StateType


def test_prefect_s_generic_classes_can_be_subscripted_in_annotations(tmp_path: Path) -> None:
    module = drop_in_module(
        tmp_path,
        "retry_on_503",
        """
        from typing import Any

        from prefect import Flow, Task, flow, task
        from prefect.client.schemas.objects import TaskRun
        from prefect.futures import PrefectFuture
        from prefect.states import State
        from prefect.task_runners import ThreadPoolTaskRunner

        CALLS = []

        class HTTPStatusError(Exception):
            def __init__(self, status_code: int) -> None:
                super().__init__(f"HTTP {status_code}")
                self.status_code = status_code

        def retry_on_503(task: Task[..., Any], task_run: TaskRun, state: State[Any]) -> bool:
            try:
                state.result()
            except Exception as e:
                return isinstance(e, HTTPStatusError) and e.status_code == 503
            return False

        def notify(flow: Flow[..., Any], flow_run: Any, state: State[Any]) -> None:
            CALLS.append(state.name)

        @task(retries=2, retry_condition_fn=retry_on_503)
        def make_api_call() -> str:
            CALLS.append("call")
            if len(CALLS) < 3:
                raise HTTPStatusError(503)
            return "ok"

        def first(futures: list[PrefectFuture[str]]) -> str:
            return futures[0].result()

        runner: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(max_workers=2)

        @flow(task_runner=runner, on_completion=[notify])
        def api_flow() -> str:
            return first([make_api_call.submit()])
        """,
    )
    assert module.api_flow() == "ok"
    assert module.CALLS == ["call", "call", "call", "Completed"]


def test_a_task_s_mapped_calls_write_into_its_attempt_s_output(tmp_path: Path) -> None:
    module = drop_in_module(
        tmp_path,
        "map_in_task",
        """
        from prefect import flow, get_run_logger, task, unmapped

        @task
        def fetch_url(url, params):
            get_run_logger().info(f"Fetching {url} page {params['page']}")
            print(f"fetched page {params['page']}")
            return params["page"]

        @task
        def list_articles(pages):
            return fetch_url.map(unmapped("/articles"), [{"page": p} for p in range(1, pages + 1)]).result()

        @flow
        def extract():
            return list_articles(2)
        """,
    )
    with Runner() as runner:
        result = runner.run(module.extract)
    assert result.value == [1, 2]
    (attempt,) = result.attempts["list_articles"]
    for page in (1, 2):
        assert f"INFO prefect.task_runs: Fetching /articles page {page}\n" in attempt.output
        assert f"fetched page {page}\n" in attempt.output


SCRIPT = """
from prefect import flow, get_run_logger, task

@task(log_prints=True)
def example_task():
    print("printed in a task called outside any flow")
    get_run_logger().info("logged there")

@task
def inner(x):
    get_run_logger().info(f"inner {x}")
    return x

@task
def outer():
    return [inner.submit(2).result(), *inner.map([3]).result()]

@flow
def f():
    return outer()

if __name__ == "__main__":
    example_task()
    print(f())
"""


def test_a_plain_script_shows_the_lines_of_its_tasks_as_prefect_does(tmp_path: Path) -> None:
    """``python FILE`` (examples' ``access_run_context.py``): a task called outside any
    flow lost its ``log_prints`` prints and its run logger's INFO lines (Python's last
    resort drops INFO); Prefect shows them. A task's mapped calls' lines are part of its
    output, shown as a flow's task lines are."""
    (tmp_path / "script.py").write_text(SCRIPT)
    runner = (
        "import runpy, sys\n"
        "from flowtop.compat import prefect_imports\n"
        "with prefect_imports():\n"
        "    runpy.run_path(sys.argv[1], run_name='__main__')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", runner, "script.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[2, 3]\n"
    assert done.stderr.splitlines() == [
        "INFO prefect.task_runs: printed in a task called outside any flow",
        "INFO prefect.task_runs: logged there",
        "INFO prefect.task_runs: inner 2",
        "INFO prefect.task_runs: inner 3",
    ]


CHAIN = """
    import time

    from prefect import flow, task
    from prefect.futures import wait

    RUNS = []

    @task
    def waiting_task(seconds):
        time.sleep(seconds)
        return seconds

    @task
    def failing_task(seconds):
        raise ValueError("Task failed (as expected)")

    @flow(retries=1)
    def example_flow(only_unfinished: bool = False):
        RUNS.append(1)
        a = waiting_task.submit(0.01)
        b = failing_task.submit(0.01, wait_for=[a])
        c = waiting_task.submit(0.01, wait_for=[b])
        wait([a, b, c])
        return [a.state, c.state] if only_unfinished else [a.state, b.state, c.state]
"""


def test_a_never_run_task_s_state_counts_as_prefect_s_pending_not_failed(tmp_path: Path) -> None:
    module = drop_in_module(tmp_path, "final_state", CHAIN)
    state = module.example_flow(return_state=True)
    assert state.is_failed() and state.message == "1/3 states failed."
    assert [s.type for s in state.data] == [
        StateType.COMPLETED,
        StateType.FAILED,
        StateType.UPSTREAM_FAILED,
    ]
    assert len(module.RUNS) == 2  # a failed one among them: retried, as Prefect retries it


def test_a_group_whose_only_unfinished_state_never_ran_fails_and_is_retried(
    tmp_path: Path,
) -> None:
    """As Prefect 3.9.1's: ``Failed``, ``1/2 states are not final.``, retried."""
    module = drop_in_module(tmp_path, "final_state_unfinished", CHAIN)
    state: Any = module.example_flow(only_unfinished=True, return_state=True)
    assert state.is_failed() and state.message == "1/2 states are not final."
    assert len(module.RUNS) == 2


def test_a_returned_group_with_a_pending_state_is_retried_as_in_prefect(tmp_path: Path) -> None:
    """Prefect 3.9.1 makes the run ``Failed`` and retries it; flowtop ended it FAILED
    without its retries."""
    module = drop_in_module(
        tmp_path,
        "pending_group",
        """
        from prefect import flow
        from prefect.states import Completed, Pending

        RUNS = []

        @flow(retries=1)
        def f():
            RUNS.append(1)
            return [Completed(data=1), Pending()]
        """,
    )
    state = module.f(return_state=True)
    assert state.is_failed() and state.message == "1/2 states are not final."
    assert len(module.RUNS) == 2
