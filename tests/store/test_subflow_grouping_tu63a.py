"""A rerun's plan groups a stored parent's subflow runs as its page does (``subflow_calls``).

``subflow_sources`` grouped them its own way: a crafted store's loop of reruns (``a``
reruns ``b``, ``b`` reruns ``a``) left the rerun with no source for either call, while
the run's page and ``history --run`` listed both.
"""

from __future__ import annotations

from flowtop.workspace.subflow_runs import CalledRun, subflow_calls
from flowtop.workspace.subflow_sources import _calls


def _called(run_id: str, rerun_of: str | None = None, state: str = "COMPLETED") -> CalledRun:
    return CalledRun(run_id, "kid", state, rerun_of, None, {})


def test_a_retried_call_is_its_first_run_and_its_last() -> None:
    first, retry, again = _called("a", state="FAILED"), _called("b", "a"), _called("c")
    assert _calls((first, retry, again)) == [(first, retry), (again, again)]


def test_a_loop_of_reruns_is_two_calls_as_the_page_says() -> None:
    a, b = _called("a", "b"), _called("b", "a")
    assert _calls((a, b)) == [(a, a), (b, b)]  # old: none
    assert [last for last, _ in subflow_calls((a, b))] == [a, b]
