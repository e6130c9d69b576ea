"""The side-by-side harness in the default test run: its flowtop half against Prefect 3's
observations recorded by ``side_by_side.py --record`` (the Prefect half needs the extra
venv and is run by hand). Outcome, attempt counts and any extra observation are compared;
retry gaps are not (no timed assertions here: the harness itself compares them)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HARNESS = ROOT / "tests" / "compat" / "side_by_side.py"


def harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location("side_by_side", HARNESS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def flowtop_half(names: list[str]) -> dict[str, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, str(HARNESS), "--child", "flowtop", "--only", ",".join(names)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT / "app")},
    )
    assert done.returncode == 0, done.stderr
    return {
        item["name"]: item
        for item in (
            json.loads(line.removeprefix("SIDE-BY-SIDE "))
            for line in done.stdout.splitlines()
            if line.startswith("SIDE-BY-SIDE ")
        )
    }


def test_every_scenario_has_a_prefect_recording() -> None:
    sbs = harness()
    recorded = json.loads(sbs.RECORDING.read_text())
    assert recorded["_prefect_version"].startswith("3.")
    assert set(sbs.SCENARIOS) <= set(recorded), "rerun side_by_side.py --record"
    assert len(sbs.SCENARIOS) >= 59  # issue 14's count
    assert set(sbs.KNOWN) <= set(sbs.SCENARIOS) and set(sbs.SLOW) <= set(sbs.SCENARIOS)


def test_the_docs_quote_the_side_by_side_count() -> None:
    """They said 105 of 107 while the script held 111 scenarios."""
    sbs = harness()
    count = f"{len(sbs.SCENARIOS) - len(sbs.KNOWN)} of {len(sbs.SCENARIOS)}"
    assert f"{count} small Prefect files behave the same" in (ROOT / "README.md").read_text()
    prefect_md = (ROOT / "docs" / "prefect.md").read_text()
    assert f"runs {len(sbs.SCENARIOS)} small unmodified Prefect 3 files" in prefect_md
    assert f"**{count} the same**" in prefect_md


def test_flowtop_behaves_as_recorded_prefect_3() -> None:
    sbs = harness()
    recorded = json.loads(sbs.RECORDING.read_text())
    names = [n for n in sbs.SCENARIOS if n not in sbs.SLOW]
    results = flowtop_half(names)
    assert set(results) == set(names)
    same, differ = [], {}
    for name in names:
        assert "error" not in results[name], (name, results[name])
        ours = {k: v for k, v in results[name]["obs"].items() if k != "gaps"}
        theirs = {k: v for k, v in recorded[name].items() if k != "gaps"}
        (same.append(name) if ours == theirs else differ.update({name: (theirs, ours)}))
    unexpected = {n: d for n, d in differ.items() if n not in sbs.KNOWN}
    assert not unexpected, unexpected
    # a KNOWN entry that now behaves the same is stale: take it out of KNOWN
    assert not [n for n in same if n in sbs.KNOWN]
