"""The three examples from Prefect's retry docs, as written, with only the import changed.

Delays are seconds instead of minutes so the flows finish while you watch.
"""

import itertools
from datetime import timedelta

from flowtop import Flow, task

_calls = itertools.count(1)


@task(retry_delay=timedelta(seconds=1), max_retries=3)
def my_task():
    # Fails on its first call in this process, then succeeds: one retry to watch.
    if next(_calls) == 1:
        raise RuntimeError("first call fails")
    return "ok"


flow = Flow("example-flow")
flow.add_task(my_task)


_connects = itertools.count(1)


@task(retry_on=[ConnectionError, TimeoutError], retry_delay=0.5)
def fetch_rates():
    # Retried on connection trouble only; any other error would fail at once.
    n = next(_connects)
    if n <= 2:
        raise ConnectionError(f"connection reset by peer (call {n})")
    return {"EUR": 1.08, "GBP": 1.27}


retry_on_flow = Flow("retry-on-flow")
retry_on_flow.add_task(fetch_rates)


_polls = itertools.count(1)


@task(retry_predicate=lambda state: state.result == "error", retry_delay=0.5)
def poll_job():
    # Returns "error" twice: a result-based retry, no exception involved.
    return "error" if next(_polls) <= 2 else "done"


predicate_flow = Flow("predicate-flow")
predicate_flow.add_task(poll_job)
