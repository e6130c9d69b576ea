"""``flowtop run FOLDER --detach`` says whose run each id it prints is.

It printed bare ids, one a line, with nothing saying which flow each belonged to (only
``--json`` named them). Stdout keeps the ids alone (``ids=$(flowtop run flows --detach)``);
stderr names each one's flow. A single flow's id stays a line alone, with nothing on stderr.
"""

from __future__ import annotations

from pathlib import Path

import fork_cli

FLOW = """\
from flowtop import Flow, task


@task
def a() -> int:
    return 1


with Flow("{name}") as flow:
    a()
"""


def test_a_folders_detached_ids_are_named_on_stderr(tmp_path: Path) -> None:
    for name in ("alpha", "beta"):
        (tmp_path / f"{name}.py").write_text(FLOW.replace("{name}", name))
    ran = fork_cli.run(["run", ".", "--detach"], cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    ids = ran.stdout.split()
    assert len(ids) == 2 and all(len(run_id) == 12 for run_id in ids), ran.stdout
    said = ran.stderr.splitlines()
    assert f"flowtop run: {ids[0]} is alpha's run" in said, said
    assert f"flowtop run: {ids[1]} is beta's run" in said, said
    one = fork_cli.run(["run", "alpha.py", "--detach"], cwd=tmp_path)
    assert one.returncode == 0 and len(one.stdout.split()) == 1
    assert one.stderr == ""
