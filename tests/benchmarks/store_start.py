"""The monitor's start on a big run store against a fresh workspace (``bench_tui``'s row).

An explorer measured `flowtop DIR` showing its rows 2.5-3.0 s after it started on a
504 MB store whose newest run had 10,001 tasks and 38 MB of output, against 0.5-0.9 s on
the same flow files with no store. Both sides here start a fresh interpreter with the
same flow file (the explorer's shape: N trivial tasks, every 50th printing 2,000 lines,
every 10th failing twice before it succeeds, every 97th failing for good) and time until the
task table has rows: on the big side, the rows of the stored run, replayed from the
store; on the fresh side, the flow's own (read from its file). Interleaved rounds.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BIG_FLOW = """
import threading

from flowtop import Flow, task

_lock = threading.Lock()
_calls: dict[int, int] = {{}}


def _attempt(i: int) -> int:
    with _lock:
        _calls[i] = _calls.get(i, 0) + 1
        return _calls[i]


@task(max_retries=3)
def work(i: int) -> int:
    n = _attempt(i)
    if i % 10 == 3 and n <= 2:
        raise ConnectionError(f"item {{i}}: connection reset (attempt {{n}})")
    if i % 97 == 5:
        raise ValueError(f"item {{i}}: permanently bad row")
    if i % 50 == 1:
        for k in range({lines}):
            print(f"item {{i}} progress line {{k}} ✓ " + "x" * 60)
    return i


with Flow("big") as flow:
    for i in range({n}):
        work(i)
"""

#: In a fresh interpreter: open the monitor on a folder (as ``flowtop DIR`` does: the
#: flows imported by a flow host, runs read from the store) and print the seconds until
#: its task table has rows (``stored``: the rows of a run read from the store).
START = r"""
import sys, time
t0 = time.perf_counter()
folder, stored = sys.argv[1], sys.argv[2] == "stored"
from flowtop.tui.app import FlowtopApp
from flowtop.workspace.remote_workspace import RemoteWorkspace

class Timed(FlowtopApp):
    def on_mount(self):
        self.set_interval(0.005, self._look)

    def _look(self):
        table = self.table
        if table.keys and (not stored or (table.run is not None and table.run.run_id)):
            print(time.perf_counter() - t0)
            self.exit()

workspace = RemoteWorkspace(folder)
app = Timed(workspace, load=True, run_processes=True)
try:
    app.run(headless=True, size=(120, 36))
finally:
    app.shutdown()
    workspace.close()
"""


def _start(folder: Path, stored: bool) -> float:
    done = subprocess.run(
        [sys.executable, "-c", START, str(folder), "stored" if stored else "fresh"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return float(done.stdout.split()[-1])


def _store_runs(folder: Path, runs: int) -> int:
    """Run the folder's flow ``runs`` times (``flowtop run --json``); the store's size."""
    for _ in range(runs):
        command = [sys.executable, "-m", "flowtop", "run", str(folder / "big.py"), "--json"]
        done = subprocess.run(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=folder, timeout=600
        )
        if done.returncode not in (0, 1):  # 1: the run failed, as its every 97th task does
            raise RuntimeError(f"flowtop run exited {done.returncode}: {done.stderr[-2000:]!r}")
    return (folder / ".flowtop" / "history.db").stat().st_size


def measure(quick: bool) -> tuple[str, str, str, str]:
    """The benchmark's row: (what, median, detail, baseline)."""
    n, lines, runs, rounds = (200, 100, 1, 1) if quick else (10_000, 2_000, 3, 5)
    with tempfile.TemporaryDirectory() as name:
        fresh, big = Path(name) / "fresh", Path(name) / "big"
        for folder in (fresh, big):
            folder.mkdir()
            (folder / "big.py").write_text(BIG_FLOW.format(n=n, lines=lines))
        size = _store_runs(big, runs)
        if not quick:
            _start(fresh, stored=False)  # warm the bytecode caches once
        ours, base = [], []
        for _ in range(rounds):
            ours.append(_start(big, stored=True))
            base.append(_start(fresh, stored=False))
        shutil.rmtree(big / ".flowtop", ignore_errors=True)
    med, med_base = statistics.median(ours), statistics.median(base)
    return (
        f"start → rows, {size / 1e6:.0f} MB store, newest run {n:,} tasks",
        f"{med * 1e3:.0f} ms",
        f"min–max {min(ours) * 1e3:.0f}–{max(ours) * 1e3:.0f} ms over {rounds}; "
        f"{os.cpu_count()} cores",
        f"fresh workspace {med_base * 1e3:.0f} ms (×{med / med_base:.2f})",
    )
