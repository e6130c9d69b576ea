"""Keeps ``tests/benchmarks/compare.py`` from rotting: a quick flowtop-vs-raw run in CI.

Only flowtop and the raw pool run, so the Prefect/Dask venv is never created or touched
(the venv location is pointed at a temporary path that must stay absent). The figures
themselves are not judged here — only that each row is there and holds sane values.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

COMPARE = Path(__file__).resolve().parent / "benchmarks" / "compare.py"
TIME = re.compile(r"^(-?[\d.]+) (µs|ms|s)\b")
UNIT = {"µs": 1e-6, "ms": 1e-3, "s": 1.0}
# quick sizes: 10 and 50 trivial tasks, 10 tasks failing twice, 16 waiting one 0.2 s retry
COLUMNS = 12


def run_compare(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, FLOWTOP_COMPARE_VENV=str(tmp / "venv-must-not-exist"))
    return subprocess.run(
        [sys.executable, str(COMPARE), *args], capture_output=True, text=True, env=env, timeout=60
    )


def seconds(text: str) -> float:
    match = TIME.match(text)
    assert match, f"not a duration: {text!r}"
    return float(match.group(1)) * UNIT[match.group(2)]


@pytest.fixture(scope="module")
def quick_table(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    tmp = tmp_path_factory.mktemp("compare")
    done = run_compare(tmp, "--quick", "--only", "flowtop,raw")
    assert done.returncode == 0, done.stderr
    assert not (tmp / "venv-must-not-exist").exists()
    rows = {}
    for line in done.stdout.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if cells[0] == "engine" or cells[0].startswith(("raw ", "flowtop ")):
            rows[cells[0].split()[0]] = cells
    return rows


def test_quick_run_prints_a_row_per_engine(quick_table: dict[str, list[str]]) -> None:
    assert set(quick_table) == {"engine", "raw", "flowtop"}
    assert all(len(cells) == COLUMNS for cells in quick_table.values()), quick_table


def test_quick_run_figures_are_sane(quick_table: dict[str, list[str]]) -> None:
    header = quick_table["engine"]
    for engine in ("raw", "flowtop"):
        row = dict(zip(header, quick_table[engine], strict=True))
        assert row["attempts (want 30)"] == "30"  # every task failed twice, then succeeded
        for column in ("import", "first result", "10 tasks", "50 tasks", "10 × fail twice"):
            assert 0 < seconds(row[column]) < 10, (engine, column, row[column])
        # 16 tasks, one 0.2 s retry each: nobody beats the delay itself
        assert 0.2 <= seconds(row["16 × 0.2 s retry"]) < 10, row
    flowtop = dict(zip(header, quick_table["flowtop"], strict=True))
    assert "× raw" in flowtop["50 tasks"]  # ratios are against the raw pool of the same run


def test_unknown_engine_is_named(tmp_path: Path) -> None:
    done = run_compare(tmp_path, "--quick", "--only", "flowtop,airflow")
    assert done.returncode == 2
    assert "unknown engine(s) airflow" in done.stderr
    assert "raw,flowtop,prefect,dask" in done.stderr
