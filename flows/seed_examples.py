"""The three examples from Prefect's retry docs, changed only so they run while you watch.

What changed: the import is flowtop's, the delays are seconds instead of minutes (0.5 s
for the two that had none), `fetch` and `poll` became `fetch_rates` and `poll_job` with a
flow each, and each body fails (or returns "error") a set number of times on every run,
counted by `flaky_api.failures_so_far` in files so it behaves the same under the thread,
process and dask executors.
"""

from datetime import timedelta

from flaky_api import failures_so_far

from flowtop import Flow, task


@task(retry_delay=timedelta(seconds=1), max_retries=3)
def my_task():
    # Fails on its first call of each run, then succeeds: one retry to watch.
    if failures_so_far("my_task", 1) is not None:
        raise RuntimeError("first call fails")
    return "ok"


flow = Flow("example-flow")
flow.add_task(my_task)


@task(retry_on=[ConnectionError, TimeoutError], retry_delay=0.5)
def fetch_rates():
    # Retried on connection trouble only; any other error would fail at once.
    failure = failures_so_far("fetch_rates", 2)
    if failure is not None:
        raise ConnectionError(f"connection reset by peer (call {failure + 1})")
    return {"EUR": 1.08, "GBP": 1.27}


retry_on_flow = Flow("retry-on-flow")
retry_on_flow.add_task(fetch_rates)


@task(retry_predicate=lambda state: state.result == "error", retry_delay=0.5)
def poll_job():
    # Returns "error" twice: a result-based retry, no exception involved.
    return "error" if failures_so_far("poll_job", 2) is not None else "done"


predicate_flow = Flow("predicate-flow")
predicate_flow.add_task(poll_job)
