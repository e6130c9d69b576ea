"""A fan-out of 1,000 small tasks, a few percent of which time out and retry with jitter."""

import random

from flowtop import Flow, task

N = 1000


@task(retry_on=[TimeoutError], max_retries=3, retry_delay=0.3, retry_jitter=0.5)
def fetch_page(page: int) -> int:
    if random.random() < 0.05:
        raise TimeoutError(f"page {page}: read timed out")
    return page * 10


@task
def count(*pages: int) -> int:
    return len(pages)


with Flow("fanout-1000") as flow:
    count(*[fetch_page(i) for i in range(N)])
