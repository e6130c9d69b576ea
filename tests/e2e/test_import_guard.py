"""In a real terminal: flow files that loop or end the process at import, on open and on
hot reload, never freeze or kill the monitor, and ``q`` still quits (issue 13 item 3)."""

from __future__ import annotations

import sys

import pytest

pytestmark = pytest.mark.e2e

GOOD = """\
from flowtop import Flow, task


@task
def fetch():
    return 1


with Flow("steady") as flow:
    fetch()
"""


def test_a_file_looping_or_exiting_at_import_leaves_the_monitor_usable(tmux, tmp_path):
    (tmp_path / "steady.py").write_text(GOOD, encoding="utf-8")
    (tmp_path / "slow.py").write_text("from flowtop import Flow\nwhile True:\n    pass\n")
    (tmp_path / "flowtop.toml").write_text("[defaults]\nload_timeout = 1\n")
    tmux.start(
        [sys.executable, "-m", "flowtop", str(tmp_path)],
        cwd=str(tmp_path),
        env={"TERM": "xterm-256color"},
    )
    tmux.wait_for(lambda s: "fetch" in s and "slow.py" in s, "the flows list with slow.py")
    # saved while the monitor runs: this import would have killed it
    (tmp_path / "crash.py").write_text("import os\nfrom flowtop import Flow\nos._exit(3)\n")
    tmux.wait_text("crash.py")
    assert not tmux.pane_dead()
    tmux.keys("r")  # the good flow still runs
    tmux.wait_for(lambda s: "✓ Completed" in s, "the steady flow to complete")
    tmux.wait_for(lambda s: "Completed" in s and "run #1" in s, "run #1 to end")
    tmux.keys("q")
    tmux.wait_for(lambda s: tmux.pane_dead(), "flowtop to quit", timeout=10)
