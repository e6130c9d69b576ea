"""``--rerun-of N --task T --detach`` of a parent whose ``T`` is its subflow's task names
the subflow to rerun, as without ``--detach``.

The foreground said ``run #1 of tolerant has no task 'load': it is a task of its subflow
ingest, whose runs are runs of their own (rerun one with --flow ingest --rerun-of N --task
load)``; ``--detach`` said ``run #1 of tolerant has no task 'load'`` alone (README: "a
parent's subflow's task: exit 2, naming the subflow to rerun", ``--detach`` too).
"""

from __future__ import annotations

from pathlib import Path

from cli_kit import flowtop

FLOWS = """\
from flowtop import flow, task

@task
def load(region):
    return len(region)

@flow
def ingest(region: str = "eu") -> int:
    return load(region)

@flow
def tolerant() -> int:
    return ingest("eu") + ingest("us")
"""

HINT = (
    "run #1 of tolerant has no task 'load': it is a task of its subflow ingest, whose "
    "runs are runs of their own (rerun one with --flow ingest --rerun-of N --task load)"
)


def test_detach_names_the_subflow_as_the_foreground_does(tmp_path: Path) -> None:
    (tmp_path / "fam.py").write_text(FLOWS)
    ran = flowtop("run", ".", "--flow", "tolerant", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    for detach in ((), ("--detach",)):
        refused = flowtop(
            "run",
            ".",
            "--flow",
            "tolerant",
            "--rerun-of",
            "1",
            "--task",
            "load",
            *detach,
            cwd=tmp_path,
        )
        assert refused.returncode == 2, (detach, refused.stderr)
        assert refused.stderr.strip() == f"flowtop run: {HINT}", (detach, refused.stderr)
    listed = flowtop("history", ".", "--flow", "tolerant", "--json", cwd=tmp_path)
    assert listed.stdout.count("\n") == 1, listed.stdout  # nothing launched
