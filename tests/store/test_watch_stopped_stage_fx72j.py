"""``flowtop watch`` says a stopped run process and what a run waits on in honest order
and time (fx72j §4, §5): its first look stamped `stopped` with its read time before the
run's earlier lines, ``--json`` gave stopped/resumed as stderr text alone, and a stage
line was dated by when the watch read it, after the tasks' lines that followed it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import fork_cli
from flowtop.commands.watch_stage import stage_cut
from flowtop.engine.events import TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace.run_stage import record_stage, stage_and_time

from .conftest import env, wait_until
from .test_stopped_run_fx72c import live, resume, said, stop  # noqa: F401 - `live`: a fixture
from .test_store_cli import store


def _watch(folder: Path, run_id: str, out: Path, *extra: str) -> subprocess.Popen[str]:
    with out.open("w", encoding="utf-8") as stdout:
        return fork_cli.popen(
            [sys.executable, "-m", "flowtop", "watch", ".", run_id, *extra],
            cwd=folder,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            env=env(),
        )


def test_watch_json_says_stopped_and_resumed_as_events_on_stdout(
    tmp_path: Path,
    live: tuple[Path, str, int],  # noqa: F811 - the fixture imported above
) -> None:
    folder, run_id, pid = live
    stop(pid)  # before the watch begins: found so at its first look
    out = tmp_path / "watch.jsonl"
    watch = _watch(folder, run_id, out, "--json")
    try:
        events: Callable[[], list[dict[str, object]]] = lambda: [  # noqa: E731 - a short look
            json.loads(line) for line in out.read_text().splitlines() if line.endswith("}")
        ]
        # old: only `flowtop watch: waiting #1: its process is stopped …` on stderr
        found = wait_until(lambda: [e for e in events() if e["event"] == "run_stopped"], "it")
        (stopped,) = found
        assert stopped["run_id"] == run_id and stopped["pid"] == pid, stopped
        assert (stopped["words"], stopped["before_watch"]) == (said(pid), True), stopped
        resume(pid)
        wait_until(lambda: any(e["event"] == "run_resumed" for e in events()), "resumed")
    finally:
        if watch.poll() is None:
            watch.terminate()
        watch.communicate(timeout=20)


def test_a_process_stopped_before_the_watch_is_said_without_the_watchs_read_time(
    tmp_path: Path,
    live: tuple[Path, str, int],  # noqa: F811 - the fixture imported above
) -> None:
    folder, run_id, pid = live
    stop(pid)
    out = tmp_path / "watch.out"
    watch = _watch(folder, run_id, out)
    try:
        wait_until(lambda: said(pid) in out.read_text(), "the watch saying it stopped")
        (line,) = [line for line in out.read_text().splitlines() if said(pid) in line]
        # old: `18:39:46 waiting #1: …`, its read time, before or among earlier lines
        assert line == f"waiting #1: {said(pid)}", line
    finally:
        os.kill(pid, signal.SIGCONT)
        watch.terminate()
        watch.communicate(timeout=20)


def test_a_stage_is_dated_when_said_and_placed_among_the_events_by_it(
    live: tuple[Path, str, int],  # noqa: F811 - the fixture imported above
) -> None:
    folder, run_id, _pid = live
    db = store(folder)
    record_stage(db, [run_id], "waiting for a Dask worker: none joined", at=1000.0)
    assert stage_and_time(db, run_id) == ("waiting for a Dask worker: none joined", 1000.0)
    record_stage(db, [run_id], "", at=2000.0)  # a worker joined: its tasks run next
    batch = [
        TaskStateChanged(run_id, "waiting", task, StateType.RUNNING, 1, 3, ts)
        for task, ts in (("before", 1500.0), ("after", 2000.5))
    ]
    said_then = "waiting for a Dask worker: none joined"
    # old: said at the watch's next quiet look, after every line of the batch, at its time
    assert stage_cut(db, run_id, said_then, batch) == (1, ("", 2000.0))
    assert stage_cut(db, run_id, "", batch) == (2, None)
