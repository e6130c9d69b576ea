"""TUI benchmarks (issue 4): event storms, huge flows, startup. Headless Textual pilot.

Run: ``python tests/benchmarks/bench_tui.py`` (``--quick`` for a smoke run).
Goals: 20k events/s into a 10k-task table with key-press p95 < 100 ms; a 100k-task flow
shows its first frame in < 0.5 s and an update reaches the screen in < 30 ms; startup to
first frame < 0.4 s; a 100k-task flow file's rows shown ≤ 2 s after the monitor opens its
folder (or after a save). Baselines are measured in the same run: an empty Textual app's
startup, ``DataTable``'s first frame for the same number of rows, and ``python FILE``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import percentile, table, verdict
from store_start import measure as store_start

from flowtop.engine import Flow, Runner, task
from flowtop.engine.events import ErrorInfo, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType

S = StateType
REPO = Path(__file__).resolve().parents[2]
SIZE = (120, 36)


@task
def noop() -> None:
    return None


def big_flow(n: int) -> Flow:
    flow = Flow(f"big-{n}")
    for i in range(n):
        flow.add_task(noop, key=f"task-{i:06d}")
    return flow


class BenchHistory:
    """No past runs: the benchmarks only run flows."""

    def runs(self, flow: str | None = None, limit: int | None = 100) -> list[Any]:
        return []

    def count(self, flow: str | None = None) -> int:
        return 0

    def run_detail(self, run_id: str) -> Any:
        raise KeyError(f"no run with id {run_id!r}")


class BenchWorkspace:
    """Just enough workspace for the app (``tui.workspace_view.LocalWorkspace``): one flow,
    no files, no watcher, no overrides."""

    def __init__(self, flow: Flow) -> None:
        from flowtop.workspace.flow_shapes import ShapeMaker
        from flowtop.workspace.settings import Settings

        self.root = Path(".")
        self.state_dir = self.root / ".flowtop"
        self.flows = {flow.name: flow}
        self.flow_files = {flow.name: self.root / f"{flow.name}.py"}
        self.errors: dict[Path, Any] = {}
        self.settings = Settings()
        self.settings_errors: list[Any] = []
        self.unread_prefect: list[str] = []
        self.history_error: str | None = None
        self.history = BenchHistory()
        self.runners: list[Runner] = []
        maker = ShapeMaker(self.policy_for, lambda name: [])
        self.shapes = {flow.name: maker.shape(flow)}  # built once: 100,000 tasks take a while

    def policy_for(self, flow: Flow, node: Any) -> Any:
        return node.task.policy

    def make_runner(self, sinks: Any = (), **kw: Any) -> Runner:
        runner = Runner(2, sinks=sinks, **kw)
        self.runners.append(runner)
        return runner

    def load(self) -> Any:
        raise AssertionError("the benchmark's app is made with its flow loaded")

    async def watch(self, stop_event: asyncio.Event) -> Any:
        raise AssertionError("the benchmark's app does not watch files")
        yield  # an async generator, as the protocol says

    def override_for(self, flow: str, task: str) -> dict[str, Any]:
        return {}

    def set_override(self, flow: str, task: str, **values: Any) -> None:
        raise AssertionError("the benchmarks edit no retry settings")

    def clear_override(self, flow: str, task: str) -> None:
        raise AssertionError("the benchmarks edit no retry settings")

    def check_retry_on(self, flow: str, names: Any) -> str | None:
        return None

    def check_parameters(self, flow: str, parameters: Any) -> None:
        return None

    def stop_loading(self) -> None:
        """Nothing loads: the flow is given."""


def make_app(flow: Flow) -> Any:
    from flowtop.tui.app import FlowtopApp

    class TimedApp(FlowtopApp):
        first_frame: float | None = None

        def on_mount(
            self,
        ) -> None:  # Textual also runs FlowtopApp.on_mount (handlers run per class)
            self.call_after_refresh(self._mark)

        def _mark(self) -> None:
            self.first_frame = time.perf_counter()

    return TimedApp(BenchWorkspace(flow), watch=False)


def started(flow: Flow, run_id: str = "bench") -> RunStarted:
    keys = tuple(flow.nodes)
    return RunStarted(
        run_id, flow.name, 1, keys, (4,) * len(keys), ("3× 1s",) * len(keys), None, time.time()
    )


async def wait_until(predicate: Any, timeout: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("benchmark condition not reached")
        await asyncio.sleep(0.001)


# -- 1. event storm + key latency ---------------------------------------------------
async def storm(n_tasks: int, rate: int, seconds: float) -> tuple[list[float], float, int]:
    flow = big_flow(n_tasks)
    app = make_app(flow)
    keys = list(flow.nodes)
    async with app.run_test(size=SIZE):
        app.buffer.append_batch([started(flow)])
        await wait_until(lambda: app.table.run is not None and app.table.run.run_id == "bench")
        stop = threading.Event()
        produced = [0]

        def produce() -> None:
            """``rate`` events/s in 100 batches a second, like a busy sink thread."""
            per_tick = max(1, rate // 100)
            i = 0
            next_at = time.perf_counter()
            err = ErrorInfo("ConnectionError", "reset [by peer]")
            while not stop.is_set():
                batch = []
                now = time.time()
                for _ in range(per_tick):
                    key = keys[i % n_tasks]
                    attempt = i // n_tasks + 1
                    kind = i % 3
                    if kind == 0:
                        batch.append(
                            TaskStateChanged("bench", flow.name, key, S.RUNNING, attempt, 4, now)
                        )
                    elif kind == 1:
                        batch.append(
                            TaskStateChanged(
                                "bench",
                                flow.name,
                                key,
                                S.AWAITING_RETRY,
                                attempt,
                                4,
                                now,
                                retry_in=2.0,
                                delay_explained="fixed → 2s",
                                error=err,
                                duration=0.01,
                            )
                        )
                    else:
                        batch.append(
                            TaskStateChanged(
                                "bench",
                                flow.name,
                                key,
                                S.COMPLETED,
                                attempt,
                                4,
                                now,
                                result="1",
                                duration=0.01,
                            )
                        )
                    i += 1
                app.buffer.append_batch(batch)
                produced[0] += len(batch)
                next_at += 0.01
                time.sleep(max(0.0, next_at - time.perf_counter()))

        thread = threading.Thread(target=produce, daemon=True)
        thread.start()
        from textual import events

        table_widget = app.table
        original = table_widget.render_row
        painted: list[tuple[str, float]] = []

        def spy(row, *args, cursor: bool, **kwargs):
            if cursor:
                painted.append((row.key, time.perf_counter()))
            return original(row, *args, cursor=cursor, **kwargs)

        table_widget.render_row = spy
        latencies = []
        t_start = time.perf_counter()
        received_at_start = app.buffer.received
        k = 0
        while time.perf_counter() - t_start < seconds:
            key = ("down", "down", "down", "up")[k % 4]
            k += 1
            target = table_widget.keys[table_widget.cursor + (1 if key == "down" else -1)]
            painted.clear()
            t0 = time.perf_counter()
            event = events.Key(key, None)
            event.set_sender(app)
            app._driver.send_message(event)  # what a keystroke does; pilot.press waits for idle
            await wait_until(lambda _t=target: any(k == _t for k, _ in painted))
            latencies.append(next(t for k, t in painted if k == target) - t0)
            await asyncio.sleep(0.03)
        stop.set()
        thread.join()
        table_widget.render_row = original
        elapsed = time.perf_counter() - t_start
        rate_seen = (app.buffer.received - received_at_start) / elapsed
        await wait_until(lambda: len(app.buffer) == 0)
        backlog = len(app.buffer)
    return latencies, rate_seen, backlog


# -- 1b. a big run's whole event stream, faster than the screen folds it ------------
async def big_run(n_tasks: int, rate: int) -> tuple[list[float], float, float, float, int]:
    """A run of ``n_tasks`` trivial tasks as a run process delivers it (its start, then a
    RUNNING and a COMPLETED per task, in batches of up to 4,096, ``rate`` events/s) while
    a key moves the cursor every 0.1 s. Returns the key latencies, the seconds from the
    run's start to its rows on screen and to its last event folded, the CPU seconds the
    app's thread spent meanwhile, and the keys that had no repaint within 10 s."""
    flow = big_flow(n_tasks)
    app = make_app(flow)
    keys = list(flow.nodes)
    now = time.time()
    events: list[Any] = [started(flow, "big")]
    events += [TaskStateChanged("big", flow.name, k, S.RUNNING, 1, 4, now) for k in keys]
    events += [
        TaskStateChanged("big", flow.name, k, S.COMPLETED, 1, 4, now, result="1", duration=0.01)
        for k in keys
    ]
    async with app.run_test(size=SIZE):
        await wait_until(lambda: app.table.run is not None)  # the flow's preview
        await asyncio.sleep(0.2)
        from textual import events as textual_events

        table_widget = app.table
        original = table_widget.render_row
        painted: list[tuple[str, float]] = []
        shown_at: list[float] = []  # the first repaint once the run is the table's

        def spy(row, *args, cursor: bool, **kwargs):
            if cursor:
                painted.append((row.key, time.perf_counter()))
            run = table_widget.run
            if not shown_at and run is not None and run.run_id == "big":
                shown_at.append(time.perf_counter())
            return original(row, *args, cursor=cursor, **kwargs)

        table_widget.render_row = spy

        def produce() -> None:
            next_at = time.perf_counter()
            for i in range(0, len(events), 4096):
                app.take_events(events[i : i + 4096])  # the sink a run control is given
                next_at += 4096 / rate
                time.sleep(max(0.0, next_at - time.perf_counter()))

        t0, cpu0 = time.perf_counter(), time.thread_time()
        thread = threading.Thread(target=produce, daemon=True)
        thread.start()
        latencies: list[float] = []
        unanswered = 0
        while thread.is_alive() or len(app.buffer) or not shown_at:
            target = table_widget.keys[table_widget.cursor + 1]
            painted.clear()
            t1 = time.perf_counter()
            event = textual_events.Key("down", None)
            event.set_sender(app)
            app._driver.send_message(event)
            try:
                await wait_until(lambda _t=target: any(k == _t for k, _ in painted), 10.0)
                latencies.append(next(t for k, t in painted if k == target) - t1)
            except TimeoutError:
                unanswered += 1
            await asyncio.sleep(0.1)
        done, cpu = time.perf_counter() - t0, time.thread_time() - cpu0
        thread.join()
        table_widget.render_row = original
    return latencies, shown_at[0] - t0, done, cpu, unanswered


