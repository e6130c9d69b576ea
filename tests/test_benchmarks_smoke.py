"""The benchmark scripts must not rot: their quick mode runs in CI (figures are not checked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent / "benchmarks"

#: ``run_all.py`` without the idle pause (``_util.SETTLE``) before each timed run: it
#: keeps machine noise out of figures, which this test does not read, and was most of
#: the history benchmark's quick run. Every benchmark's code still runs, at its quick sizes.
RUN_ALL_UNSETTLED = (
    f"import sys; sys.path.insert(0, {str(BENCH)!r}); import _util, run_all; "
    "_util.SETTLE = 0.0; sys.exit(run_all.main(sys.argv[1:]))"
)


def run_quick(only: str, timeout: float) -> str:
    """``run_all.py --quick --only ONLY``'s output (no idle pauses), after checking it exited 0."""
    done = subprocess.run(
        [sys.executable, "-c", RUN_ALL_UNSETTLED, "--quick", "--only", only],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FAILED" not in done.stdout, done.stdout
    return done.stdout


def test_engine_reload_history_and_events_benchmarks_run_quick() -> None:
    out = run_quick("engine,big_args,reload,history,events", timeout=150)
    assert "raw ThreadPoolExecutor(8)" in out and "flow.run()" in out
    assert "## events" in out and "every task's state and attempts exact" in out
    assert "list of 10,000 (int, str) rows" in out
    assert "## reload" in out
    assert "A/A control" in out and "target <= 1.10" in out


def test_run_store_benchmark_runs_quick() -> None:
    """Run processes and a headless TUI tailing the store (issue 13's targets)."""
    out = run_quick("store", timeout=240)
    assert "## store" in out
    for row in (
        "row repainted here",
        "key r →",
        "n / x / c",
        "events/s",
        "`flowtop run`",
        "per small event",
    ):
        assert row in out, out


def test_tui_and_memory_benchmarks_run_quick() -> None:
    """The TUI's fake workspace must keep up with what the app asks of a workspace (it
    had fallen behind unnoticed), and the memory series must still run."""
    out = run_quick("tui,memory", timeout=180)
    assert "## tui" in out and "## memory" in out
    assert "first frame" in out and "runner + history" in out, out


def test_unknown_benchmark_is_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "run_all.py"), "--only", "nope"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "unknown benchmark" in done.stderr
