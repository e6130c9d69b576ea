"""A @flow body's own output, seen from another process: `watch`, `history`, the log."""

from __future__ import annotations

import json
from pathlib import Path

from cli_kit import Here

from .conftest import flowtop

HELLO = """\
from flowtop import flow, task

@task
def double(x):
    print(f"doubling {x}")
    return 2 * x

@flow
def hello(n: int = 2):
    print("starting the flow body")
    total = sum(double(i) for i in range(n))
    print(f"total is {total}")
    return total
"""


def test_watch_and_history_show_what_the_flow_body_printed(here: Here, tmp_path: Path) -> None:
    (tmp_path / "hello.py").write_text(HELLO)
    run_id = flowtop("run", "hello.py", "--detach", cwd=tmp_path).stdout.strip()
    watched = here("watch", run_id, cwd=tmp_path)
    assert watched.returncode == 0, watched.stderr
    assert watched.stdout.endswith(
        "COMPLETED: 2 completed in " + watched.stdout.rsplit(" in ", 1)[1].split("\n")[0] + "\n"
        "  flow output:\n    starting the flow body\n    total is 2\n"
    )
    detail = here("history", "--run", run_id, cwd=tmp_path).stdout
    assert "flow output:\n  starting the flow body\n  total is 2\n" in detail
    record = json.loads(
        here("history", "--run", run_id, "--json", cwd=tmp_path).stdout.splitlines()[0]
    )
    assert record["output"] == "starting the flow body\ntotal is 2\n"
    # `flowtop run` printed it as it came: not a second time under the last line
    ran = flowtop("run", "hello.py", cwd=tmp_path)
    assert ran.stdout.count("starting the flow body") == 1 and "flow output:" not in ran.stdout


def test_what_the_flow_body_prints_comes_after_the_lines_of_what_happened_before(
    tmp_path: Path,
) -> None:
    """`flowtop run` prints state changes from the printer's thread and the body's own
    output as it comes: the body's line must not overtake the lines of what happened
    before it (the run starting, the task it just waited for completing)."""
    (tmp_path / "hello.py").write_text(HELLO)
    for _ in range(3):  # the printer lags by a thread wake-up: give a race three chances
        lines = flowtop("run", "hello.py", cwd=tmp_path).stdout.splitlines()
        at = {
            what: next(i for i, line in enumerate(lines) if what in line)
            for what in (
                "started",
                "starting the flow body",
                "hello/double-2 ✓ completed",
                "total is 2",
            )
        }
        assert at["started"] < at["starting the flow body"], lines
        assert at["hello/double-2 ✓ completed"] < at["total is 2"], lines
