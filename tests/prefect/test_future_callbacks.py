"""``future.add_done_callback(fn)``, as Prefect 3's futures have it (it was an
AttributeError): ``fn(future)`` once the call is final, in a flow and outside any."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from flowtop import flow, task
from flowtop.engine import Runner

release = threading.Event()


@task
def held(x: int) -> int:
    assert release.wait(10)
    return x * 2


def test_a_callback_gets_the_future_once_it_is_final_in_a_flow_and_outside() -> None:
    release.clear()
    seen: list[Any] = []
    done = threading.Event()

    def record(future: Any) -> None:
        seen.append(future.result())  # reading the result from the callback is fine
        if len(seen) == 4:
            done.set()

    @flow
    def pipeline() -> int:
        future = held.submit(1)
        future.add_done_callback(record)  # still running: called once it ends
        assert seen == []
        release.set()
        future.wait()
        future.add_done_callback(record)  # already final: called soon all the same
        return int(future.result())

    with Runner() as runner:
        assert runner.run(pipeline).value == 2
    release.clear()
    outside = held.submit(5)  # outside any flow: on its own thread
    outside.add_done_callback(record)
    release.set()
    outside.wait()
    outside.add_done_callback(record)
    assert done.wait(10)
    assert sorted(seen) == [2, 2, 10, 10]


def test_a_callback_that_raises_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    release.set()
    future = held.submit(1)
    future.wait()
    with caplog.at_level(logging.ERROR, logger="flowtop.engine"):
        future.add_done_callback(lambda f: 1 / 0)
    assert "done callback" in caplog.text and "ZeroDivisionError" in caplog.text
