"""Engine benchmarks (issue 2): overhead vs a raw pool, waits that hold no thread, retry lateness.

Run: ``python tests/benchmarks/bench_engine.py`` (``--quick`` for a smoke run).
The overhead figures are the best of 7 interleaved rounds of each kind, each run after
``gc.collect()``, with the raw ThreadPoolExecutor baseline measured in the same process
right beside it (the pool's start counted on both sides); the verdict is best against
best, and the median and min–max of the ratios within each round are printed beside it.
The waits are medians.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import median_of, percentile, table, verdict

from flowtop import Flow, task
from flowtop.engine import Runner


def trivial(x: int) -> int:
    return x + 1


def independent_flow(n: int, *, distinct: bool = False, tagged: bool = False) -> Flow:
    """``n`` independent calls of ``trivial``: one ``@task`` called ``n`` times, or (``distinct``)
    ``n`` separate ``task(...)`` objects, each with its own policy (summary, record).
    ``tagged``: the task has a tag that no limit names (each attempt asks whether it does)."""
    step = task(trivial, tags=["nightly"]) if tagged else task(trivial)
    flow = Flow(f"bench-{n}{'-distinct' if distinct else ''}{'-tagged' if tagged else ''}")
    for i in range(n):
        flow.add_call(task(trivial) if distinct else step, (i,), {})
    return flow


def interleaved(kinds: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Each kind's time in each of ``rounds`` interleaved rounds, each run after
    ``gc.collect()``; the order alternates so neither kind always goes first."""
    names = list(kinds)
    for name in names:  # warm-up: imports, thread start, caches
        kinds[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(rounds):
        for name in names if i % 2 == 0 else reversed(names):
            gc.collect()
            times[name].append(kinds[name]())
    return times


def ratio_cell(engine: list[float], raw: list[float], goal: float) -> str:
    """Best against best (the verdict), then the median and min–max of the ratios
    within each round: on a shared machine a round's two runs share its noise."""
    best = min(engine) / min(raw)
    within = [e / r for e, r in zip(engine, raw, strict=True)]
    return (
        f"{best:.2f}× raw (goal ≤ {goal:g}×, {verdict(best <= goal)}); within rounds "
        f"median {statistics.median(within):.2f}× ({min(within):.2f}–{max(within):.2f})"
    )


def bench_overhead(n: int, rounds: int) -> list[tuple[str, ...]]:
    """``flow.run()`` of ``n`` trivial independent tasks against a bare ``ThreadPoolExecutor(8)``
    submitting the same calls; the pool's start is counted on both sides."""
    one_task, distinct = independent_flow(n), independent_flow(n, distinct=True)
    tagged = independent_flow(n, tagged=True)

    def raw() -> float:  # a fresh pool each time, as flow.run() makes a fresh runner
        start = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            wait([pool.submit(trivial, i) for i in range(n)])
        return time.perf_counter() - start

    def engine(flow: Flow) -> Callable[[], float]:
        def timed() -> float:
            start = time.perf_counter()
            result = flow.run(workers=8)
            elapsed = time.perf_counter() - start
            assert result.is_completed(), result.counts
            return elapsed

        return timed

    kinds = {"raw": raw, "one": engine(one_task), "distinct": engine(distinct)}
    times = interleaved({**kinds, "tagged": engine(tagged)}, rounds)
    r = min(times["raw"])
    rows: list[tuple[str, ...]] = [
        (
            f"{n} trivial tasks: raw ThreadPoolExecutor(8)",
            f"{r * 1e3:.1f} ms",
            f"{r / n * 1e6:.1f} µs/task",
            "",
        )
    ]
    for key, label in (("one", "one @task called"), ("distinct", "distinct task() objects")):
        e = min(times[key])
        rows.append(
            (
                f"{n} trivial tasks, {label}: flow.run(), 8 workers",
                f"{e * 1e3:.1f} ms",
                f"{e / n * 1e6:.1f} µs/task",
                ratio_cell(times[key], times["raw"], 1.5),
            )
        )
    e = min(times["tagged"])
    rows.append(
        (
            f"{n} trivial tasks, one @task tagged (no limit named): flow.run(), 8 workers",
            f"{e * 1e3:.1f} ms",
            f"{e / n * 1e6:.1f} µs/task",
            f"{e / min(times['one']):.2f}× the untagged: the cost of asking for its tag's limit",
        )
    )
    return rows


def bench_quick_retries(n: int, rounds: int) -> list[tuple[str, ...]]:
    """``n`` tasks that each fail twice, retried with no delay, against the same calls in a
    bare pool with the retry loop in the worker: a retry with no delay must not cost a
    timer round trip. A round takes a few milliseconds, so ``main`` gives it three times
    the rounds of the 5,000-task runs (21)."""
    failures: dict[int, int] = {}

    def flaky(i: int) -> int:
        failures[i] = failures.get(i, 0) + 1
        if failures[i] % 3:
            raise ConnectionError("transient")
        return i

    def loop(i: int) -> int:
        for attempt in range(3):
            try:
                return flaky(i)
            except ConnectionError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    step = task(flaky, max_retries=2, retry_delay=0)
    flow = Flow("fail-twice")
    for i in range(n):
        flow.add_call(step, (i,), {})

    def raw() -> float:
        failures.clear()
        start = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            wait([pool.submit(loop, i) for i in range(n)])
        return time.perf_counter() - start

    def engine() -> float:
        failures.clear()
        start = time.perf_counter()
        result = flow.run(workers=8)
        elapsed = time.perf_counter() - start
        assert result.is_completed(), result.counts
        return elapsed

    times = interleaved({"raw": raw, "engine": engine}, rounds)
    return [
        (
            f"{n} × fail twice: raw pool, retry loop in the worker",
            f"{min(times['raw']) * 1e3:.1f} ms",
            "",
            "",
        ),
        (
            f"{n} × fail twice: flow.run(), retry_delay=0",
            f"{min(times['engine']) * 1e3:.1f} ms",
            "",
            ratio_cell(times["engine"], times["raw"], 3),
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
    rounds = 2 if quick else 7
    n = 500 if quick else 5000
    rows = [("benchmark", "best / median", "detail", "ratio / goal")]
    rows += bench_overhead(n, rounds)
    rows += bench_quick_retries(100, 3 * rounds)  # a few ms each: more rounds, less noise
    rows += bench_waits(100 if quick else 1000, 0.5, 1 if quick else 5)
    rows += bench_lateness(100 if quick else 1000, 0.3, 1 if quick else 5)
    text = table(rows)
    print(text)
    return text


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI smoke runs")
    main(parser.parse_args().quick)
