"""In a real terminal: flow files that loop or end the process at import, on open and on
hot reload, never freeze or kill the monitor, and ``q`` still quits (issue 13 item 3)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from .conftest import Tmux

pytestmark = pytest.mark.e2e

GOOD = """\
from flowtop import Flow, task


@task
def fetch():
    return 1


with Flow("steady") as flow:
    fetch()
"""


def open_beside_a_looping_file(tmux: Tmux, folder: Path, load_timeout: float) -> None:
    """The monitor on ``folder``: a good flow file, and one that loops at import."""
    (folder / "steady.py").write_text(GOOD, encoding="utf-8")
    (folder / "slow.py").write_text("from flowtop import Flow\nwhile True:\n    pass\n")
    (folder / "flowtop.toml").write_text(f"[defaults]\nload_timeout = {load_timeout}\n")
    tmux.start(
        [sys.executable, "-m", "flowtop", str(folder)],
        cwd=str(folder),
        env={"TERM": "xterm-256color"},
    )


def test_a_file_looping_or_exiting_at_import_leaves_the_monitor_usable(tmux, tmp_path):
    open_beside_a_looping_file(tmux, tmp_path, load_timeout=0.5)  # steady.py's: milliseconds
    tmux.wait_for(lambda s: "· steady" in s and "✗ slow.py" in s, "the flows list with slow.py")
    # the steady flow's tasks: on a loaded machine, slow.py's error row came first and
    # kept the highlight when steady was listed above it (it showed slow.py's error)
    tmux.keys("Left", "Home")
    tmux.wait_text("fetch")
    # saved while the monitor runs: this import would have killed it
    (tmp_path / "crash.py").write_text("import os\nfrom flowtop import Flow\nos._exit(3)\n")
    tmux.wait_text("crash.py")
    assert not tmux.pane_dead()
    tmux.keys("r")  # the good flow still runs
    tmux.wait_for(lambda s: "✓ Completed" in s, "the steady flow to complete")
    tmux.wait_for(lambda s: "Completed" in s and "run #1" in s, "run #1 to end")
    tmux.keys("q")
    tmux.wait_dead()


PID_LOG = """\
import os
from flowtop import Flow, task

with open(os.environ["MARKER"], "a") as log:
    log.write(f"{os.getpid()}\\n")


@task(max_retries=1)
def job():
    return 1


with Flow("logged") as flow:
    job()
"""


def test_the_monitor_never_imports_a_flow_file_in_its_own_process(tmux, tmp_path: Path) -> None:
    """issue 13 item 3: open, hot reload, the retry editor and a run: every import of the
    flow file happens in another process (the flow host, the run)."""
    (tmp_path / "logged.py").write_text(PID_LOG, encoding="utf-8")
    marker = tmp_path / "importers"
    tmux.start(
        [sys.executable, "-m", "flowtop", str(tmp_path)],
        cwd=str(tmp_path),
        env={"TERM": "xterm-256color", "MARKER": str(marker)},
    )
    tmux.wait_text("job")
    with (tmp_path / "logged.py").open("a") as file:  # a hot reload
        file.write("\nflow.description = 'saved'\n")
    tmux.wait_for(lambda s: "Reloaded" in s, "the reload")
    tmux.keys("e")  # the retry editor: its policy and retry_on checks come from the host
    tmux.wait_text("Retry settings")
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "Retry settings" not in s, "the editor to close")
    tmux.keys("r")
    tmux.wait_for(lambda s: "✓ Completed" in s, "the run to complete")
    imports = [int(pid) for pid in marker.read_text().split()]
    importers = set(imports)
    # the flow host on open and on the save, once each (no child imports it first), then
    # the run process
    assert len(imports) == 3 and len(importers) == 2, imports
    assert tmux.pane_pid() not in importers
    assert os.getpid() not in importers
    tmux.keys("q")
    tmux.wait_dead()


def _processes_naming(text: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (
                    (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                )
            except OSError:
                continue
            if text in cmdline and not cmdline.startswith("tmux"):  # tmux's server names it too
                found.append(f"{proc.name}: {cmdline}")
    return found


def test_quitting_while_a_file_hangs_at_import_is_at_once_and_leaves_nothing_running(
    tmux, tmp_path: Path
) -> None:
    """q during the first load: the flow host is stopped mid-load, and the import it had
    forked (looping for up to load_timeout) dies with it instead of spinning on."""
    open_beside_a_looping_file(tmux, tmp_path, load_timeout=60)
    tmux.wait_text("Loading flows")
    deadline = time.monotonic() + 20
    while not _processes_naming("flowtop.workspace.flow_host import serve"):
        assert time.monotonic() < deadline, "no flow host started"
        time.sleep(0.05)
    tmux.keys("q")
    tmux.wait_dead()  # well before the 60 s the import may take
    deadline = time.monotonic() + 10
    while (left := _processes_naming(str(tmp_path))) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert left == []
