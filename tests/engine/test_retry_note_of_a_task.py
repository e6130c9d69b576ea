"""A task that ran out of ``Retry`` attempts is not said to be the flow body's mistake.

A ``Retry`` raised in a ``@flow`` body retries nothing, so the run's error says so. A
task that kept raising ``Retry`` until its retries ran out raises that same ``Retry``
through its call in the body: its run's error, the header and every task's detail pane
then read "Retry retries the task that raises it", blaming the user for what the task
did as told.
"""

from __future__ import annotations

import pytest

from flowtop import Retry, flow, task
from flowtop.engine.dynamic_run import RETRY_IN_BODY


@task(max_retries=2, retry_delay=0)
def busy() -> None:
    raise Retry("busy")


def test_a_tasks_last_retry_raised_through_its_call_carries_no_note() -> None:
    @flow
    def publish() -> None:
        return busy()

    with pytest.raises(Retry) as raised:
        publish()
    assert RETRY_IN_BODY not in getattr(raised.value, "__notes__", [])
    state = publish(return_state=True)
    assert RETRY_IN_BODY not in getattr(state.data, "__notes__", [])


def test_a_retry_the_body_raises_itself_still_carries_it() -> None:
    @flow
    def publish() -> None:
        busy.submit().wait()
        raise Retry("the body's own")

    with pytest.raises(Retry) as raised:
        publish()
    assert raised.value.__notes__ == [RETRY_IN_BODY]
