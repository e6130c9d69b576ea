"""A fan-out of 1,000 small tasks; one page in twenty times out once and retries with jitter."""

from flaky_api import failures_so_far

from flowtop import Flow, task

N = 1000


@task(retry_on=[TimeoutError], max_retries=3, retry_delay=0.3, retry_jitter=0.5)
def fetch_page(page: int) -> int:
    if page % 20 == 7 and failures_so_far(f"page {page}", 1) is not None:
        raise TimeoutError(f"page {page}: read timed out")
    return page * 10


@task
def count(*pages: int) -> int:
    return len(pages)


with Flow("fanout-1000") as flow:
    count(*[fetch_page(i) for i in range(N)])
