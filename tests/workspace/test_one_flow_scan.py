"""``flowtop run DIR --flow NAME``'s scan of the folder's sources (``flow_naming``).

Three leftovers of the scan that picks the one file to import for a run of NAME:

- it parsed every other file twice (once to find NAME, once for the flows the run leaves
  unread): each file is now parsed once (``NameScan``);
- ``load.with_options(name="etl")`` on a *task* counted as a flow named ``etl``, so a run
  of ``etl`` saw two files defining it and imported the whole folder: only a flow's copy
  names a flow (a receiver the source cannot place still counts, ``Bindings``);
- a second flow named NAME in a file whose flow names are expressions
  (``@flow(name=NAME)``) was never imported, so the duplicate the folder's load refuses,
  naming both files, ran silently: such files are now probed, and imported when they
  define NAME (``NameScan.others_seen``); ``--detach`` describes the folder then.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest

from flowtop.workspace import Workspace

#: ``etl`` by a literal name.
ETL = """
from flowtop import flow


@flow(name="etl")
def first() -> int:
    return 1
"""

#: ``etl`` again, by a name no scan of the source reads.
ETL_BY_EXPRESSION = """
from flowtop import flow

NAME = "e" + "tl"


@flow(name=NAME)
def second() -> int:
    return 2
"""

#: A flow named by an expression, in a file whose import fails.
BROKEN_UNTOLD = """
from flowtop import flow


@flow(name="bro" + "ken")
def broken() -> int:
    return 3


raise RuntimeError("broken at import")
"""

#: A task copied under the name ``etl``, beside a flow of another name.
TASK_COPY = """
from flowtop import flow, task


@task
def load() -> int:
    return 1


load_etl = load.with_options(name="etl")


@flow
def other() -> int:
    return load_etl()
"""

OTHER_FLOW = """
from flowtop import flow


@flow
def more() -> int:
    return 4
"""


def test_a_run_of_one_flow_parses_each_file_once(
    write: Callable[[str, str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flowtop.workspace import flow_naming

    write("a_etl.py", ETL)
    write("b_more.py", OTHER_FLOW)
    write("c_other.py", TASK_COPY.replace('"etl"', '"copy"'))
    parsed: list[str] = []
    parse = flow_naming.parse_python

    def counted(source: str | bytes, filename: str = "<unknown>") -> ast.Module:
        parsed.append(Path(filename).name)
        return parse(source, filename)

    monkeypatch.setattr(flow_naming, "parse_python", counted)
    workspace = Workspace(tmp_path)
    try:
        workspace.load(flow="etl")
        assert list(workspace.flows) == ["etl"]
    finally:
        workspace.close()
    assert sorted(parsed) == ["a_etl.py", "b_more.py", "c_other.py"]


def test_a_tasks_copy_names_no_flow_a_flows_does(flow_names: Callable[[str], set[str]]) -> None:
    sources = {
        # a task's copies: no flow (the receiver is a task, as the source says)
        "@task\ndef load(): ...\nx = load.with_options(name='etl')": set(),
        "load = task(fn)\nx = load.with_options(name='etl')": set(),
        "x = task(fn).with_options(name='q')\ny = x.with_options(name='etl')": set(),
        "@task(retries=2)\ndef load(): ...\nx = load.with_options(name=NAME)": set(),
        "def plain(): ...\nplain.with_options(name='etl')": set(),
        # a flow's copies: flows
        "@flow\ndef load(): ...\nx = load.with_options(name='etl')": {"load", "etl"},
        "f = Flow('a')\ng = f.with_options(name='b')\nh = g.with_options(name='c')": {
            "a",
            "b",
            "c",
        },
        "with Flow('a') as f: pass\ng = f.with_options(name='b')": {"a", "b"},
        "x = flow(fn).with_options(name='etl')": {"fn", "etl"},
        # a receiver the source cannot place counts as a flow (a missed flow could hide
        # a duplicate; a task counted costs a slower run only when its name is asked)
        "from tasks import load\nx = load.with_options(name='etl')": {"etl"},
        "x = tasks.load.with_options(name='etl')": {"etl"},
        "def make(t):\n    return t.with_options(name='etl')": {"etl"},
        "@task\ndef load(): ...\ndef f(load):\n    load.with_options(name='etl')": {"etl"},
    }
    found = {source: flow_names(source) for source in sources}
    assert found == sources


def test_a_task_copied_under_a_flows_name_leaves_that_flow_one_file(tmp_path: Path) -> None:
    from flowtop.workspace.flow_naming import NameScan

    (tmp_path / "a_etl.py").write_text(ETL)
    (tmp_path / "b_tasks.py").write_text(TASK_COPY)
    paths = sorted(tmp_path.glob("*.py"))
    assert NameScan(paths, "etl").file_defining() == tmp_path / "a_etl.py"


@pytest.mark.parametrize(
    ("literal", "expression"), [("a_etl.py", "b_etl.py"), ("b_etl.py", "a_etl.py")]
)
def test_a_run_of_one_flow_refuses_its_name_defined_again_by_an_expression(
    write: Callable[[str, str], Path], tmp_path: Path, literal: str, expression: str
) -> None:
    """The first file (by name) keeps ``etl``, the other is refused naming it, as the
    folder's load does; a broken file whose flow names are expressions is probed, but
    neither imported nor said (another file's error is not this run's)."""
    write(literal, ETL)
    write(expression, ETL_BY_EXPRESSION)
    write("c_broken.py", BROKEN_UNTOLD)
    write("d_more.py", OTHER_FLOW)
    workspace = Workspace(tmp_path)
    try:
        workspace.load(flow="etl")
        errors = {path.name: str(error) for path, error in workspace.errors.items()}
        flow_file = workspace.flow_files["etl"].name
    finally:
        workspace.close()
    assert flow_file == "a_etl.py"
    assert list(errors) == ["b_etl.py"], errors
    assert "flow 'etl' is already defined in a_etl.py" in errors["b_etl.py"]


def test_run_detach_describes_the_folder_when_another_file_may_define_the_flow(
    write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    from flowtop.workspace.workspace_description import describe_workspace

    write("a_etl.py", ETL)
    write("b_etl.py", ETL_BY_EXPRESSION)
    described = describe_workspace(str(tmp_path), None, flow="etl")
    assert described.flows["etl"]["file"] == str(tmp_path / "a_etl.py")
    assert len(described.errors) == 1, described.errors
    assert "b_etl.py:7: flow 'etl' is already defined in a_etl.py" in described.errors[0]
