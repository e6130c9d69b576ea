"""Baseline: a bare ``ThreadPoolExecutor(8)``; retries are a loop inside the worker thread.

That loop is what people write by hand without an engine: cheap, but a retry delay
sleeps in (and holds) the worker thread.
"""

from __future__ import annotations

import time

_t0 = time.perf_counter()
from concurrent.futures import ThreadPoolExecutor  # noqa: E402 - imported after the timer starts

IMPORT_S = time.perf_counter() - _t0

import platform  # noqa: E402 - imported after the timer starts
from collections.abc import Callable  # noqa: E402 - imported after the timer starts

from _common import fail_once, fail_twice, main, trivial  # noqa: E402 - imported after the timer starts


def with_retries(fn: Callable[[int], int], i: int, retries: int, delay: float) -> int:
    for attempt in range(retries + 1):
        try:
            return fn(i)
        except Exception:
            if attempt == retries:
                raise
            if delay:
                time.sleep(delay)
    raise AssertionError("unreachable")


class RawEngine:
    name = "raw"
    version = f"ThreadPoolExecutor(8), Python {platform.python_version()}"

    def start(self) -> None:
        self.pool = ThreadPoolExecutor(8)

    def trivial(self, n: int) -> list[int]:
        futures = [self.pool.submit(trivial, i) for i in range(n)]
        return [f.result() for f in futures]

    def _retrying(self, fn: Callable[[int], int], n: int, retries: int, delay: float) -> int:
        futures = [self.pool.submit(with_retries, fn, i, retries, delay) for i in range(n)]
        return sum(1 for f in futures if f.result() is not None)

    def flaky(self, n: int) -> int:
        return self._retrying(fail_twice, n, 2, 0)

    def wait(self, n: int, delay: float) -> int:
        return self._retrying(fail_once, n, 1, delay)

    def stop(self) -> None:
        self.pool.shutdown()


if __name__ == "__main__":
    main(RawEngine(), IMPORT_S)
