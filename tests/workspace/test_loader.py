"""Loading flow files: every way a file can fail is reported with its line, the rest keeps working."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from flowtop import Flow
from flowtop.engine.flow_package import FLOW_PACKAGE
from flowtop.workspace.loader import module_name_for

ETL = """
from flowtop import Flow, task

class Flaky(Exception):
    pass

@task(max_retries=2)
def extract():
    return 1

@task
def load(x):
    return x

with Flow("etl") as flow:
    load(extract())
"""

SIMPLE = """
from flowtop import Flow, task

@task
def one():
    return {value}

flow = Flow("{name}")
flow.add_task(one)
"""


def simple(name: str, value: object = 1) -> str:
    return SIMPLE.format(name=name, value=value)


def test_folder_loads_every_flow_module_under_a_unique_name(write, workspace, tmp_path):
    write("etl.py", ETL)
    write("other.py", simple("other"))
    ws = workspace()
    assert sorted(ws.flows) == ["etl", "other"]
    assert ws.errors == {}
    assert ws.flow_files["etl"] == tmp_path / "etl.py"
    assert ws.flows["etl"].source == str(tmp_path / "etl.py")
    name = module_name_for(tmp_path / "etl.py", tmp_path)
    assert name.startswith(FLOW_PACKAGE + ".etl_")
    assert sys.modules[name].flow is ws.flows["etl"]
    assert "etl" not in sys.modules  # never clashes with a helper or library called etl


def test_a_flow_module_is_named_by_its_place_in_the_workspace_not_on_the_disk(tmp_path):
    """A moved or cloned workspace must read back the results its runs pickled (a class
    of the flow file is pickled by its module's name): a rerun there ran every task."""
    here, moved = tmp_path / "here", tmp_path / "moved"
    assert module_name_for(here / "etl.py", here) == module_name_for(moved / "etl.py", moved)
    assert module_name_for(here / "etl.py", here) != module_name_for(here / "sub/etl.py", here)


def test_a_file_workspace_loads_only_that_file(write, workspace, tmp_path):
    write("etl.py", ETL)
    write("other.py", simple("other"))
    ws = workspace("etl.py")
    assert ws.root == tmp_path
    assert list(ws.flows) == ["etl"]


def test_syntax_error_names_line_and_column_and_others_keep_working(write, workspace, tmp_path):
    write("etl.py", ETL)
    write("bad.py", "from flowtop import Flow\nflow = Flow('bad'\nx = 1 +\n")
    ws = workspace()
    assert list(ws.flows) == ["etl"]
    error = ws.errors[tmp_path / "bad.py"]
    assert (error.line, error.column) == (2, 12)
    assert str(error) == "bad.py:2:12: SyntaxError: '(' was never closed"


def test_exception_at_import_points_at_the_line_in_the_flow_file(write, workspace, tmp_path):
    write(
        "boom.py",
        "from flowtop import Flow\nflow = Flow('boom')\n\nraise RuntimeError('no config')\n",
    )
    ws = workspace()
    error = ws.errors[tmp_path / "boom.py"]
    assert error.line == 4
    assert str(error) == "boom.py:4: RuntimeError: no config"
    assert ws.flows == {}


def test_exception_in_a_helper_points_at_the_import_and_names_the_helper(
    write, workspace, tmp_path
):
    write("helper.py", "X = 1\nY = 1 / 0\n")
    write("etl.py", "from flowtop import Flow\n\nimport helper\nflow = Flow('etl')\n")
    ws = workspace()
    error = ws.errors[tmp_path / "etl.py"]
    assert error.line == 3
    assert "ZeroDivisionError: division by zero (raised in helper.py:2)" in error.message


def test_syntax_error_in_a_helper_names_the_helper_line(write, workspace, tmp_path):
    write("helper.py", "X = (\n")
    write("etl.py", "from flowtop import Flow\nimport helper\nflow = Flow('etl')\n")
    ws = workspace()
    error = ws.errors[tmp_path / "etl.py"]
    assert error.line == 2
    assert error.message.startswith("SyntaxError in helper.py:1:")


def test_a_module_without_flows_is_an_error_unless_a_flow_module_imports_it(
    write, workspace, tmp_path
):
    write("alone.py", "from flowtop import task\n\n@task\ndef t():\n    pass\n")
    write("common.py", "from flowtop import task\n\n@task\ndef shared():\n    return 2\n")
    write(
        "etl.py",
        "from flowtop import Flow\nfrom common import shared\nflow = Flow('etl')\nflow.add_task(shared)\n",
    )
    ws = workspace()
    assert list(ws.flows) == ["etl"]
    assert list(ws.errors) == [tmp_path / "alone.py"]
    assert "defines no flows" in str(ws.errors[tmp_path / "alone.py"])
    assert str(ws.errors[tmp_path / "alone.py"]).startswith("alone.py: ")


def test_a_helper_whose_only_importer_fails_is_not_blamed_too(write, workspace, tmp_path):
    """The importer's error says what to fix; "common.py: defines no flows" beside it
    sent the user to the wrong file."""
    write("common.py", "from flowtop import task\n\n@task\ndef shared():\n    return 2\n")
    write(
        "etl.py",
        "from flowtop import Flow\nfrom common import shared\nraise RuntimeError('no config')\n",
    )
    ws = workspace()
    assert list(ws.errors) == [tmp_path / "etl.py"]
    assert "RuntimeError: no config" in str(ws.errors[tmp_path / "etl.py"])


def test_files_that_never_mention_flowtop_are_not_executed(write, workspace, tmp_path):
    write("setup.py", "open('executed', 'w').close()\n")
    # `Flow` only as part of a word: a report script's class ran it as a flow file, which
    # then "defines no flows" (exit 2 for `flowtop run` of the folder)
    write("report.py", "class CashFlow: pass\nopen('executed', 'w').close()\n")
    write("etl.py", ETL)
    ws = workspace()
    assert not (tmp_path / "executed").exists()
    assert ws.errors == {}


def test_two_flows_with_one_name_in_a_file_points_at_the_second(write, workspace, tmp_path):
    write("dup.py", "from flowtop import Flow\n\na = Flow('same')\nb = Flow('same')\n")
    ws = workspace()
    error = ws.errors[tmp_path / "dup.py"]
    assert error.line == 4
    assert "two flows named 'same'" in error.message
    assert ws.flows == {}


def test_one_flow_bound_to_two_names_is_not_a_duplicate(write, workspace):
    write("alias.py", "from flowtop import Flow\n\na = Flow('same')\nb = a\n")
    assert list(workspace().flows) == ["same"]


def test_two_files_defining_one_flow_name_report_the_second_file(write, workspace, tmp_path):
    write("a.py", simple("etl"))
    write("b.py", simple("etl", 2))
    ws = workspace()
    assert ws.flow_files["etl"] == tmp_path / "a.py"
    assert str(ws.errors[tmp_path / "b.py"]) == "b.py:7: flow 'etl' is already defined in a.py"


def test_non_utf8_file_names_line_and_column(write, workspace, tmp_path):
    write("latin.py", b"from flowtop import Flow\nname = 'caf\xe9'\n")
    ws = workspace()
    error = ws.errors[tmp_path / "latin.py"]
    assert (error.line, error.column) == (2, 12)
    assert "not valid UTF-8 text: byte 0xe9" in error.message


def test_unreadable_file_is_reported(write, workspace, tmp_path, monkeypatch):
    target = write("secret.py", simple("secret"))
    write("etl.py", ETL)
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == target:
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    ws = workspace()
    assert str(ws.errors[target]) == "secret.py: cannot read file: Permission denied"
    assert list(ws.flows) == ["etl"]


def test_symlink_loop_is_reported(write, workspace, tmp_path):
    write("etl.py", ETL)
    os.symlink(tmp_path / "loop_b.py", tmp_path / "loop_a.py")
    os.symlink(tmp_path / "loop_a.py", tmp_path / "loop_b.py")
    ws = workspace()
    assert "symlink loop" in str(ws.errors[tmp_path / "loop_a.py"])
    assert list(ws.flows) == ["etl"]


def test_last_good_flows_stay_until_the_file_is_fixed(write, workspace, tmp_path):
    path = write("etl.py", ETL)
    ws = workspace()
    good = ws.flows["etl"]
    path.write_text(ETL + "\nthis is not python\n")
    change = ws.reload_paths([path])
    assert ws.flows["etl"] is good
    assert change.errors and change.errors[0].path == path
    assert change.summary().startswith("etl.py:")
    path.write_text(ETL.replace("return 1", "return 3"))
    change = ws.reload_paths([path])
    assert ws.errors == {}
    assert ws.flows["etl"] is not good
    assert change.modules == ("etl.py",) and change.flows == ("etl",)
    assert ws.flows["etl"].nodes["extract"].task.fn() == 3


def test_file_vanishing_while_reloading_keeps_the_last_good_flows(
    write, workspace, tmp_path, monkeypatch
):
    path = write("etl.py", ETL)
    ws = workspace()
    good = ws.flows["etl"]
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == path:
            raise FileNotFoundError(2, "No such file or directory")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    ws.reload_paths([path])
    assert str(ws.errors[path]) == "etl.py: file disappeared while reloading"
    assert ws.flows["etl"] is good


def test_deleting_a_flow_file_removes_its_flows(write, workspace, tmp_path):
    path = write("etl.py", ETL)
    write("other.py", simple("other"))
    ws = workspace()
    path.unlink()
    change = ws.reload_paths([path])
    assert list(ws.flows) == ["other"]
    assert change.removed == ("etl",)
    assert "Removed flow etl" in change.summary()


def test_a_renamed_flow_file_moves_its_flows_and_removes_none(write, workspace, tmp_path):
    """The toast said "Removed flows …" for flows that had only changed file."""
    old = write("seeds.py", ETL)
    ws = workspace()
    new = tmp_path / "seed_examples.py"
    old.rename(new)
    change = ws.reload_paths([old, new])
    assert list(ws.flows) == ["etl"] and ws.flow_files["etl"] == new
    assert change.removed == ()
    assert change.summary() == "Reloaded seed_examples.py (1 flow)"


def test_flows_are_matched_by_name_across_reloads(write, workspace, tmp_path):
    path = write("etl.py", simple("old"))
    ws = workspace()
    path.write_text(simple("new"))
    change = ws.reload_paths([path])
    assert list(ws.flows) == ["new"]
    assert change.removed == ("old",) and change.flows == ("new",)


def test_a_new_flow_file_is_picked_up(write, workspace, tmp_path):
    ws = workspace()
    path = write("fresh.py", simple("fresh"))
    change = ws.reload_paths([path])
    assert list(ws.flows) == ["fresh"]
    assert change.summary() == "Reloaded fresh.py (1 flow)"


def test_a_changed_helper_is_reimported_with_the_flows_using_it(
    write, workspace, tmp_path, monkeypatch
):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)  # CI may set PYTHONDONTWRITEBYTECODE
    helper = write("helper.py", "VALUE = 1\n")
    write(
        "etl.py",
        "from flowtop import Flow, task\nimport helper\n\n"
        "@task\ndef get():\n    return helper.VALUE\n\nflow = Flow('etl')\nflow.add_task(get)\n",
    )
    write("other.py", simple("other"))
    ws = workspace()
    other = ws.flows["other"]
    helper.write_text("VALUE = 2\n")  # same size, same second: a stale .pyc must not win
    change = ws.reload_paths([helper])
    assert ws.flows["etl"].nodes["get"].task.fn() == 2
    assert change.modules == ("etl.py",)
    assert change.helpers == ("helper.py",)
    assert change.summary() == "Reloaded etl.py (1 flow), which imports helper.py"
    assert ws.flows["other"] is other  # untouched: it does not import helper