# -- 2. huge flow: first frame, then one update -------------------------------------
async def huge_first_frame(n: int) -> tuple[float, list[float]]:
    flow = big_flow(n)
    app = make_app(flow)
    t0 = time.perf_counter()
    updates = []
    async with app.run_test(size=SIZE):
        await wait_until(lambda: app.first_frame is not None)
        first = app.first_frame - t0
        app.buffer.append_batch([started(flow)])
        await wait_until(lambda: app.table.run is not None and app.table.run.run_id == "bench")
        await asyncio.sleep(0.05)
        table_widget = app.table
        original = table_widget.render_row
        for i in range(7):
            key = list(flow.nodes)[i]
            seen: list[float] = []

            def spy(row, *args, _key=key, _seen=seen, **kwargs):
                if row.key == _key and row.state is S.FAILED and not _seen:
                    _seen.append(time.perf_counter())
                return original(row, *args, **kwargs)

            table_widget.render_row = spy
            t1 = time.perf_counter()
            app.buffer.append_batch(
                [
                    TaskStateChanged(
                        "bench",
                        flow.name,
                        key,
                        S.FAILED,
                        1,
                        4,
                        time.time(),
                        error=ErrorInfo("ValueError", "boom"),
                    )
                ]
            )
            await wait_until(lambda _s=seen: bool(_s))
            updates.append(seen[0] - t1)
            await asyncio.sleep(0.05)
        table_widget.render_row = original
    return first, updates


