"""A run the store does not hold says so in its ``--json`` lines, with no run number.

``--no-history --json`` (and a run whose damaged store gave it no number) said
``"run": 1``, the command's own count, as a recorded run does: the store's run #1 of the
flow is another run, which a script's ``flowtop watch 1`` then followed.
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


with Flow("sur") as flow:
    a()
"""


def run_lines(stdout: str) -> list[dict[str, object]]:
    records = [json.loads(line) for line in stdout.splitlines()]
    return [r for r in records if r["event"] in ("run_started", "run_finished")]


def test_no_history_json_says_not_recorded_and_gives_no_number(tmp_path: Path) -> None:
    (tmp_path / "sur.py").write_text(FLOW)
    recorded = fork_cli.run(["run", "sur.py", "--json"], cwd=tmp_path)
    assert recorded.returncode == 0, recorded.stderr
    for line in run_lines(recorded.stdout):
        assert line["run"] == 1 and "recorded" not in line, line
    unrecorded = fork_cli.run(["run", "sur.py", "--json", "--no-history"], cwd=tmp_path)
    assert unrecorded.returncode == 0, unrecorded.stderr
    lines = run_lines(unrecorded.stdout)
    assert [line["event"] for line in lines] == ["run_started", "run_finished"]
    for line in lines:
        assert line["run"] is None and line["recorded"] is False, line


def test_a_run_its_damaged_store_could_not_number_says_so(tmp_path: Path) -> None:
    (tmp_path / "sur.py").write_text(FLOW)
    assert fork_cli.run(["run", "sur.py"], cwd=tmp_path).returncode == 0  # run #1, recorded
    with open(tmp_path / ".flowtop" / "history.db", "r+b") as db:
        db.seek(8192)
        db.write(b"\xde\xad" * 2048)
    ran = fork_cli.run(["run", "sur.py", "--json"], cwd=tmp_path)
    assert ran.returncode == 1
    for line in run_lines(ran.stdout):
        assert line["run"] is None and line["recorded"] is False, line
    assert "its run number is this command's own" in ran.stderr, ran.stderr