def test_a_changed_module_of_a_package_is_the_one_the_reload_names(write, workspace):
    """`pkg/util.py` saved: the toast named `pkg/__init__.py` (evicted with it), not util."""
    write("pkg/__init__.py", "from .util import VALUE\n")
    util = write("pkg/util.py", "VALUE = 1\n")
    write(
        "etl.py",
        "from flowtop import Flow, task\nimport pkg\n\n"
        "@task\ndef get():\n    return pkg.VALUE\n\nflow = Flow('etl')\nflow.add_task(get)\n",
    )
    ws = workspace()
    util.write_text("VALUE = 22\n")
    change = ws.reload_paths([util])
    assert ws.flows["etl"].nodes["get"].task.fn() == 22
    assert "pkg/util.py" in change.helpers  # (with the package it belongs to)


def test_helpers_are_followed_transitively_and_into_packages(write, workspace, tmp_path):
    consts = write("lib/consts.py", "VALUE = 1\n")
    write("lib/__init__.py", "")
    write("lib/util.py", "from .consts import VALUE\n\ndef value():\n    return VALUE\n")
    write(
        "etl.py",
        "from flowtop import Flow, task\nfrom lib.util import value\n\n"
        "@task\ndef get():\n    return value()\n\nflow = Flow('etl')\nflow.add_task(get)\n",
    )
    ws = workspace()
    assert ws.flows["etl"].nodes["get"].task.fn() == 1
    consts.write_text("VALUE = 5\n")
    ws.reload_paths([consts])
    assert ws.flows["etl"].nodes["get"].task.fn() == 5


