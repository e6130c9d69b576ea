"""flowtop: one ``Runner(workers=8)`` per process, one flow run per workload.

Building the flow (``add_call`` per task) is inside the timed wall, as it is for a user;
its share is reported in ``extra`` so an engine-side cost there stays visible.
"""

from __future__ import annotations

import time

_t0 = time.perf_counter()
import flowtop  # noqa: E402 - imported after the timer starts
from flowtop import Flow, Task, task  # noqa: E402 - imported after the timer starts
from flowtop.engine import Runner  # noqa: E402 - imported after the timer starts

IMPORT_S = time.perf_counter() - _t0

from typing import Any  # noqa: E402 - imported after the timer starts

from _common import fail_once, fail_twice, main, trivial  # noqa: E402 - imported after the timer starts


class FlowtopEngine:
    name = "flowtop"
    version = flowtop.__version__

    def __init__(self) -> None:
        self.extra: dict[str, Any] = {"build_s": {}}

    def start(self) -> None:
        self.runner = Runner(workers=8)
        self.step = task(trivial)

    def _run(self, step: Task, n: int) -> list[Any]:
        start = time.perf_counter()
        flow = Flow(f"compare-{step.name}-{n}")
        refs = [flow.add_call(step, (i,), {}) for i in range(n)]
        self.extra["build_s"][f"{step.name}-{n}"] = time.perf_counter() - start
        result = self.runner.run(flow)
        if not result.is_completed():
            raise AssertionError(f"flowtop run ended {result.state}: {result.counts}")
        return [result[ref.key].result for ref in refs]

    def trivial(self, n: int) -> list[int]:
        return self._run(self.step, n)

    def flaky(self, n: int) -> int:
        return len(self._run(task(fail_twice, max_retries=2, retry_delay=0), n))

    def wait(self, n: int, delay: float) -> int:
        return len(self._run(task(fail_once, max_retries=1, retry_delay=delay), n))

    def stop(self) -> None:
        self.runner.shutdown()


if __name__ == "__main__":
    main(FlowtopEngine(), IMPORT_S)
