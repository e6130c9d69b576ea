"""What a ``@flow`` returned, as the commands show it (explorer rv395, F1).

``flowtop run --flow scaled -p n=4 -p factor=0.5`` ended ``scaled #1 COMPLETED in
0.80ms`` and nothing of the value the function returned: not on its ``--json``
``run_finished``, not in ``history --run``, not in ``watch``. A task's line ends
``→ 'ok'``; the run's end now ends with the flow's value likewise, and the store keeps it.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from cli_kit import flowtop
from flowtop.commands.run_lines import finished_line
from flowtop.engine.events import RunFinished
from flowtop.engine.states import StateType

Here = Callable[..., subprocess.CompletedProcess[str]]

PARAMS = """\
from flowtop import Flow, flow, task


@flow
def scaled(n: int, factor: float = 1.0, label: str = "") -> str:
    return f"{label}{n * factor}"


@task
def one():
    return 1


with Flow("graph") as graph:
    one()
"""


def ended(**fields: object) -> RunFinished:
    given: dict[str, object] = {"ts": 1_700_000_000.0, **fields}
    return RunFinished("r1", "scaled", 1, StateType.COMPLETED, {}, 0.0008, **given)


def test_the_finishing_line_ends_with_the_value_as_a_task_s_line_does() -> None:
    line = finished_line(ended(result="'2.0'"), run_output=False)
    assert line.endswith(" scaled #1 COMPLETED in 0.80ms → '2.0'"), line
    # on one line, cut as a task's result is on its line (60 characters)
    long = finished_line(ended(result="'" + "ab\n" * 40 + "'"), run_output=False)
    assert "\n" not in long and long.endswith("…") and len(long.split(" → ")[1]) == 60
    assert "→" not in finished_line(ended(), run_output=False)  # a graph flow's: none


def test_run_json_history_and_watch_show_what_the_flow_returned(
    tmp_path: Path, flowtop_here: Here
) -> None:
    (tmp_path / "params.py").write_text(PARAMS)
    done = flowtop("run", "--flow", "scaled", "-p", "n=4", "-p", "factor=0.5", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    last = done.stdout.rstrip("\n").splitlines()[-1]
    assert " scaled #1 COMPLETED in " in last and last.endswith(" → '2.0'"), done.stdout

    as_json = flowtop("run", "--flow", "scaled", "-p", "n=4", "--json", cwd=tmp_path)
    finished = json.loads(as_json.stdout.splitlines()[-1])
    assert finished["event"] == "run_finished" and finished["result"] == "'4.0'"
    graph = flowtop("run", "--flow", "graph", "--json", cwd=tmp_path)
    assert "result" not in json.loads(graph.stdout.splitlines()[-1])  # a Flow(...) has none

    detail = flowtop_here("history", "--run", "1", "--flow", "scaled", cwd=tmp_path)
    assert detail.returncode == 0, detail.stderr
    assert "parameters: n=4, factor=0.5\nresult: '2.0'\n" in detail.stdout, detail.stdout
    record = json.loads(
        flowtop_here(
            "history", "--run", "2", "--flow", "scaled", "--json", cwd=tmp_path
        ).stdout.splitlines()[0]
    )
    assert record["record"] == "run" and record["result"] == "'4.0'", record
    graph_record = flowtop_here("history", "--run", "1", "--flow", "graph", "--json", cwd=tmp_path)
    assert "result" not in json.loads(graph_record.stdout.splitlines()[0])

    watched = flowtop_here("watch", "--flow", "scaled", "1", cwd=tmp_path)
    assert watched.returncode == 0, watched.stderr
    assert watched.stdout.rstrip("\n").endswith(" → '2.0'"), watched.stdout
    watched_json = flowtop_here("watch", "--flow", "scaled", "1", "--json", cwd=tmp_path)
    assert json.loads(watched_json.stdout.splitlines()[-1])["result"] == "'2.0'"