def test_creating_a_missing_helper_retries_the_failed_module(write, workspace, tmp_path):
    write("etl.py", "from flowtop import Flow\nimport later\nflow = Flow('etl')\n")
    ws = workspace()
    assert "ModuleNotFoundError" in str(ws.errors[tmp_path / "etl.py"])
    helper = write("later.py", "X = 1\n")
    ws.reload_paths([helper])
    assert list(ws.flows) == ["etl"] and ws.errors == {}


def test_objects_marked_with_flowtop_flow_are_found(write, workspace):
    write(
        "decorated.py",
        """
        from flowtop import Flow

        def pipeline():
            pass

        pipeline.__flowtop_flow__ = Flow("decorated")
        """,
    )
    ws = workspace()
    assert list(ws.flows) == ["decorated"]
    assert isinstance(ws.flows["decorated"], Flow)


def test_main_guard_does_not_run_on_load(write, workspace, tmp_path):
    write("etl.py", ETL + "\nif __name__ == '__main__':\n    open('ran', 'w').close()\n")
    workspace()
    assert not (tmp_path / "ran").exists()


def test_sys_exit_at_import_is_an_error_not_an_exit(write, workspace, tmp_path):
    write("quit.py", "import sys\nfrom flowtop import Flow\nsys.exit(3)\n")
    ws = workspace()
    assert str(ws.errors[tmp_path / "quit.py"]) == "quit.py:3: SystemExit: 3"


