"""Big arguments: what a task call in a ``@flow`` costs beside the same call made directly.

Run: ``python tests/benchmarks/bench_big_args.py`` (``--quick`` for a smoke run).
A ``@flow`` body calls a task that reads its argument once (a pass over its items, as a
task that does something with every item would), given a list of a million numbers,
the same as a dict, a list of a million ``(int, str)`` rows, 50 MB of ``bytes`` and an
opaque object holding a million numbers; each call is timed inside the flow body, so
the flow's own start is not counted, and beside it the task's function is called
directly in the same process. Median of several rounds (each after ``gc.collect()``),
the two kinds alternating. What is left above the direct call is the engine's look for
futures in the argument (``engine/arg_refs.py``: "the walk", timed alone in the same
flow bodies) and, on the attempt's thread, the fingerprint of its inputs that a rerun or
flow-level retry matches (``engine/rerun_cache.py``: a pickle of them, hashed).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import table, verdict

from flowtop import flow, task
from flowtop.engine import Runner
from flowtop.engine.arg_refs import call_inputs
from flowtop.engine.context import current_run

#: The list row's goal: the engine's part per million items (it was 2.8 s, three walks).
GOAL_PER_MILLION = 0.1


class Opaque:
    """Not a container, dataclass nor model: never looked into, whatever it holds."""

    def __init__(self, n: int) -> None:
        self.data = list(range(n))


def read_all(value: Any) -> int:
    """What the task does: one pass over its argument."""
    if isinstance(value, bytes):
        return value.count(b"\0")
    return sum(1 for _ in (value.data if isinstance(value, Opaque) else value))


def shapes(n: int, megabytes: int) -> dict[str, Callable[[], Any]]:
    return {
        f"list of {n:,} ints": lambda: list(range(n)),
        f"dict of {n:,} ints": lambda: {i: i for i in range(n)},
        f"list of {n:,} (int, str) rows": lambda: [(i, str(i)) for i in range(n)],
        f"{megabytes} MB of bytes": lambda: b"x" * (megabytes * 1_000_000),
        f"opaque object holding {n:,} ints": lambda: Opaque(n),
    }


def bench_shape(
    runner: Runner, value: Any, rounds: int
) -> tuple[list[float], list[float], list[float]]:
    """The times of ``rounds`` task calls in a flow body, of as many direct calls, and of
    the walk of the argument alone (in the same flow bodies)."""
    consume = task(read_all, name="consume")
    walks: list[float] = []

    @flow(name="big-args")
    def big_args() -> float:
        start = time.perf_counter()
        consume(value)
        took = time.perf_counter() - start
        run = current_run()
        assert run is not None
        start = time.perf_counter()
        call_inputs(run, (value,), {}, set())
        walks.append(time.perf_counter() - start)
        return took

    def in_flow() -> float:
        result = runner.run(big_args)
        assert result.is_completed(), result.error
        return float(result.value)

    def direct() -> float:
        start = time.perf_counter()
        read_all(value)
        return time.perf_counter() - start

    in_flow()  # warm-up: the task's policy, the flow's first run
    flows: list[float] = []
    directs: list[float] = []
    for i in range(rounds):
        for kind in (in_flow, direct) if i % 2 == 0 else (direct, in_flow):
            gc.collect()
            (flows if kind is in_flow else directs).append(kind())
    return flows, directs, walks[1:]


def main(quick: bool = False) -> str:
    # quick: a smoke run of every shape (its figures not read), a tenth of the old quick sizes
    n = 10_000 if quick else 1_000_000
    megabytes = 5 if quick else 50
    rounds = 1 if quick else 5
    rows = [
        (
            "argument of one task call in a @flow",
            "in the flow",
            "direct call",
            "engine's part",
            "of it, the walk",
        )
    ]
    with Runner() as runner:
        for name, make in shapes(n, megabytes).items():
            flows, directs, walks = bench_shape(runner, make(), rounds)
            in_flow, direct = statistics.median(flows), statistics.median(directs)
            extra = in_flow - direct
            walk = f"{statistics.median(walks) * 1e3:.1f} ms"
            detail = f"{extra * 1e3:.0f} ms, ×{in_flow / direct:.1f} the direct call"
            if name.startswith("list of") and "rows" not in name:
                per_million = extra * 1_000_000 / n
                ok = per_million <= GOAL_PER_MILLION
                detail += (
                    f"; {per_million:.3f} s per million items"
                    f" (goal ≤ {GOAL_PER_MILLION} s, {verdict(ok)})"
                )
            rows.append((name, f"{in_flow * 1e3:.1f} ms", f"{direct * 1e3:.1f} ms", detail, walk))
            gc.collect()
    text = table(rows)
    print(f"medians of {rounds} rounds\n{text}")
    return text


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI smoke runs")
    main(parser.parse_args().quick)
