"""Dask executor benchmark (issue 7): flowtop-on-Dask vs plain ``client.submit``, same cluster.

Run: ``python tests/benchmarks/bench_dask.py`` (``--quick`` for a smoke run).
Everything uses one ``LocalCluster(processes=False)`` started once, in this process, with
the repeats interleaved so drift hits every side alike; figures are medians, in µs per
task (wall time of the whole batch / tasks). Shapes:

* plain batch: all N trivial tasks submitted at once, then gathered (Dask's best case);
* plain, W threads: W threads each ``client.submit(...).result()``, so W futures in
  flight, which is what flowtop does (one runner thread awaits each running attempt);
* flowtop, W threads: a flow of N independent tasks on ``Runner(W, backend=DaskBackend)``;
* chain: each task needs the previous one, one future at a time (latency).

Goal: flowtop at most 1.5x plain ``client.submit``. Both ratios are printed: against the
same number of futures in flight, and against the all-at-once batch.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import table, verdict

from flowtop import Flow, task
from flowtop.engine import Runner

GOAL = 1.5


def trivial(x: int) -> int:
    return x + 1


def independent_flow(n: int) -> Flow:
    step = task(trivial)
    flow = Flow(f"dask-bench-{n}")
    for i in range(n):
        flow.add_call(step, (i,), {})
    return flow


def chain_flow(n: int) -> Flow:
    step = task(trivial)
    with Flow(f"dask-chain-{n}") as flow:
        value = step(0)
        for _ in range(n - 1):
            value = step(value)
    return flow


def _median_per_task(samples: list[float], n: int) -> float:
    return statistics.median(samples) / n * 1e6


def measure(
    client, cluster, n: int, chain_n: int, repeat: int, widths: tuple[int, ...]
) -> list[tuple[str, ...]]:
    from concurrent.futures import ThreadPoolExecutor

    from flowtop.engine.executors import DaskBackend

    wide, chain = independent_flow(n), chain_flow(chain_n)
    runners = {w: Runner(w, backend=DaskBackend(workers=w, cluster=cluster)) for w in widths}

    def plain_batch() -> float:
        start = time.perf_counter()
        client.gather([client.submit(trivial, i, pure=False) for i in range(n)])
        return time.perf_counter() - start

    def plain_threads(width: int) -> float:
        with ThreadPoolExecutor(width) as pool:
            start = time.perf_counter()
            list(pool.map(lambda i: client.submit(trivial, i, pure=False).result(), range(n)))
            return time.perf_counter() - start

    def plain_chain() -> float:
        start = time.perf_counter()
        value = 0
        for _ in range(chain_n):
            value = client.submit(trivial, value, pure=False).result()
        return time.perf_counter() - start

    def flowtop(width: int, flow: Flow) -> float:
        start = time.perf_counter()
        result = runners[width].run(flow)
        elapsed = time.perf_counter() - start
        assert result.is_completed(), result.counts
        return elapsed

    samples: dict[str, list[float]] = {}

    def sample(name: str, seconds: float) -> None:
        samples.setdefault(name, []).append(seconds)

    try:
        plain_batch(), flowtop(widths[0], wide)  # warm up both paths
        for _ in range(repeat):
            sample("batch", plain_batch())
            for w in widths:
                sample(f"plain{w}", plain_threads(w))
                sample(f"flowtop{w}", flowtop(w, wide))
            sample("plain-chain", plain_chain())
            sample("flowtop-chain", flowtop(widths[0], chain))
    finally:
        for runner in runners.values():
            runner.shutdown()
    per = {k: _median_per_task(v, chain_n if "chain" in k else n) for k, v in samples.items()}
    rows = [
        ("shape", "µs/task", "flowtop vs same in flight", "flowtop vs plain batch"),
        (f"plain client.submit, all {n} at once", f"{per['batch']:.0f}", "", ""),
    ]
    for w in widths:
        same, batch = per[f"flowtop{w}"] / per[f"plain{w}"], per[f"flowtop{w}"] / per["batch"]
        rows.append((f"plain client.submit, {w} threads", f"{per[f'plain{w}']:.0f}", "", ""))
        rows.append(
            (
                f"flowtop on Dask, {w} runner threads",
                f"{per[f'flowtop{w}']:.0f}",
                f"{same:.2f}x {verdict(same <= GOAL)}",
                f"{batch:.2f}x {verdict(batch <= GOAL)}",
            )
        )
    chain_ratio = per["flowtop-chain"] / per["plain-chain"]
    rows.append((f"plain chain of {chain_n}", f"{per['plain-chain']:.0f}", "", ""))
    rows.append(
        (f"flowtop chain of {chain_n}", f"{per['flowtop-chain']:.0f}", f"{chain_ratio:.2f}x", "")
    )
    return rows


def main(quick: bool = False) -> None:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ImportError('needs Dask: pip install "flowtop[dask]"') from None
    n, chain_n, repeat = (200, 20, 1) if quick else (1000, 200, 5)
    workers = 16  # threads of the cluster's one worker
    widths = (16,) if quick else (16, 64)
    with (
        LocalCluster(
            processes=False,
            n_workers=1,
            threads_per_worker=workers,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        rows = measure(client, cluster, n, chain_n, repeat, widths)
    print(
        f"LocalCluster(processes=False), 1 worker x {workers} threads; goal <= {GOAL}x; medians of {repeat}"
    )
    print(table(rows))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    main(parser.parse_args().quick)