@pytest.mark.parametrize("name", ["__init__.py", ".hidden.py"])
def test_package_init_and_hidden_files_are_not_flow_modules(write, workspace, name):
    write(name, simple("skipped"))
    assert workspace().flows == {}


@pytest.mark.parametrize(
    ("sources", "found"),
    [
        ({"a.py": 'Flow("etl-daily")', "b.py": "x = 1"}, "a.py"),
        ({"a.py": "x = 1", "b.py": "@flow(name='etl-daily')"}, "b.py"),
        ({"a.py": "@flow\ndef etl_daily(day):", "b.py": "x = 1"}, "a.py"),
        ({"a.py": 'Flow("etl-daily")', "b.py": 'run("etl-daily")'}, None),  # two: the probes say
        ({"a.py": 'Flow("etl-daily-2")', "b.py": "x = 1"}, None),  # another flow's name
    ],
    ids=["double-quoted", "single-quoted", "flow-function", "two-files", "longer-name"],
)
def test_the_file_a_folder_run_imports_itself_is_the_one_naming_the_flow(
    tmp_path: Path, sources: dict[str, str], found: str | None
) -> None:
    """``flowtop run DIR --flow etl-daily`` imports that file without a loader child first
    (``flow_naming.file_naming``); a guess only, so any doubt leaves it to the children."""
    from flowtop.workspace.flow_naming import file_naming

    paths = []
    for name, text in sources.items():
        (tmp_path / name).write_text(text)
        paths.append(tmp_path / name)
    assert file_naming(paths, "etl-daily") == (tmp_path / found if found else None)


def test_a_flow_file_imported_by_another_is_not_named_its_own_importer() -> None:
    """Saved zeta.py reloaded omega.py too: the toast read `Reloaded omega.py, zeta.py
    (2 flows), which import zeta.py`."""
    from flowtop.workspace.changes import WorkspaceChanged

    change = WorkspaceChanged(
        modules=("omega.py", "zeta.py"), flows=("omega", "zeta"), helpers=("zeta.py",)
    )
    assert change.summary() == "Reloaded omega.py, zeta.py (2 flows); omega.py imports zeta.py"
    alone = WorkspaceChanged(modules=("zeta.py",), flows=("zeta",), helpers=("zeta.py",))
    assert alone.summary() == "Reloaded zeta.py (1 flow)"
