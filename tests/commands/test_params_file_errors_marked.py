"""A launched run whose parameters file (``workspace.params_file``) cannot be read says so
as the run process says every other launch error: ``flowtop run[MARK]: …``, one line
naming the file and what is wrong. It said ``flowtop run: …`` unmarked, a line the TUI's
toast (``tui.launch_notes``) never showed, and a file that was not UTF-8 was a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flowtop.printable import NOTICE_MARK
from flowtop.tui.launch_notes import LaunchLogs
from flowtop.workspace import params_file

MARK = "5e6f7a8b"


def launched_with(handed: Path, log: Path) -> int:
    """The run process as ``launcher.launch`` starts one with parameters: the mark in its
    environment, its stderr in its log; its exit code."""
    with log.open("wb") as out:
        done = subprocess.run(
            [sys.executable, "-m", params_file.__name__, str(handed), "run", str(handed.parent)],
            stderr=out,
            env={**os.environ, NOTICE_MARK: MARK},
            timeout=60,
        )
    return done.returncode


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (None, "No such file or directory"),  # deleted before the process read it
        (b'{"n": \xff}', "not UTF-8 text (byte 0xff at offset 6)"),  # old: a traceback
    ],
)
def test_a_parameters_file_that_cannot_be_read_reaches_the_tui_as_a_launch_notice(
    tmp_path: Path, content: bytes | None, why: str
) -> None:
    handed = tmp_path / f"r1{params_file.SUFFIX}"
    if content is not None:
        handed.write_bytes(content)
    log = tmp_path / "r1.log"
    assert launched_with(handed, log) == 1
    said = f"the run's parameters could not be read from {handed}: {why}"
    assert log.read_text() == f"flowtop run[{MARK}]: {said}\n"
    assert not handed.exists()  # read or not, never left behind
    logs = LaunchLogs()
    logs.follow("r1", log, "A run of etl", MARK)
    assert logs.notices() == [f"A run of etl: {said}"]
    logs.close()