async def datatable_first_frame(n: int) -> float:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    class Baseline(App[None]):
        first_frame: float | None = None

        def compose(self) -> ComposeResult:
            yield DataTable()

        def on_mount(self) -> None:
            dt = self.query_one(DataTable)
            dt.add_columns("task", "state", "try", "time", "policy", "error")
            dt.add_rows((f"task-{i:06d}", "… Pending", "0/4", "", "3× 1s", "") for i in range(n))
            self.call_after_refresh(self._mark)

        def _mark(self) -> None:
            self.first_frame = time.perf_counter()

    app = Baseline()
    t0 = time.perf_counter()
    async with app.run_test(size=SIZE):
        await wait_until(lambda: app.first_frame is not None, timeout=120)
    return app.first_frame - t0


# -- 2b. a huge flow file opened and saved, through the flow host --------------------
#: ``flows/fanout.py`` (``fanout-1000``) scaled up: one ``@task`` called N times, one fan-in.
FANOUT = """from flowtop import Flow, task

N = {n}


@task(retry_on=[TimeoutError], max_retries=3, retry_delay=0.3, retry_jitter=0.5)
def fetch_page(page: int) -> int:
    return page * 10


@task
def count(*pages: int) -> int:
    return len(pages)


with Flow("fanout") as flow:
    count(*[fetch_page(i) for i in range(N)])
"""


