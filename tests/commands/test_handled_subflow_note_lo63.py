"""A subflow run that failed while its parent caught the error: the parent completes and
``flowtop run`` / ``flowtop watch`` said nothing of the failure at its end line (the
child's FAILED line may have scrolled past), where the monitor's header says
``(1 subflow failed, handled by the flow)``. The end line says it too; JSON is unchanged."""

from __future__ import annotations

import json
from pathlib import Path

from cli_kit import flowtop

FLOWS = """\
from flowtop import flow

@flow
def child(n: int):
    if n:
        raise ValueError("boom")
    return n

@flow
def parent():
    for n in (0, 1):
        try:
            child(n)
        except ValueError:
            pass
    return 1

@flow
def fails():
    child(1)
"""


def _last_line_of(flow: str, stderr: str) -> str:
    return [line for line in stderr.splitlines() if f" {flow} #" in line][-1]


def test_run_and_watch_end_lines_say_a_handled_subflow_failure(tmp_path: Path) -> None:
    (tmp_path / "jobs.py").write_text(FLOWS)
    ran = flowtop("run", "jobs.py", "--flow", "parent", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    said = ran.stdout + ran.stderr
    end = _last_line_of("parent", said)
    assert "parent #1 COMPLETED in " in end, said
    assert end.endswith(" (1 subflow failed, handled by the flow) → 1"), said
    watched = flowtop("watch", ".", "1", "--flow", "parent", cwd=tmp_path)
    assert watched.returncode == 0, watched.stderr
    seen = watched.stdout + watched.stderr
    assert _last_line_of("parent", seen).endswith(" (1 subflow failed, handled by the flow) → 1"), (
        seen
    )


def test_no_note_when_the_parent_fails_too_nor_in_json(tmp_path: Path) -> None:
    (tmp_path / "jobs.py").write_text(FLOWS)
    ran = flowtop("run", "jobs.py", "--flow", "fails", cwd=tmp_path)
    said = ran.stdout + ran.stderr
    assert "handled by the flow" not in said, said
    as_json = flowtop("run", "jobs.py", "--flow", "parent", "--json", cwd=tmp_path)
    assert as_json.returncode == 0, as_json.stderr
    ends = [json.loads(line) for line in as_json.stdout.splitlines() if line.startswith("{")]
    parent_end = [e for e in ends if e["event"] == "run_finished" and e["flow"] == "parent"]
    assert parent_end and "handled" not in json.dumps(parent_end), as_json.stdout
