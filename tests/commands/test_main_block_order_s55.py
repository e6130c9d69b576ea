"""``flowtop run FILE`` runs the flows its ``__main__`` block calls in the order it calls them.

A block ending ``outer()`` then ``check(-5)`` ran ``check`` first when the file defined
``check`` above ``outer``: the flows the block calls were taken in the file's order, not the
block's (an ETL's report before its extract, a setup flow after what it sets up).
``python FILE`` runs them as the block calls them, and so does ``flowtop run FILE`` now, with
``--detach`` too (each run then in a process of its own).
"""

from __future__ import annotations

import ast
import json
import textwrap
from pathlib import Path

import pytest

from cli_kit import flowtop
from flowtop.commands.run import run_by_main_block
from flowtop.workspace import Workspace
from flowtop.workspace.entry_flows import main_block_calls, main_block_calls_of, main_block_flows
from flowtop.workspace.main_block_args import called_in_order

#: ``check`` defined first, called last; ``inner`` only ever a subflow of ``outer``.
CHECK_THEN_OUTER = """\
from flowtop import flow

@flow
def check(x: int = 0) -> int:
    print("CHECK", x)
    return x

@flow
def inner() -> int:
    return 1

@flow
def outer() -> int:
    print("OUTER")
    return inner()

if __name__ == "__main__":
    outer()
    check(-5)
"""


def loaded(folder: Path, source: str) -> Workspace:
    (folder / "etl.py").write_text(source)
    workspace = Workspace(folder / "etl.py", isolate_imports=False)
    workspace.load()
    return workspace


def test_the_block_s_flows_come_in_its_order_not_the_file_s(tmp_path: Path) -> None:
    with loaded(tmp_path, CHECK_THEN_OUTER) as workspace:
        assert list(workspace.flows) == ["check", "inner", "outer"]  # (the monitor's order)
        assert main_block_flows(workspace) == ["outer", "check"]  # was ["check", "outer"]
        file_order = list(workspace.flows)
        assert run_by_main_block(file_order, main_block_flows(workspace)) == ["outer", "check"]


def test_detach_takes_the_block_s_order_from_the_flows_as_listed(tmp_path: Path) -> None:
    """``--detach`` has only the loader process's description (``flowtop list --json``),
    in the file's order: the call's place in the block travels in it."""
    with loaded(tmp_path, CHECK_THEN_OUTER) as workspace:
        calls = main_block_calls_of(workspace)
        listed = {
            name: json.loads(json.dumps({"file": str(tmp_path / "etl.py"), **call.to_json()}))
            for name in workspace.flows
            if (call := calls.get(name)) is not None
        }
        listed["inner"] = {"file": str(tmp_path / "etl.py")}  # (not called by the block)
        assert list(listed) == ["check", "outer", "inner"]
        assert called_in_order(listed) == ["outer", "check"]
        assert run_by_main_block(["check", "inner", "outer"], called_in_order(listed)) == [
            "outer",
            "check",
        ]


@pytest.mark.parametrize(
    ("block", "order"),
    [
        ("check(-5)\nouter()", ["check", "outer"]),
        ("outer()\ncheck(-5)\nouter()", ["outer", "check"]),  # twice: where first called
        ('print("RESULT", report(extract()))', ["extract", "report", "print"]),
        ("asyncio.run(report())\nextract.serve()", ["report", "asyncio", "extract"]),
        ("[report(x) for x in extract()]", ["extract", "report"]),
        ("table[report()] = extract()", ["extract", "report"]),
        ("if ready():\n    extract()\nelse:\n    report()", ["ready", "extract", "report"]),
        ("total = " + "1 + " * 2500 + "extract()\nreport()", ["extract", "report"]),  # deep
    ],
    ids=[
        "as-called",
        "called-twice",
        "nested",
        "wrapped",
        "comprehension",
        "assigned",
        "if",
        "deep",
    ],
)
def test_the_names_come_in_the_order_python_calls_them(block: str, order: list[str]) -> None:
    source = "if __name__ == '__main__':\n" + textwrap.indent(block, "    ") + "\n"
    calls = main_block_calls(ast.parse(source))
    assert list(calls) == order
    assert [call.order for call in calls.values()] == list(range(len(order)))


def test_a_flow_called_twice_takes_its_first_call_s_arguments() -> None:
    source = "if __name__ == '__main__':\n    etl(1)\n    report()\n    etl(2)\n"
    first = main_block_calls(ast.parse(source))["etl"]
    assert (first.line, ast.unparse(first.positional[0])) == (2, "1")


def test_flowtop_run_file_runs_them_in_the_block_s_order(tmp_path: Path) -> None:
    (tmp_path / "etl.py").write_text(CHECK_THEN_OUTER)
    done = flowtop("run", "etl.py", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    started = [
        (e["flow"], e.get("parameters"))
        for e in events
        if e["event"] == "run_started" and "parent_run" not in e
    ]
    assert started == [("outer", None), ("check", {"x": -5})]  # check ran first
    assert done.stderr.splitlines() == [  # (--json: the flows' own output on stderr)
        "flowtop run: running outer, check(x=-5), as etl.py's __main__ block calls them "
        "(--flow NAME runs another)",
        "OUTER",
        "CHECK -5",
    ]
