"""``flowtop list PATH`` marks a flow ``(run by its __main__ block)`` only where ``flowtop
run PATH`` runs the flows that block calls: of a file, not of a folder.

Before: ``flowtop list DIR`` marked the parent of a Prefect-style file so, while ``flowtop
run DIR`` runs every flow of the folder, its subflows as top-level runs of their own too
(README: a file whose block calls none of its flows "runs all of them, as a folder does").
"""

from __future__ import annotations

import json
from pathlib import Path

from cli_kit import flowtop

#: A parent, the subflow it calls and the ``__main__`` block that calls the parent.
PARENT = """\
from flowtop import flow

@flow
def child(x: int = 0) -> int:
    return x + 1

@flow
def parent() -> int:
    return child(1)

if __name__ == "__main__":
    parent()
"""

MARK = "(run by its __main__ block)"


def marked(path: str, cwd: Path) -> dict[str, bool]:
    """Each flow ``flowtop list PATH`` lists, and whether its line carries ``MARK``."""
    listed = flowtop("list", path, cwd=cwd)
    assert listed.returncode == 0, listed.stderr
    headers = [line for line in listed.stdout.splitlines() if line[:1] not in (" ", "")]
    return {line.split()[0]: line.endswith(MARK) for line in headers}


def run_alone(path: str, cwd: Path) -> set[str]:
    """The flows ``flowtop run PATH`` starts as runs of their own (not as a subflow)."""
    done = flowtop("run", path, "--json", "--no-history", cwd=cwd)
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    return {e["flow"] for e in events if e["event"] == "run_started" and "parent_run" not in e}


def test_the_mark_says_what_run_of_the_same_path_runs(tmp_path: Path) -> None:
    """Of a folder, ``run`` runs every flow, and ``list`` marks none; of the file, ``run``
    runs the parent its block calls, and ``list`` marks it alone. (``--json``'s
    ``run_by_main_block`` stays a fact of the flow's file, in a folder's listing too.)"""
    (tmp_path / "pipeline.py").write_text(PARENT)
    assert run_alone(".", tmp_path) == {"child", "parent"}
    assert marked(".", tmp_path) == {"child": False, "parent": False}
    assert run_alone("pipeline.py", tmp_path) == {"parent"}
    assert marked("pipeline.py", tmp_path) == {"child": False, "parent": True}
