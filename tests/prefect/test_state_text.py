"""A state reads as Prefect's in a log line and in a debugger (checked with Prefect 3.9.1).

``str(state)`` gave the whole ``Completed(type=COMPLETED, result=1)`` where Prefect logs
``Completed()``, and ``repr`` left ``message`` out.
"""

from __future__ import annotations

from flowtop import flow, task
from flowtop.states import Completed, Failed


@task
def one() -> int:
    return 1


def test_str_is_prefect_s_short_form_and_repr_its_full_one() -> None:
    @flow
    def body() -> None:
        state = one(return_state=True)
        assert str(state) == "Completed()"
        assert repr(state) == "Completed(message=None, type=COMPLETED, result=1)"

    body()
    assert str(Failed(message="boom")) == "Failed('boom')"
    assert repr(Completed(message="m")) == "Completed(message='m', type=COMPLETED, result=None)"
