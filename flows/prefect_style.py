"""The same kind of pipeline written Prefect-3 style: a @flow function calling tasks.

Tasks appear in the table as the function reaches them. `.submit()` runs tasks side by
side and returns futures; passing a future to another task makes it a dependency.
Outside flowtop, `python flows/prefect_style.py` runs it as an ordinary script.
"""

from flaky_api import TooManyRequests, get

from flowtop import Retry, flow, task


@task(retries=3, retry_delay_seconds=0.5, retry_on=[ConnectionError, TooManyRequests])
def fetch(endpoint: str) -> list[dict]:
    try:
        return get(endpoint, fail_first=1)
    except TooManyRequests as exc:
        raise Retry(str(exc), delay=exc.retry_after) from exc


@task
def total(rows: list[dict]) -> float:
    return round(sum(r["amount"] for r in rows), 2)


@task(retries=2, retry_delay_seconds=0.3)
def report(totals: list[float]) -> str:
    return f"{len(totals)} regions, grand total {sum(totals):.2f}"


@flow(name="regional-report", retries=1)
def regional_report(regions: tuple[str, ...] = ("eu", "us", "apac")) -> str:
    totals = [total.submit(fetch.submit(f"/sales/{region}")) for region in regions]
    if not regions:
        return "nothing to report"
    return report([t.result() for t in totals])


if __name__ == "__main__":
    print(regional_report())