async def flow_file_load(path: Path, n: int) -> tuple[float, float]:
    """Seconds from the monitor's start on ``path``'s folder (its flow host imports the
    file and sends the flow's shape, as ``flowtop`` does) to the flow's ``n + 1`` rows in
    the table; then from a save that adds a task to the table holding the new rows."""
    from flowtop.tui.app import FlowtopApp
    from flowtop.workspace import RemoteWorkspace

    path.write_text(FANOUT.format(n=n))
    t0 = time.perf_counter()
    workspace = RemoteWorkspace(str(path.parent))
    app = FlowtopApp(workspace, watch=True, load=True, run_processes=True)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(lambda: len(app.table.keys) == n + 1, timeout=120)
            await pilot.pause()  # the frame that shows them
            opened = time.perf_counter() - t0
            await asyncio.sleep(1.0)  # the watcher is watching
            t1 = time.perf_counter()
            path.write_text(FANOUT.format(n=n + 1))
            await wait_until(lambda: len(app.table.keys) == n + 2, timeout=120)
            await pilot.pause()
            reloaded = time.perf_counter() - t1
    finally:
        workspace.close()
    return opened, reloaded


def bare_script(path: Path) -> float:
    """``python FILE``: the flow file's own cost (the interpreter, flowtop's import, the
    flow's definition), which opening it can never be faster than."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(path)], check=True, capture_output=True)
    return time.perf_counter() - t0


# -- 3. startup, in a fresh interpreter ---------------------------------------------
STARTUP = r"""
import sys, time
t0 = time.perf_counter()
flows = sys.argv[1]
if flows == "-":
    from textual.app import App
    from textual.widgets import Static
    class A(App):
        def compose(self):
            yield Static("hello")
        def on_mount(self):
            self.call_after_refresh(lambda: (print(time.perf_counter() - t0), self.exit()))
    A().run(headless=True, size=(120, 36))
else:
    from flowtop.workspace import Workspace
    from flowtop.tui.app import FlowtopApp
    class T(FlowtopApp):
        def on_mount(self):
            self.call_after_refresh(lambda: print(time.perf_counter() - t0))
        def _workspace_ready(self):
            super()._workspace_ready()
            self.call_after_refresh(lambda: (print(time.perf_counter() - t0), self.exit()))
    ws = Workspace(flows)
    T(ws, watch=False, load=True).run(headless=True, size=(120, 36))
    ws.close()
