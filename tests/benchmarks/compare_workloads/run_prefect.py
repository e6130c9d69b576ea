"""Prefect 3 against its local ephemeral server; runs only under the extra venv's python.

The server is started explicitly first so its cost lands in ``startup_s``, not in the
per-task figures (Prefect would otherwise start it inside the first flow run). Fan-out is
``.submit`` on a ``ThreadPoolTaskRunner(max_workers=8)``; one flow run per workload.
"""

from __future__ import annotations

import time

_t0 = time.perf_counter()
import prefect  # noqa: E402 - imported after the timer starts
from prefect import flow, task  # noqa: E402 - imported after the timer starts
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402 - imported after the timer starts

IMPORT_S = time.perf_counter() - _t0

from _common import fail_once, fail_twice, main, trivial  # noqa: E402 - imported after the timer starts
from prefect.server.api.server import SubprocessASGIServer  # noqa: E402 - imported after the timer starts

trivial_task = task(trivial)
fail_twice_task = task(fail_twice, retries=2, retry_delay_seconds=0)


@flow(task_runner=ThreadPoolTaskRunner(max_workers=8))
def fan_out(n: int) -> list[int]:
    futures = [trivial_task.submit(i) for i in range(n)]
    return [f.result() for f in futures]


@flow(task_runner=ThreadPoolTaskRunner(max_workers=8))
def flaky_flow(n: int) -> int:
    futures = [fail_twice_task.submit(i) for i in range(n)]
    return len([f.result() for f in futures])


@flow(task_runner=ThreadPoolTaskRunner(max_workers=8))
def wait_flow(n: int, delay: float) -> int:
    step = task(fail_once, retries=1, retry_delay_seconds=delay)
    futures = [step.submit(i) for i in range(n)]
    return len([f.result() for f in futures])


class PrefectEngine:
    name = "prefect"
    version = prefect.__version__

    def start(self) -> None:
        SubprocessASGIServer().start()

    def trivial(self, n: int) -> list[int]:
        return fan_out(n)

    def flaky(self, n: int) -> int:
        return flaky_flow(n)

    def wait(self, n: int, delay: float) -> int:
        return wait_flow(n, delay)

    def stop(self) -> None:
        pass  # Prefect stops its server at exit


if __name__ == "__main__":
    main(PrefectEngine(), IMPORT_S)
