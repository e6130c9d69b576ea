"""Two classes' ``run`` flows are listed, run and recorded as ``Sales.run`` and
``Marketing.run``; the runtime says Prefect's name, ``run`` (``flow_run.flow_name``, as
Prefect reads its ``flow.name``), and a method flow called as a subflow is recorded under
the name it is listed as (it was recorded ``run``, which named neither)."""

from __future__ import annotations

from pathlib import Path

from cli_kit import flowtop

TWO = """\
from flowtop import flow
from flowtop.runtime import flow_run


class Sales:
    def __init__(self, name: str):
        self.name = name

    @flow
    def run(self, n: int = 2) -> str:
        print("runtime says", flow_run.flow_name)
        return f"sales {self.name}"

    @flow
    @staticmethod
    def report() -> str:
        print("runtime says", flow_run.flow_name)
        return "sales report"


class Marketing:
    def __init__(self, name: str):
        self.name = name

    @flow
    def run(self, n: int = 2) -> str:
        return f"mkt {self.name}"


@flow
def report() -> str:
    return "module report"


@flow
def beta() -> str:
    print("beta says", flow_run.flow_name)
    return Sales("eu").run(3) + " " + Sales.report()


if __name__ == "__main__":
    Sales("eu").run(3)
    Marketing("us").run(4)
"""


def test_the_runtime_says_prefects_name_of_a_renamed_method_flow(tmp_path: Path) -> None:
    (tmp_path / "two.py").write_text(TWO)
    done = flowtop("run", ".", "--flow", "Sales.run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "runtime says run\n" in done.stdout, done.stdout
    assert "Sales.run #1 COMPLETED" in done.stdout, done.stdout


def test_a_renamed_method_flow_called_as_a_subflow_keeps_its_listed_name(tmp_path: Path) -> None:
    (tmp_path / "two.py").write_text(TWO)
    done = flowtop("run", ".", "--flow", "beta", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "beta says beta\n" in out, out
    assert "Sales.run #1 started with n=3" in out and "(child of beta #1)" in out, out
    assert "Sales.report #1 COMPLETED" in out, out
    assert out.count("runtime says run\n") == 1 and "runtime says report\n" in out, out
    listed = flowtop("history", cwd=tmp_path)
    assert "Sales.run " in listed.stdout and "Sales.report " in listed.stdout, listed.stdout
    assert "\nrun " not in listed.stdout and "\nreport " not in listed.stdout, listed.stdout
