"""A store damaged while a short run writes to it ends that run as a longer one ends.

The heartbeat and the command queue read pages of the store that the event log does not
(the ``commands`` table). Damaged there while a two-second run went on, the run ended
with a bare ``heartbeat/commands failed: database disk image is malformed`` warning and
exit status 0; a run long enough for its own writes to reach the damage said what to do
and exited 1.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from .conftest import flowtop

ADVICE = "move it away and flowtop starts a new one"

#: A task that damages the root page of the ``commands`` table as the run writes (then
#: writes the run's heartbeat itself: a commit makes every other connection read the
#: store afresh), and waits until the owner's heartbeat has gone round once more: its
#: command poll follows in the same round, on the damaged page, before the run ends.
FLOW = """
    import sqlite3
    import time
    from flowtop import Flow, task

    STORE = ".flowtop/history.db"

    def beat():
        conn = sqlite3.connect(STORE)
        try:
            with conn:
                conn.execute("UPDATE runs SET heartbeat = ? WHERE state = 'RUNNING'", (time.time(),))
        finally:
            conn.close()
        return heartbeat()

    def heartbeat():
        conn = sqlite3.connect(STORE)
        try:
            return conn.execute("SELECT max(heartbeat) FROM runs WHERE state = 'RUNNING'").fetchone()[0]
        finally:
            conn.close()

    def damage_the_command_queue():
        conn = sqlite3.connect(STORE)
        try:
            (size,) = conn.execute("PRAGMA page_size").fetchone()
            (root,) = conn.execute(
                "SELECT rootpage FROM sqlite_master WHERE name = 'commands'"
            ).fetchone()
        finally:
            conn.close()
        with open(STORE, "r+b") as file:
            file.seek((root - 1) * size)
            file.write(b"\\xa5" * size)

    @task
    def job():
        damage_the_command_queue()
        first = beat()
        deadline = time.monotonic() + 30
        while heartbeat() == first and time.monotonic() < deadline:
            time.sleep(0.01)
        return 1

    with Flow("short") as flow:
        job()
"""

FIRST = """
    from flowtop import Flow, task

    @task
    def job():
        return 1

    with Flow("first") as flow:
        job()
"""


def test_a_store_damaged_during_a_short_run_is_said_once_and_the_run_exits_1(
    tmp_path: Path,
) -> None:
    (tmp_path / "first.py").write_text(textwrap.dedent(FIRST))
    (tmp_path / "short.py").write_text(textwrap.dedent(FLOW))
    assert flowtop("run", "first.py", "--quiet", cwd=tmp_path).returncode == 0  # the store
    done = flowtop("run", "short.py", "--quiet", cwd=tmp_path)
    store = tmp_path / ".flowtop" / "history.db"
    assert "short #1 COMPLETED" in done.stdout, done  # the outcome is still reported
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines  # the damage said once, not as a bare warning
    assert f"{store}: the run store cannot be written (DatabaseError: " in lines[0]
    assert "malformed" in lines[0]
    assert lines[0].endswith(ADVICE)


#: The owner agent's command poll comes a moment after its heartbeat, as on a busy host.
SLOW_POLL = """
import time
from flowtop.workspace import owner_agent
real = owner_agent.OwnerAgent._take_commands
def slow(self, only=None):
    if only is None:  # (the loop's poll; a run's start takes its own commands at once)
        time.sleep(0.5)
    return real(self, only)
owner_agent.OwnerAgent._take_commands = slow
"""


def test_damage_the_last_poll_meets_as_the_run_ends_still_exits_1(tmp_path: Path) -> None:
    """The run ended while the agent's poll was still on its way to the damage: the exit
    status was decided (0) before the poll said it (CI, once, on a loaded machine)."""
    import subprocess
    import sys

    from .conftest import env

    (tmp_path / "first.py").write_text(textwrap.dedent(FIRST))
    (tmp_path / "short.py").write_text(textwrap.dedent(FLOW))
    assert flowtop("run", "first.py", "--quiet", cwd=tmp_path).returncode == 0
    code = f"import sys\n{SLOW_POLL}\nfrom flowtop.cli import main\n"
    code += "sys.exit(main(['run', 'short.py', '--quiet']))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env(),
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "malformed" in done.stderr
