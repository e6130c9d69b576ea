"""The protocol every engine script follows, so each engine runs the very same workloads.

Stdlib only: the Prefect and Dask scripts run under the extra venv's python, which has no
flowtop. Each script times its own imports, then calls :func:`main` with an engine object
(``start``, ``trivial(n)``, ``flaky(n)``, ``wait(n, delay)``, ``stop``); ``main`` times the
rest and prints one ``COMPARE-RESULT {json}`` line for ``compare.py`` to read. Task
functions live here, at module level, so every engine counts attempts in the same place.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any

RESULT_MARK = "COMPARE-RESULT "


class Attempts:
    """Counts calls per task input, so a task can fail its first k attempts and the total is checkable."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: dict[int, int] = {}

    def bump(self, key: int) -> int:
        with self._lock:
            n = self.calls.get(key, 0) + 1
            self.calls[key] = n
            return n

    def reset(self) -> None:
        with self._lock:
            self.calls = {}

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.calls.values())


ATTEMPTS = Attempts()


def trivial(x: int) -> int:
    return x + 1


def fail_twice(i: int) -> int:
    if ATTEMPTS.bump(i) <= 2:
        raise ConnectionError(f"transient failure of task {i}")
    return i


def fail_once(i: int) -> int:
    """The engine itself must wait the retry delay before the second attempt."""
    if ATTEMPTS.bump(i) == 1:
        raise ConnectionError(f"transient failure of task {i}")
    return i


def sleep_then_fail_once(i: int, delay: float) -> int:
    """For engines with no retry delay (Dask): the first attempt sleeps the delay in its thread."""
    if ATTEMPTS.bump(i) == 1:
        time.sleep(delay)
        raise ConnectionError(f"transient failure of task {i}")
    return i


def _timed(fn: Any, *args: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - start, value


def main(engine: Any, import_s: float) -> None:
    """Run every workload once on ``engine`` and print the figures; raise if any result is wrong."""
    config = json.loads(sys.argv[1])
    startup_s, _ = _timed(engine.start)
    first = engine.trivial(1)
    first_result_s = time.time() - config["launched"]
    if first != [1]:
        raise AssertionError(f"{engine.name}: first result {first!r}, expected [1]")
    engine.trivial(config["trivial"][0])  # untimed warm-up: every engine starts its threads
    engine.trivial(1)  # untimed: lets an engine finish recording the warm-up (see settle)
    one_task_s, _ = _timed(engine.trivial, 1)
    out: dict[str, Any] = {
        "engine": engine.name,
        "version": engine.version,
        "import_s": import_s,
        "startup_s": startup_s,
        "first_result_s": first_result_s,
        "one_task_s": one_task_s,
        "trivial": {},
        "settle": {},
    }

    def settle(name: str) -> None:
        # A one-task run right after a workload: an engine still busy recording that
        # workload (Prefect's server) shows it here, and the next workload starts idle.
        out["settle"][name], _ = _timed(engine.trivial, 1)

    for n in config["trivial"]:
        wall, values = _timed(engine.trivial, n)
        if sorted(values) != list(range(1, n + 1)):
            raise AssertionError(f"{engine.name}: {n} trivial tasks returned wrong values")
        out["trivial"][str(n)] = wall
        settle(f"trivial-{n}")
    for name, n, args in (
        ("flaky", config["flaky"], ()),
        ("wait", config["wait"], (config["delay"],)),
    ):
        ATTEMPTS.reset()
        wall, completed = _timed(getattr(engine, name), n, *args)
        if completed != n:
            raise AssertionError(
                f"{engine.name}: {name} workload completed {completed} of {n} tasks"
            )
        out[name] = {"wall": wall, "attempts": ATTEMPTS.total}
        settle(name)
    out["extra"] = getattr(engine, "extra", {})
    engine.stop()
    print(RESULT_MARK + json.dumps(out), flush=True)