"""


def startup(flows: str) -> tuple[float, float]:
    """(first frame, flows listed) in seconds since the interpreter started the script."""
    out = subprocess.run(
        [sys.executable, "-c", STARTUP, flows],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "0"},
    )
    times = [float(line) for line in out.stdout.split()]
    return times[0], times[-1]


def main(quick: bool = False) -> str:
    rows = [("benchmark", "median", "detail", "baseline / goal")]
    repeat = 1 if quick else 5  # quick: a smoke run, its figures not read

    with tempfile.TemporaryDirectory() as tmp:
        flows = Path(tmp) / "flows"
        shutil.copytree(
            REPO / "flows", flows, ignore=shutil.ignore_patterns(".flowtop", "__pycache__")
        )
        if not quick:
            startup(str(flows))  # warm the bytecode caches once
        base = statistics.median(startup("-")[0] for _ in range(repeat))
        ours = [startup(str(flows)) for _ in range(repeat)]
    med = statistics.median(t for t, _ in ours)
    listed = statistics.median(t for _, t in ours)
    rows.append(
        (
            "startup to first frame (bundled flows)",
            f"{med * 1e3:.0f} ms",
            f"empty Textual app {base * 1e3:.0f} ms (×{med / base:.1f}); flows listed at {listed * 1e3:.0f} ms",
            f"goal < 400 ms ({verdict(med < 0.4)})",
        )
    )

    n_storm = 2_000 if quick else 10_000
    latencies, rate_seen, backlog = asyncio.run(storm(n_storm, 20_000, 0.3 if quick else 6.0))
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    rows.append(
        (
            f"key press during 20k events/s, {n_storm} tasks",
            f"{p50 * 1e3:.1f} ms",
            f"p95 {p95 * 1e3:.1f} ms to the repaint, {len(latencies)} presses, "
            f"{rate_seen:,.0f} ev/s in, backlog {backlog}",
            f"goal p95 < 100 ms ({verdict(p95 < 0.1)})",
        )
    )

    n_run = 2_000 if quick else 100_000
    lat, shown, done, cpu, unanswered = asyncio.run(big_run(n_run, 40_000))
    rows.append(
        (
            f"key press while a {n_run:,}-task run's events arrive at 40k/s",
            f"{percentile(lat, 50) * 1e3:.0f} ms",
            f"p95 {percentile(lat, 95) * 1e3:.0f} ms, max {max(lat) * 1e3:.0f} ms, "
            f"{len(lat)} presses, {unanswered} unanswered in 10 s; rows shown "
            f"{shown * 1e3:.0f} ms after the start, last event in {done:.1f} s "
            f"({cpu:.1f} s of the app thread's CPU)",
            f"goal p95 < 300 ms ({verdict(percentile(lat, 95) < 0.3 and not unanswered)})",
        )
    )

    n_huge = 5_000 if quick else 100_000
    firsts, updates = [], []
    for _ in range(1 if quick else 3):
        first, ups = asyncio.run(huge_first_frame(n_huge))
        firsts.append(first)
        updates += ups
    first = statistics.median(firsts)
    n_dt = 500 if quick else 10_000
    dt_first = asyncio.run(datatable_first_frame(n_dt))
    rows.append(
        (
            f"first frame, {n_huge:,}-task flow",
            f"{first * 1e3:.0f} ms",
            f"DataTable {n_dt:,} rows: {dt_first * 1e3:.0f} ms ({dt_first / n_dt * 1e6:.0f} µs/row)",
            f"goal < 500 ms ({verdict(first < 0.5)})",
        )
    )
    upd = statistics.median(updates)
    rows.append(
        (
            f"event → row on screen, {n_huge:,} tasks",
            f"{upd * 1e3:.1f} ms",
            f"max {max(updates) * 1e3:.1f} ms over {len(updates)} (≤ 1 flush per 30 ms frame)",
            f"goal < 30 ms ({verdict(upd < 0.03)})",
        )
    )

    n_file = 500 if quick else 100_000
    opens, saves, bare = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fanout.py"
        for _ in range(1 if quick else 3):
            opened, reloaded = asyncio.run(flow_file_load(path, n_file))
            opens.append(opened)
            saves.append(reloaded)
            bare.append(bare_script(path))
    opened, reloaded, alone = (statistics.median(t) for t in (opens, saves, bare))
    rows.append(
        (
            f"{n_file:,}-task flow file: open → rows shown; save → new rows",
            f"{opened * 1e3:.0f} ms",
            f"`python FILE` {alone * 1e3:.0f} ms (×{opened / alone:.1f}); a save that adds "
            f"a task: {reloaded * 1e3:.0f} ms (×{reloaded / alone:.1f})",
            f"goal ≤ 2 s each ({verdict(opened <= 2.0 and reloaded <= 2.0)})",
        )
    )
    rows.append(store_start(quick))  # the start on a big run store, against a fresh one
    text = table(rows)
    print(text)
    return text


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI smoke runs")
    main(parser.parse_args().quick)
