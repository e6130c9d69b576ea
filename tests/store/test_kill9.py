"""kill -9 of a run process at random moments: the store stays sound and reruns still work."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

import fork_cli
from flowtop.engine.flow import Flow
from flowtop.workspace.history import History, reap_store
from flowtop.workspace.reruns import plan_rerun
from flowtop.workspace.results import load

from .conftest import env

TRIALS = 20
#: The trials, in parts that xdist may run side by side (a part mostly waits), each on a
#: store of its own that its earlier kills left behind.
PARTS = 2
#: When each trial's kill lands after the run went live: the same moments, whatever the
#: part that kills at them.
KILL_AFTER = [rng.uniform(0.0, 0.4) for rng in [random.Random(1234)] for _ in range(TRIALS)]

CHAINS = """
import random
import time
from flowtop import Flow, task

@task(max_retries=2, retry_delay=0.01)
def step(i: int, upstream: int = 0) -> int:
    time.sleep(0.01)
    if random.random() < 0.2:
        raise ConnectionError(f"step {i} flaked")
    return upstream + i

with Flow("chains") as flow:
    for chain in range(20):
        value = step(chain * 100)
        for link in range(1, 8):
            value = step(chain * 100 + link, value)
"""


def chains_flow() -> Flow:
    """The flow ``CHAINS`` defines, as the run's code: a rerun plans against it."""
    defined: dict[str, object] = {}
    exec(compile(CHAINS, "chains.py", "exec"), defined)
    flow = defined["flow"]
    assert isinstance(flow, Flow)
    return flow


def step_key(index: int) -> str:
    """The key of the ``index``-th ``step`` call (0-based): ``step``, ``step-2``, …"""
    return "step" if index == 0 else f"step-{index + 1}"


def fed_by_reused(stored: set[str]) -> set[str]:
    """Of the steps completed with a stored result, those a rerun reuses: each chain's
    links up to the first that is not stored (what a link feeds runs again after it)."""
    reused = set()
    for chain in range(20):
        for link in range(8):
            key = step_key(chain * 8 + link)
            if key not in stored:
                break
            reused.add(key)
    return reused


def _live(db: Path) -> bool:
    try:
        with closing(sqlite3.connect(db, timeout=1)) as raw:  # (``with`` alone leaves it open)
            return (
                raw.execute("SELECT count(*) FROM runs WHERE state = 'RUNNING'").fetchone()[0] > 0
            )
    except sqlite3.Error:
        return False


@pytest.mark.parametrize("part", range(PARTS))
def test_kill_9_at_random_moments_leaves_a_sound_store(tmp_path: Path, part: int) -> None:
    (tmp_path / "chains.py").write_text(CHAINS)
    db = tmp_path / ".flowtop" / "history.db"
    interrupted = 0
    trials = range(part, TRIALS, PARTS)
    for trial in trials:
        proc = fork_cli.popen(
            [sys.executable, "-m", "flowtop", "run", ".", "--quiet"],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env(),
        )
        started = time.monotonic()
        while time.monotonic() - started < 20 and not _live(db):
            time.sleep(0.01)
        time.sleep(KILL_AFTER[trial])  # somewhere in the run, commits going on
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        if not db.exists():
            continue  # killed before it opened the store: nothing to check
        with closing(sqlite3.connect(db)) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)], trial
        reap_store(db)
        with History(db) as history:
            runs = history.runs(limit=None)
            assert all(r.state != "RUNNING" for r in runs), (trial, runs)
            newest = runs[0] if runs else None
            if newest is None or newest.state == "COMPLETED":
                continue
            if newest.state == "INTERRUPTED":
                assert "is gone" in newest.note, newest
                interrupted += 1
            detail = history.run_detail(newest.run_id)
            completed = {t.task for t in detail.tasks if t.state == "COMPLETED"}
            values, refused, _ = load(db, newest.run_id)
            assert not refused, refused
            plan = plan_rerun(history, newest.run_id, chains_flow())
            reused = set(plan.start["reuse"])
            assert reused == fed_by_reused(completed & set(values)), trial
            for note in plan.notes:
                assert note.endswith(("its result was not stored", "which is not reused")), note
    assert interrupted >= len(trials) // 2  # the kills did land mid-run
