"""Engine benchmarks (issue 2): overhead vs a raw pool, waits that hold no thread, retry lateness.

Run: ``python tests/benchmarks/bench_engine.py`` (``--quick`` for a smoke run).
Every figure is a median over repeats, with the raw ThreadPoolExecutor baseline measured
in the same process right beside it, so machine noise hits both sides alike; each overhead
sample starts after ``settle()`` (garbage collected, machine idle), in alternating order.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import median_of, percentile, settle, table, verdict

from flowtop import Flow, task
from flowtop.engine import Runner


def trivial(x: int) -> int:
    return x + 1


def independent_flow(n: int) -> Flow:
    step = task(trivial)
    flow = Flow(f"bench-{n}")
    for i in range(n):
        flow.add_call(step, (i,), {})
    return flow


def bench_overhead(n: int, repeat: int) -> list[tuple[str, ...]]:
    flow = independent_flow(n)

    def raw() -> float:  # a fresh pool each time, as flow.run() makes a fresh runner
        start = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            wait([pool.submit(trivial, i) for i in range(n)])
        return time.perf_counter() - start

    def engine() -> float:
        start = time.perf_counter()
        result = flow.run(workers=8)
        elapsed = time.perf_counter() - start
        assert result.is_completed(), result.counts
        return elapsed

    raw(), engine()  # warm both pools
    raw_samples, engine_samples = [], []
    for i in range(repeat):  # interleaved in alternating order, each after settle(): alike
        for kind in (raw, engine) if i % 2 == 0 else (engine, raw):
            settle()
            (raw_samples if kind is raw else engine_samples).append(kind())
    r = sorted(raw_samples)[len(raw_samples) // 2]
    e = sorted(engine_samples)[len(engine_samples) // 2]
    ratio = e / r
    return [
        (
            f"{n} trivial tasks: raw ThreadPoolExecutor(8)",
            f"{r * 1e3:.1f} ms",
            f"{r / n * 1e6:.1f} µs/task",
            "",
        ),
        (
            f"{n} trivial tasks: flow.run(), 8 workers",
            f"{e * 1e3:.1f} ms",
            f"{e / n * 1e6:.1f} µs/task",
            f"{ratio:.2f}× raw (goal ≤ 2×, {verdict(ratio <= 2)})",
        ),
    ]


def bench_waits(n: int, delay: float, repeat: int) -> list[tuple[str, ...]]:
    def once() -> float:
        seen: set[int] = set()

        @task(max_retries=1, retry_delay=delay)
        def fails_once(i: int) -> int:
            if i not in seen:
                seen.add(i)
                raise ConnectionError("transient")
            return i

        flow = Flow("waits")
        for i in range(n):
            flow.add_call(fails_once, (i,), {})
        with Runner(workers=8) as runner:
            start = time.perf_counter()
            result = runner.run(flow)
            elapsed = time.perf_counter() - start
        assert result.is_completed(), result.counts
        return elapsed

    med, lo, hi = median_of(once, repeat)
    goal = delay + 0.2
    return [
        (
            f"{n} tasks each waiting one {delay:g} s retry, 8 workers",
            f"{med * 1e3:.0f} ms",
            f"min–max {lo * 1e3:.0f}–{hi * 1e3:.0f} ms",
            f"goal ≤ {goal * 1e3:.0f} ms ({verdict(med <= goal)}); threads holding waits: {n * delay / 8:.0f} s",
        ),
    ]


def bench_lateness(n: int, delay: float, repeat: int) -> list[tuple[str, ...]]:
    p50s, p99s = [], []
    for _ in range(repeat):
        due: dict[int, float] = {}
        late: list[float] = []

        @task(max_retries=1, retry_delay=delay)
        def due_together(i: int, due: dict[int, float] = due, late: list[float] = late) -> int:
            now = time.monotonic()
            if i not in due:
                due[i] = now + delay
                raise TimeoutError("once")
            late.append(now - due[i])
            return i

        flow = Flow("lateness")
        for i in range(n):
            flow.add_call(due_together, (i,), {})
        with Runner(workers=8) as runner:
            assert runner.run(flow).is_completed()
        p50s.append(percentile(late, 50))
        p99s.append(percentile(late, 99))
    p50 = sorted(p50s)[len(p50s) // 2]
    p99 = sorted(p99s)[len(p99s) // 2]
    return [
        (
            f"retry start lateness, {n} due at once",
            f"p50 {p50 * 1e3:.2f} ms",
            f"p99 {p99 * 1e3:.2f} ms",
            f"goal p99 ≤ 15 ms ({verdict(p99 <= 0.015)})",
        ),
    ]


def main(quick: bool = False) -> str:
    repeat = 2 if quick else 7
    n = 500 if quick else 5000
    rows = [("benchmark", "median", "detail", "ratio / goal")]
    rows += bench_overhead(n, repeat)
    rows += bench_waits(100 if quick else 1000, 0.5, 1 if quick else 5)
    rows += bench_lateness(100 if quick else 1000, 0.3, 1 if quick else 5)
    text = table(rows)
    print(text)
    return text


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI smoke runs")
    main(parser.parse_args().quick)
