"""Two classes' ``@flow def run(self)`` (the usual method name) made the whole file fail,
"two flows named 'run'", though Prefect tells them apart by entrypoint
(``two.py:Sales.run``, ``two.py:Marketing.run``). A method flow keeps its name, Prefect's
(the function's), unless another flow of the file has it too: then it is listed, run and
recorded as ``Cls.meth``. Two flows given one ``name=`` stay refused, saying what to do."""

from __future__ import annotations

import textwrap
from pathlib import Path

from cli_kit import flowtop
from flowtop.workspace import Workspace

TWO = """\
from flowtop import flow, task


@task
def step(x: int) -> int:
    return x + 1


class Sales:
    def __init__(self, name: str):
        self.name = name

    @flow{sales}
    def run(self, n: int = 2) -> str:
        return f"sales {{self.name}}:{{step(n)}}"


class Marketing:
    def __init__(self, name: str):
        self.name = name

    @flow{marketing}
    def run(self, n: int = 2) -> str:
        return f"mkt {{self.name}}:{{step(n)}}"

    @flow
    @staticmethod
    def report() -> str:
        return "report"


@flow
def report() -> str:
    return "module report"


if __name__ == "__main__":
    Sales("eu").run(3)
    Marketing("us").run(4)
"""


def _write(folder: Path, sales: str = "", marketing: str = "") -> Path:
    path = folder / "two.py"
    path.write_text(textwrap.dedent(TWO.format(sales=sales, marketing=marketing)))
    return path


def test_two_classes_run_flows_are_listed_and_run_as_cls_meth(tmp_path: Path) -> None:
    path = _write(tmp_path)
    with Workspace(path, isolate_imports=False) as workspace:
        workspace.load()
        assert not workspace.errors, workspace.errors
        assert sorted(workspace.flows) == [
            "Marketing.report",
            "Marketing.run",
            "Sales.run",
            "report",
        ]
    done = flowtop("run", ".", "--flow", "Sales.run", "-p", "n=5", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Sales.run #1 COMPLETED" in done.stdout and "'sales eu:6'" in done.stdout
    block = flowtop("run", "two.py", cwd=tmp_path)
    assert block.returncode == 0, block.stderr
    assert "'sales eu:4'" in block.stdout and "'mkt us:5'" in block.stdout, block.stdout


def test_a_method_flow_with_its_own_name_keeps_it(tmp_path: Path) -> None:
    path = _write(tmp_path, sales='(name="sales")')
    with Workspace(path, isolate_imports=False) as workspace:
        workspace.load()
        assert not workspace.errors, workspace.errors
        assert "sales" in workspace.flows and "run" in workspace.flows


def test_two_flows_given_one_name_are_refused_saying_what_to_do(tmp_path: Path) -> None:
    _write(tmp_path, sales='(name="daily")', marketing='(name="daily")')
    done = flowtop("list", ".", cwd=tmp_path)
    assert done.returncode == 2
    assert (
        "two.py:22: two flows named 'daily' (Sales.run at line 13 and Marketing.run); "
        "give one another name, @flow(name=...)" in done.stderr
    ), done.stderr
