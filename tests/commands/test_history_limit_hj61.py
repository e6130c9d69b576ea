"""``flowtop history --json`` says when it leaves runs out, and ``--limit 0`` lists all.

Under ``--json`` the newest 50 runs came and nothing else, on stdout or stderr: a script
reading the lines to find the failed runs silently missed every older one, and
``--limit 0`` (all) was refused.
"""

from __future__ import annotations

import json
from pathlib import Path

import fork_cli

FLOW = """\
from flowtop import Flow, task


@task
def a() -> int:
    return 1


with Flow("many") as flow:
    a()
"""


def test_history_json_says_on_stderr_that_older_runs_were_left_out(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(FLOW)
    for _ in range(3):
        ran = fork_cli.run(["run", "m.py"], cwd=tmp_path)
        assert ran.returncode == 0, ran.stderr
    some = fork_cli.run(["history", "--json", "--limit", "2"], cwd=tmp_path)
    assert some.returncode == 0, some.stderr
    assert [json.loads(line)["run"] for line in some.stdout.splitlines()] == [3, 2]
    assert (
        some.stderr == "flowtop history: newest 2 of 3 runs listed; --limit N lists more, 0 all\n"
    )
    every = fork_cli.run(["history", "--json", "--limit", "0"], cwd=tmp_path)
    assert every.returncode == 0, every.stderr
    assert [json.loads(line)["run"] for line in every.stdout.splitlines()] == [3, 2, 1]
    assert every.stderr == ""
    table = fork_cli.run(["history", "--limit", "0"], cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "newest" not in table.stdout and table.stdout.count("many") == 3
