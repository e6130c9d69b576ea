"""In a launched run a child given ``sys.stdout``, ``sys.stderr`` or fd 1 or 2 writes to the
run's log as one left to inherit does: its lines are its attempt's too, in turn.

Only the side left to inherit went into the attempt's own file (``child_files``); the
other, written to the log with no window open on it, was lost with the log
(``stderr=sys.stdout`` kept 'out' alone).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .test_child_output_sp64 import _ended, _outputs, _run

#: Children writing to both streams, each given one of them as this process's.
GIVEN = """
    import subprocess, sys
    from flowtop import flow, task

    BOTH = ["sh", "-c", "echo out; echo err >&2"]

    @task
    def merged():
        subprocess.run(BOTH, stderr=sys.stdout, check=True)

    @task
    def half():
        print("py before")
        subprocess.run(BOTH, stdout=sys.stdout, check=True)
        print("py after")

    @task
    def by_number():
        subprocess.run(BOTH, stdout=2, stderr=sys.stdout.buffer, check=True)

    @flow
    def given():
        merged()
        half()
        by_number()
"""


def test_a_child_given_this_process_s_streams_writes_its_attempt_s_output(
    ws: Callable[..., Path],
) -> None:
    reader, run_id = _run(ws(given=GIVEN), "given")
    detail = _ended(reader, run_id)
    assert detail.run.state == "COMPLETED", detail
    assert _outputs(detail) == {
        "merged": "out\nerr\n",
        "half": "py before\nout\nerr\npy after\n",
        "by_number": "out\nerr\n",
    }
