"""``flowtop watch`` of a ``@flow`` run shows its subflows' runs, as ``flowtop run`` does.

The watch read the watched run's events alone: a parent whose body called subflows showed
its start and its end, never a child's run, its failure included (a CI job that moved from
``run`` to ``--detach`` + ``watch`` lost every subflow event).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import fork_cli

PARENT = """
    import time
    from pathlib import Path

    from flowtop import flow, task

    HERE = Path(__file__).parent


    @task
    def t(x: int) -> int:
        return x + 1


    @task
    def gate() -> None:  # (bounded: a test that fails before `go` leaves no run behind)
        ends = time.monotonic() + 120
        while not (HERE / "go").exists() and time.monotonic() < ends:
            time.sleep(0.01)


    @flow(name="child")
    def child(x: int) -> int:
        if x == 2:
            raise ValueError("child fails on 2")
        return t(x)


    @flow(name="parent")
    def parent() -> list[object]:
        out: list[object] = []
        for i in range(3):
            try:
                out.append(child(i))
            except ValueError as e:
                out.append(str(e))
        return out


    @flow(name="waiter")
    def waiter() -> None:
        gate()


    @flow(name="dad")
    def dad() -> None:
        waiter()
"""


def flowtop(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return fork_cli.run(
        list(args),
        cwd=tmp_path,
        timeout=120,
    )


def test_watch_json_of_a_finished_parent_replays_what_run_json_printed(tmp_path: Path) -> None:
    (tmp_path / "sub.py").write_text(textwrap.dedent(PARENT))
    ran = flowtop(tmp_path, "run", "sub.py", "--flow", "parent", "--json")
    assert ran.returncode == 0, ran.stderr
    run_id = json.loads(ran.stdout.splitlines()[0])["run_id"]
    watched = flowtop(tmp_path, "watch", run_id, "--json")
    assert watched.returncode == 0, watched.stderr
    assert watched.stdout.splitlines() == ran.stdout.splitlines()
    ends = [json.loads(line) for line in watched.stdout.splitlines()]
    assert [(e["flow"], e["state"]) for e in ends if e["event"] == "run_finished"] == [
        ("child", "COMPLETED"),
        ("child", "COMPLETED"),
        ("child", "FAILED"),
        ("parent", "COMPLETED"),
    ]
    human = flowtop(tmp_path, "watch", run_id)
    assert "child #3 FAILED" in human.stdout and "(child of parent #1)" in human.stdout


def test_watch_shows_a_subflows_run_live(tmp_path: Path) -> None:
    (tmp_path / "sub.py").write_text(textwrap.dedent(PARENT))
    detached = flowtop(tmp_path, "run", "sub.py", "--flow", "dad", "--detach")
    assert detached.returncode == 0, detached.stderr
    watch = fork_cli.popen(
        [sys.executable, "-m", "flowtop", "watch", detached.stdout.strip(), "--json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert watch.stdout is not None
    lines: list[dict[str, object]] = []
    reader = threading.Thread(target=lambda: lines.extend(map(json.loads, watch.stdout or ())))
    reader.start()
    try:
        deadline = time.monotonic() + 60
        # the child's run is shown while it runs (its task waits for `go`)
        while time.monotonic() < deadline and not any(
            line["event"] == "task_state" and line["flow"] == "waiter" for line in list(lines)
        ):
            time.sleep(0.02)
        shown = [(line["event"], line["flow"]) for line in list(lines)]
        assert ("run_started", "waiter") in shown, shown
    finally:
        (tmp_path / "go").touch()
        assert watch.wait(timeout=60) == 0
        reader.join()
    runs = [line for line in lines if line["event"] in ("run_started", "run_finished")]
    assert [(line["event"], line["flow"]) for line in runs] == [
        ("run_started", "dad"),
        ("run_started", "waiter"),
        ("run_finished", "waiter"),
        ("run_finished", "dad"),
    ]
