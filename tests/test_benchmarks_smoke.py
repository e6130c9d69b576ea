"""The benchmark scripts must not rot: their quick mode runs in CI (figures are not checked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent / "benchmarks"


def test_engine_reload_and_history_benchmarks_run_quick() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "run_all.py"), "--quick", "--only", "engine,reload,history"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "raw ThreadPoolExecutor(8)" in done.stdout and "flow.run()" in done.stdout
    assert "## reload" in done.stdout and "FAILED" not in done.stdout
    assert "A/A control" in done.stdout and "target <= 1.10" in done.stdout


def test_run_store_benchmark_runs_quick() -> None:
    """Run processes and a headless TUI tailing the store (issue 13's targets)."""
    done = subprocess.run(
        [sys.executable, str(BENCH / "run_all.py"), "--quick", "--only", "store"],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "## store" in done.stdout and "FAILED" not in done.stdout
    for row in (
        "row repainted here",
        "key r →",
        "n / x / c",
        "events/s",
        "`flowtop run`",
        "per small event",
    ):
        assert row in done.stdout, done.stdout


def test_tui_and_memory_benchmarks_run_quick() -> None:
    """The TUI's fake workspace must keep up with what the app asks of a workspace (it
    had fallen behind unnoticed), and the memory series must still run."""
    done = subprocess.run(
        [sys.executable, str(BENCH / "run_all.py"), "--quick", "--only", "tui,memory"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "## tui" in done.stdout and "## memory" in done.stdout
    assert "FAILED" not in done.stdout, done.stdout
    assert "first frame" in done.stdout and "runner + history" in done.stdout, done.stdout


def test_unknown_benchmark_is_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "run_all.py"), "--only", "nope"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "unknown benchmark" in done.stderr
