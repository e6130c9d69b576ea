"""A stand-in for a flaky HTTP API, shared by the example flows (a helper module, not a flow).

It fails the way real APIs do: connection resets, timeouts and 429s with a Retry-After.
"""

import random
import threading

_lock = threading.Lock()
_calls: dict[str, int] = {}


class TooManyRequests(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"429 Too Many Requests (Retry-After: {retry_after}s)")
        self.retry_after = retry_after


def get(endpoint: str, *, fail_first: int = 2) -> list[dict]:
    """Fail the first ``fail_first`` calls per endpoint (in this process), then answer."""
    with _lock:
        n = _calls[endpoint] = _calls.get(endpoint, 0) + 1
    if n <= fail_first:
        if n % 2:
            raise ConnectionError(f"GET {endpoint}: connection reset by peer")
        raise TooManyRequests(retry_after=0.8)
    rng = random.Random(endpoint)
    return [{"id": i, "amount": round(rng.uniform(1, 500), 2)} for i in range(20)]
