"""``future.add_done_callback(fn)``, as Prefect 3's futures have it (it was an
AttributeError): ``fn(future)`` once the call is final, in a flow and outside any."""

from __future__ import annotations

import threading
from typing import Any

from flowtop import flow, task
from flowtop.engine import Runner


@task
def slow(x: int) -> int:
    return x * 2


def test_a_callback_gets_the_future_once_it_is_final_in_a_flow_and_outside() -> None:
    seen: list[Any] = []
    done = threading.Event()

    def record(future: Any) -> None:
        seen.append(future.result())  # reading the result from the callback is fine
        if len(seen) == 3:
            done.set()

    @flow
    def pipeline() -> int:
        future = slow.submit(1)
        future.add_done_callback(record)
        future.wait()
        future.add_done_callback(record)  # already final: called at once
        return int(future.result())

    with Runner() as runner:
        assert runner.run(pipeline).value == 2
    outside = slow.submit(5)
    outside.add_done_callback(record)
    assert done.wait(10)
    assert sorted(seen) == [2, 2, 10]
