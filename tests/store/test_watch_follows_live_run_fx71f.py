"""``flowtop watch`` given no RUN follows the newest live run of the flow (or of the
flows in scope) when one is live, else replays the newest run: the choice ``cancel
--flow NAME`` makes. It replayed a newer run that had ended (cancelled) while an older
one of that flow was still live, and never mentioned the live one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import fork_cli
from cli_kit import Here

from .conftest import WAITING, env, wait_until
from .test_store_cli import run_process, runs


def _lines(path: Path) -> list[dict[str, Any]]:
    """The whole JSON lines written to ``path`` so far."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return [json.loads(line) for line in text.splitlines(keepends=True) if line.endswith("\n")]


def _stop(owners: list[subprocess.Popen[str]]) -> None:
    for owner in owners:
        if owner.poll() is None:
            owner.kill()
        owner.communicate(timeout=20)


@pytest.mark.parametrize(
    "target",
    [(".", "--flow", "waiting"), (".",), ("waiting.py",)],
    ids=["--flow NAME", "no run named", "a flow file"],
)
def test_watch_follows_the_live_run_not_a_newer_ended_one(
    here: Here, ws, tmp_path: Path, target: tuple[str, ...]
) -> None:
    folder = ws(waiting=WAITING)
    older = run_process(folder, "--json", output=False)
    owners = [older]
    watch: subprocess.Popen[str] | None = None
    try:
        live = wait_until(lambda: runs(folder, "RUNNING"), "a live run")[0]
        newer = run_process(folder, "--json", output=False)
        owners.append(newer)
        both = wait_until(lambda: len(runs(folder, "RUNNING")) == 2 and runs(folder), "2 runs")
        ended = next(r for r in both if r.run_id != live.run_id)
        assert here("cancel", ended.run_id, cwd=folder).returncode == 0
        assert newer.wait(timeout=20) == 1  # #2 ended CANCELLED; #1 is still live
        assert [r.run_id for r in runs(folder, "RUNNING")] == [live.run_id]

        out = tmp_path / "watch.jsonl"
        with out.open("w", encoding="utf-8") as stdout:
            watch = fork_cli.popen(
                [sys.executable, "-m", "flowtop", "watch", *target, "--json"],
                cwd=folder,
                stdout=stdout,
                stderr=subprocess.PIPE,
                text=True,
                env=env(),
            )
        first = wait_until(lambda: _lines(out), "the watch's first line")[0]
        assert first["event"] == "run_started"
        assert (first["run_id"], first["run"]) == (live.run_id, live.number), first
        assert watch.poll() is None  # following it, not replaying an ended run
        assert here("cancel", live.run_id, cwd=folder).returncode == 0
        assert watch.wait(timeout=20) == 1, watch.communicate()[1]
        last = _lines(out)[-1]
        assert (last["event"], last["run_id"], last["state"]) == (
            "run_finished",
            live.run_id,
            "CANCELLED",
        )
        # none live now: the newest run is replayed, as before
        again = here("watch", *target, "--json", cwd=folder)
        assert again.returncode == 1, again.stderr
        replayed = {json.loads(line)["run_id"] for line in again.stdout.splitlines()}
        assert replayed == {ended.run_id}
    finally:
        if watch is not None:
            _stop([watch])
        _stop(owners)
