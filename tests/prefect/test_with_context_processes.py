"""``with_context(fn)`` (``flowtop.context``, drop-in ``prefect.context``) for a process
started with ``spawn``: ``fn`` runs in the run it was wrapped in, as Prefect 3.9.1's
``hydrated_context`` restores it there (checked side by side): ``TaskRunContext`` and
``FlowRunContext`` are that run's, and so are ``prefect.runtime`` and the run logger."""

from __future__ import annotations

import multiprocessing
import pickle
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from carried_kit import seen

from flowtop import flow, task
from flowtop.context import with_context


@task(task_run_name="fan-{n}")
def fan(n: int) -> list[Any]:
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(1) as pool:
        mapped = pool.map(with_context(seen), [1])
    with ProcessPoolExecutor(1, mp_context=spawn) as executor:
        submitted = executor.submit(with_context(seen), 2).result()
    return [*mapped, submitted]


@flow(flow_run_name="body-{k}")
def body(k: int = 3) -> dict[str, Any]:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        from_body = pool.map(with_context(seen), [3])
    return {"task": fan(7), "body": from_body}


def test_a_spawned_process_gets_the_task_and_flow_run_it_was_wrapped_in() -> None:
    """Its TaskRunContext and FlowRunContext were None, and a flow body's wrapper logged
    on the task run logger."""
    flow_part = ["body", "body-3", {"k": 3}]
    in_task = [["fan", "fan-7", 1, {"n": 7}], flow_part, ["fan-7", "body-3"], "flowtop.task_runs"]
    assert body() == {
        "task": [[1, *in_task], [2, *in_task]],
        "body": [[3, None, flow_part, [None, "body-3"], "flowtop.flow_runs"]],
    }


def test_parameters_that_do_not_pickle_are_left_out() -> None:
    """Prefect's wrapper fails to pickle then; flowtop's still ships, without them."""

    @task
    def holds(lock: Any, n: int) -> Any:
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            return pool.map(with_context(seen), [5])[0][1]

    @flow
    def body() -> Any:
        return holds(threading.Lock(), 2)

    assert body() == ["holds", "holds", 1, {"n": 2}]
    assert pickle.loads(pickle.dumps(with_context(seen))).fn is seen  # outside any run
