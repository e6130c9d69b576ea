"""The side-by-side harness must not rot: its flowtop half runs in the default suite
(the Prefect half needs the extra venv and is run by hand)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HARNESS = ROOT / "tests" / "compat" / "side_by_side.py"


def test_flowtop_half_of_the_harness_runs() -> None:
    names = ["retries_then_success", "retry_condition_rejects", "unmapped", "async_gather"]
    done = subprocess.run(
        [sys.executable, str(HARNESS), "--child", "flowtop", "--only", ",".join(names)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT / "app")},
    )
    assert done.returncode == 0, done.stderr
    results = {
        item["name"]: item
        for item in (
            json.loads(line.removeprefix("SIDE-BY-SIDE "))
            for line in done.stdout.splitlines()
            if line.startswith("SIDE-BY-SIDE ")
        )
    }
    assert set(results) == set(names)
    assert results["retries_then_success"]["obs"]["attempts"] == {"flaky": 3}
    assert results["retry_condition_rejects"]["obs"]["attempts"] == {"lookup": 1}
    assert results["unmapped"]["obs"]["outcome"] == "returned [31, 32]"
    assert results["async_gather"]["obs"]["outcome"] == "returned [0, 2, 4, 6, 8]"
