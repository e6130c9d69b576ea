"""Dask distributed on an in-process ``LocalCluster`` (one worker, 8 threads); extra venv only.

``client.submit(..., retries=n)`` retries on any exception at once: Dask has no retry
delay, so the waiting workload's first attempt sleeps the delay in its thread, then raises.
``pure=False`` keeps Dask from deduplicating equal calls across workloads.
"""

from __future__ import annotations

import time

_t0 = time.perf_counter()
import dask  # noqa: E402 - imported after the timer starts
from dask.distributed import Client, LocalCluster  # noqa: E402 - imported after the timer starts

IMPORT_S = time.perf_counter() - _t0

from _common import fail_twice, main, sleep_then_fail_once, trivial  # noqa: E402 - imported after the timer starts


class DaskEngine:
    name = "dask"
    version = dask.__version__

    def start(self) -> None:
        self.cluster = LocalCluster(
            processes=False, n_workers=1, threads_per_worker=8, dashboard_address=None
        )
        self.client = Client(self.cluster)

    def trivial(self, n: int) -> list[int]:
        futures = [self.client.submit(trivial, i, pure=False) for i in range(n)]
        return self.client.gather(futures)

    def flaky(self, n: int) -> int:
        futures = [self.client.submit(fail_twice, i, retries=2, pure=False) for i in range(n)]
        return len(self.client.gather(futures))

    def wait(self, n: int, delay: float) -> int:
        futures = [
            self.client.submit(sleep_then_fail_once, i, delay, retries=1, pure=False)
            for i in range(n)
        ]
        return len(self.client.gather(futures))

    def stop(self) -> None:
        self.client.close()
        self.cluster.close()


if __name__ == "__main__":
    main(DaskEngine(), IMPORT_S)
