"""Runs outlive the terminal, driven as a user would: in tmux, with hang-ups and restarts."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

from flowtop.workspace.store_reader import StoreReader

from .conftest import Tmux

APP = Path(__file__).resolve().parents[2] / "app"
ENV = {"TERM": "xterm-256color", "PYTHONPATH": str(APP)}

#: Fails twice, then succeeds: a run mid-retry when the terminal goes away. Its first retry
#: waits 1.5 s (time to hang up while it waits), the second 0.1 s (nobody watches it then).
#: ``extract`` counts its executions, so a rerun after a restart shows what it reused.
FLAKY = textwrap.dedent(
    """
    from pathlib import Path
    from flowtop import Flow, task

    HERE = Path(__file__).parent

    def bump(name):
        path = HERE / name
        n = int(path.read_text()) if path.exists() else 0
        path.write_text(str(n + 1))
        return n + 1

    @task
    def extract():
        bump("extract-runs")
        return [1, 2, 3]

    @task(max_retries=3, retry_delay=(1.5, 0.1))
    def load(rows):
        if not (HERE / "fixed").exists() and bump("load-attempts") < 3:
            raise ConnectionError("warehouse down")
        return sum(rows)

    with Flow("etl") as flow:
        load(extract())
    """
)


def open_app(tmux: Tmux, folder: Path) -> None:
    tmux.start([sys.executable, "-m", "flowtop", str(folder)], cwd=str(folder), env=ENV)
    tmux.wait_text("extract")


def runs(folder: Path) -> list:
    return StoreReader(folder / ".flowtop" / "history.db").runs()


def wait_for_state(folder: Path, state: str, timeout: float = 20.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = runs(folder) if (folder / ".flowtop" / "history.db").exists() else []
        if found and found[0].state == state:
            return
        time.sleep(0.05)
    raise AssertionError(f"the newest run never became {state}: {runs(folder)}")


def test_a_hang_up_mid_retry_does_not_stop_the_run_and_a_reopen_shows_it(
    tmux: Tmux, tmp_path: Path
) -> None:
    (tmp_path / "etl.py").write_text(FLAKY)
    open_app(tmux, tmp_path)
    tmux.keys("r")
    tmux.wait_for(lambda s: "⟳ Retry in" in s, "load to wait for its retry")
    tmux.kill()  # the terminal goes away (SIGHUP to everything in its session)
    wait_for_state(tmp_path, "COMPLETED")  # the run went on without it
    assert (tmp_path / "load-attempts").read_text() == "3"
    open_app(tmux, tmp_path)  # a new server: the fixture's socket is reusable
    # all in one read: tmux may be read halfway through the frame that paints them
    screen = tmux.wait_for(
        lambda s: "run #1" in s and "✓ Completed" in s, "the finished run on reopen"
    )
    assert "not run yet" not in screen


def test_f_after_a_restart_reuses_stored_results(tmux: Tmux, tmp_path: Path) -> None:
    (tmp_path / "etl.py").write_text(
        FLAKY.replace("retry_delay=(1.5, 0.1)", "retry_delay=0.05").replace(
            "max_retries=3", "max_retries=0"
        )
    )
    open_app(tmux, tmp_path)
    tmux.keys("r")
    tmux.wait_for(lambda s: "✗ Failed" in s, "the run to fail")
    tmux.keys("q")
    tmux.wait_dead()
    tmux.kill()
    (tmp_path / "fixed").touch()
    open_app(tmux, tmp_path)
    tmux.wait_for(lambda s: "run #1" in s and "✗ Failed" in s, "the failed run after restart")
    tmux.keys("f")
    tmux.wait_for(
        lambda s: "(rerun of #1)  ✓ Completed" in s and "↺ Reused" in s,
        "the rerun to complete, reusing",
    )
    assert (tmp_path / "extract-runs").read_text() == "1"  # reused, not run again


#: ``FLAKY`` whose ``load`` succeeds only once ``go`` is beside it (a minute at most): the
#: run is still live when the test looks, however slow the machine (its 1.5 s retry wait
#: had ended, and the run with it, before the app quit, once in a loaded run).
HELD = FLAKY.replace(
    "    return sum(rows)\n",
    "    import time\n"
    "    for _ in range(6000):\n"
    "        if (HERE / 'go').exists():\n"
    "            break\n"
    "        time.sleep(0.01)\n"
    "    return sum(rows)\n",
)
assert HELD != FLAKY


def test_q_keeps_live_runs_running(tmux: Tmux, tmp_path: Path) -> None:
    (tmp_path / "etl.py").write_text(HELD)
    open_app(tmux, tmp_path)
    tmux.keys("r")
    tmux.wait_for(lambda s: "⟳ Retry in" in s, "load to wait for its retry")
    tmux.keys("q")
    tmux.wait_text("Keep it running in the background")
    tmux.keys("Enter")
    tmux.wait_dead()
    assert runs(tmp_path)[0].state == "RUNNING"
    (tmp_path / "go").touch()
    wait_for_state(tmp_path, "COMPLETED")


def test_x_in_the_tui_gives_up_a_retry_of_a_run_owned_by_flowtop_run(
    tmux: Tmux, tmp_path: Path
) -> None:
    import subprocess

    (tmp_path / "etl.py").write_text(FLAKY.replace("retry_delay=(1.5, 0.1)", "retry_delay=60"))
    open_app(tmux, tmp_path)
    owner = subprocess.Popen(
        [sys.executable, "-m", "flowtop", "run", str(tmp_path), "--quiet"],
        cwd=tmp_path,
        env={**os.environ, **ENV},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        tmux.wait_for(lambda s: "⟳ Retry in" in s, "the other process's run in the table")
        tmux.keys("Down")  # the cursor onto load
        tmux.wait_for(lambda s: "load" in s, "load")
        tmux.keys("x")
        tmux.wait_for(lambda s: "✗ Failed" in s, "x applied by the owner")
        assert owner.wait(10) == 1
    finally:
        if owner.poll() is None:
            owner.kill()
