"""Every error line of a command names it: ``flowtop run: …``, ``flowtop list: …``.

``run`` said its argument errors as ``flowtop run: …`` (argparse's, and a few of its own)
but its flow and parameter errors as ``flowtop: …``; ``list`` the same. The command line
now names the command once for every line ``printable.say`` says (``speak_as``). A run
process the TUI launches marks its lines so, ``flowtop run[MARK]: …``, and the TUI still
tells them from the run's own output (``tui.launch_notes``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli_kit import Here
from flowtop.printable import NOTICE_MARK, say, unmarked
from flowtop.tui.launch_notes import LaunchLogs

MARK = "0a1b2c3d"


def test_a_flow_error_names_its_command_and_a_later_line_does_not(
    flowtop_here: Here, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The command's name is the command's only: ``cli.main`` may run again in a process
    (a test, a script), and a line said after it names no command it no longer runs."""
    done = flowtop_here("list", str(tmp_path))
    assert (done.returncode, done.stderr) == (2, f"flowtop list: no flows found in {tmp_path}\n")
    say("said after the command")
    assert capfd.readouterr().err == "flowtop: said after the command\n"


def test_a_launched_run_marks_its_lines_after_its_command_and_the_tui_reads_them(
    tmp_path: Path,
) -> None:
    """As the launcher starts it (``workspace.launcher``): the mark in its environment,
    its stderr in its log. The line reaches the TUI's toast, and ``watch`` shows it as
    a person reads it, unmarked."""
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        done = subprocess.run(
            [sys.executable, "-m", "flowtop", "run", str(tmp_path), "--no-history"],
            stderr=out,
            env={**os.environ, NOTICE_MARK: MARK},
            timeout=60,
        )
    assert done.returncode == 2
    said = f"no flows found in {tmp_path}"
    line = log.read_text()
    assert line == f"flowtop run[{MARK}]: {said}\n"  # old: flowtop[0a1b2c3d]: …
    assert unmarked(line) == f"flowtop run: {said}\n"
    logs = LaunchLogs()
    logs.follow("r1", log, "A run of etl", MARK)
    assert logs.notices() == [f"A run of etl: {said}"]
    logs.close()


@pytest.mark.parametrize("command", ["watch", "cancel"])
def test_a_store_that_cannot_be_read_is_said_by_the_command(
    flowtop_here: Here, tmp_path: Path, command: str
) -> None:
    """Looking the run up (``store_access.find_run``), they said ``flowtop: …``."""
    db = tmp_path / ".flowtop" / "history.db"
    db.parent.mkdir()
    db.write_bytes(b"not a run store " * 64)
    done = flowtop_here(command, str(tmp_path), "1")
    assert done.returncode == 2
    assert done.stderr.startswith(f"flowtop {command}: {db}: cannot read the run store ("), done
