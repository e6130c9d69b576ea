"""Memory across reruns (issue 6): does a 10,000-task flow leave RSS flat over 6 runs?

Run: ``python tests/benchmarks/bench_memory.py`` (``--quick`` for a smoke run).
One runner with the SQLite history sink (as ``flowtop run`` and the TUI wire it) runs the
same flow 6 times; 10% of the tasks fail once and retry, 1% fail for good. RSS (VmRSS
from /proc/self/status) is read after each run once the history has stored everything
and the garbage collector has run. Run 1 pays for one-off allocations (the thread pool,
SQLite's cache, interned keys), so growth is measured from run 2 to run 6: the goal is
flat, under 5% or under 10 MB. A second series adds the TUI's path (event buffer and view
model) as a sink, with the same goal: the model keeps a flow's newest run, not every run.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import table, verdict

from flowtop.engine import Flow, Runner, task
from flowtop.workspace.history import History

RUNS = 6
#: Runs per series of a ``--quick`` smoke run (its figures not read): run 2 to 3 is a growth.
QUICK_RUNS = 3


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status (Linux only)")


def make_flow(n: int) -> Flow:
    calls: Counter[int] = Counter()
    lock = threading.Lock()

    @task(max_retries=1, retry_delay=0, retry_on=[ConnectionError])
    def work(i: int) -> str:
        with lock:
            calls[i] += 1
            first = calls[i] % 2 == 1
        if i % 100 == 0 or (i % 10 == 0 and first):
            raise ConnectionError(f"item {i}: connection reset")
        print(f"item {i} done")
        return f"row-{i}"

    flow = Flow(f"memory-{n}")
    for i in range(n):
        flow.add_call(work, (i,), {})
    return flow


def series(n: int, extra_sink: Callable[[], Any] | None, runs: int = RUNS) -> list[float]:
    """RSS after each of ``runs`` runs of an ``n``-task flow on one runner."""
    flow = make_flow(n)
    with tempfile.TemporaryDirectory() as folder:
        history = History(Path(folder) / "history.db")
        sinks: list[Any] = [history.sink]
        keep = extra_sink() if extra_sink is not None else None
        if keep is not None:
            sinks.append(keep)
        runner = Runner(8, sinks=sinks, next_number=history.next_number)
        samples = []
        try:
            for _ in range(runs):
                result = runner.run(flow)
                assert result.counts.get("FAILED") == n // 100, result.counts
                del result
                runner.bus.flush(60.0)
                assert history.flush(60.0), "the history did not catch up"
                gc.collect()
                samples.append(rss_mb())
        finally:
            runner.shutdown()
            history.close()
    return samples


def tui_model_sink() -> Any:
    """The TUI's own path: the event buffer drained into the view model."""
    from flowtop.tui.event_buffer import EventBuffer
    from flowtop.tui.run_store import RunStore

    buffer, store = EventBuffer(), RunStore()

    def sink(events: list[Any]) -> None:
        buffer.append_batch(events)
        store.apply_batch(buffer.drain())

    sink.store = store  # type: ignore[attr-defined]
    return sink


SERIES = {"history": ("runner + history", None), "tui": ("+ TUI view model", tui_model_sink)}


def run_series(name: str, n: int, runs: int) -> list[float]:
    """One series in a fresh interpreter: RSS is per process, and a series must not pay
    for (or profit from) the heap another one left behind."""
    done = subprocess.run(
        [sys.executable, __file__, "--series", name, "--tasks", str(n), "--runs", str(runs)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


def main(quick: bool = False, runs: int = RUNS) -> str:
    n = 1_000 if quick else 10_000
    runs = min(runs, QUICK_RUNS) if quick else runs
    header = ("series", *(f"run {i}" for i in range(1, runs + 1)), f"run 2 → {runs}", "goal")
    rows = [header]
    for name, (label, _) in SERIES.items():
        samples = run_series(name, n, runs)
        growth = samples[-1] - samples[1]
        pct = growth / samples[1] * 100
        flat = growth < 10 or pct < 5
        goal = f"< 5% or < 10 MB ({verdict(flat)})"
        rows.append(
            (
                f"{label}, {n} tasks",
                *(f"{s:.0f} MB" for s in samples),
                f"{growth:+.1f} MB ({pct:+.1f}%)",
                goal,
            )
        )
    text = table(rows)
    print(text)
    return text


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="1,000 tasks, 3 runs, for CI smoke runs"
    )
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs per series (default {RUNS})")
    parser.add_argument("--series", choices=sorted(SERIES), help=argparse.SUPPRESS)
    parser.add_argument("--tasks", type=int, default=10_000, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.series:  # the child process of run_series
        print(json.dumps(series(args.tasks, SERIES[args.series][1], args.runs)))
    else:
        main(args.quick, args.runs)
