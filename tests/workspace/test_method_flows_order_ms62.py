"""``@classmethod`` (or ``@staticmethod``) written above ``@flow``, an order Prefect runs
too (its ``test_flow_supports_class_methods``: ``class_method_of_a_different_order``), was
neither listed nor said (ms62): the class holds a classmethod wrapping the flow, not a
flow. It is listed as the other order is, and runs bound as Prefect binds it."""

from __future__ import annotations

import textwrap
from pathlib import Path

from flowtop.workspace import Workspace
from flowtop.workspace.entry_flows import main_block_flows
from flowtop.workspace.method_flow_source import left_out

ORDERS = """\
from prefect import flow


class Report:
    label = "sales"

    @classmethod
    @flow
    def by_class(cls, n: int = 2):
        return f"{cls.label}:{n}"

    @staticmethod
    @flow
    def by_static(n: int = 3):
        return n * 2


if __name__ == "__main__":
    Report.by_class(4)
    Report.by_static()
"""


def test_a_classmethod_above_flow_is_listed_and_runs_bound_to_its_class(tmp_path: Path) -> None:
    (tmp_path / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    path = tmp_path / "report.py"
    path.write_text(textwrap.dedent(ORDERS))
    with Workspace(path, isolate_imports=False) as workspace:
        workspace.load()
        assert not workspace.errors, workspace.errors
        assert main_block_flows(workspace) == ["by-class", "by-static"]
        assert workspace.flows["by-class"].fn(5) == "sales:5"  # type: ignore[attr-defined]
        assert workspace.flows["by-static"].fn() == 6  # type: ignore[attr-defined]
    assert left_out([path]) == []
