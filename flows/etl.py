"""An ETL flow: two flaky extracts feed a transform, then a load into the warehouse.

Try it: run it (`r`), watch the extracts retry, see `load` fail, then set
SCHEMA_VERSION = 2 below, save, and press `f`: only `load` runs again.
"""

from flaky_api import TooManyRequests, get

from flowtop import Flow, Retry, exponential_backoff, task

SCHEMA_VERSION = 1


@task(
    retry_on=[ConnectionError, TooManyRequests],
    max_retries=4,
    retry_delay=exponential_backoff(0.5, 2, max_delay=4),
)
def extract(endpoint: str) -> list[dict]:
    try:
        return get(endpoint)
    except TooManyRequests as exc:
        raise Retry(str(exc), delay=exc.retry_after) from exc  # honour the server's Retry-After


@task
def transform(orders: list[dict], refunds: list[dict]) -> dict:
    total = sum(o["amount"] for o in orders) - sum(r["amount"] for r in refunds)
    print(f"{len(orders)} orders, {len(refunds)} refunds, net {total:.2f}")
    return {"rows": len(orders) + len(refunds), "net": round(total, 2)}


@task(max_retries=1, retry_delay=0.5, timeout=5)
def load(summary: dict) -> str:
    if SCHEMA_VERSION < 2:
        raise ValueError(
            "warehouse rejected schema v1 (expects v2): set SCHEMA_VERSION = 2 in etl.py"
        )
    return f"loaded {summary['rows']} rows"


with Flow("etl") as flow:
    orders = extract("/orders")
    refunds = extract("/refunds")
    load(transform(orders, refunds))
