"""A stand-in for a flaky HTTP API, shared by the example flows (a helper module, not a flow).

It fails the way real APIs do: connection resets, timeouts and 429s with a Retry-After.

Calls are counted in small files, not in module variables, so the examples behave the same
under every executor: with ``--executor process`` or ``dask`` each attempt runs on a copy of
the module's globals (a counter there starts again at every attempt, and a lock cannot be
pickled at all), while a file is shared by every attempt of the session.
"""

import atexit
import hashlib
import os
import random
import shutil
import tempfile
import uuid
from pathlib import Path

#: This session's call counters; removed when the process that loaded the flows exits.
_CALLS = Path(tempfile.gettempdir()) / f"flowtop-flaky-api-{os.getpid()}-{uuid.uuid4().hex[:8]}"
atexit.register(shutil.rmtree, _CALLS, ignore_errors=True)


class TooManyRequests(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"429 Too Many Requests (Retry-After: {retry_after}s)")
        self.retry_after = retry_after

    def __reduce__(self) -> tuple[type, tuple[float]]:  # pickles (process and dask executors)
        return (TooManyRequests, (self.retry_after,))


def call_number(key: str) -> int:
    """How many times ``key`` was called in this session, this call included."""
    _CALLS.mkdir(parents=True, exist_ok=True)
    with open(_CALLS / hashlib.sha1(key.encode()).hexdigest(), "ab") as counter:
        counter.write(b".")  # one byte per call; appends from several processes don't clash
        return counter.tell()


def failures_so_far(key: str, fail_first: int) -> int | None:
    """Counts calls of ``key`` in rounds of ``fail_first + 1``: the first ``fail_first`` of a
    round fail (their index in the round is returned), the last succeeds (None). So every run
    that retries until it succeeds sees the same failures, the first run and every later one."""
    index = (call_number(key) - 1) % (fail_first + 1)
    return index if index < fail_first else None


def get(endpoint: str, *, fail_first: int = 2) -> list[dict]:
    """Fail the first ``fail_first`` calls per endpoint (in each run), then answer."""
    failure = failures_so_far(f"GET {endpoint}", fail_first)
    if failure is not None:
        if failure % 2 == 0:
            raise ConnectionError(f"GET {endpoint}: connection reset by peer")
        raise TooManyRequests(retry_after=0.8)
    rng = random.Random(endpoint)
    return [{"id": i, "amount": round(rng.uniform(1, 500), 2)} for i in range(20)]
