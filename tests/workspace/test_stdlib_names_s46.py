"""A folder's file named like a standard module is what Python makes of it, nothing more.

A ``logging.py`` beside flows that ``import logging`` was taken for a helper of every one
of them (the import graph looked in the folder first), so saving it reloaded them all,
though each had the standard ``logging``: flowtop imports it before any flow file. A
standard module nothing imported yet (``sched`` here) is the folder's file, as under
``python flow.py``: a load that fails on it now names that file.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowtop.workspace.loader import Loader
from flowtop.workspace.module_places import workspace_script

FLOW = """\
import {module}
from flowtop import Flow, task

{extra}

@task
def one() -> int:
    return 1


with Flow("{name}") as flow:
    one()
"""


def flow_file(folder: Path, name: str, module: str, extra: str = "") -> Path:
    path = folder / f"{name}.py"
    path.write_text(FLOW.format(module=module, name=name, extra=extra))
    return path


@pytest.fixture
def loader(tmp_path: Path) -> Iterator[Loader]:
    loader = Loader(tmp_path)
    yield loader
    loader.deactivate()


def test_a_logging_py_beside_flows_is_no_helper_of_theirs(tmp_path: Path, loader: Loader) -> None:
    (tmp_path / "logging.py").write_text('raise RuntimeError("the folder\'s own logging")\n')
    flows = [flow_file(tmp_path, name, "logging") for name in ("etl", "report")]
    loaded = loader.load_all()
    assert sorted(loaded.flows) == ["etl", "report"], loaded.errors
    assert all(loader.deps[path] == frozenset() for path in flows)
    saved = loader.reload([tmp_path / "logging.py"])
    assert saved.flows == [] and saved.modules == []


def test_a_standard_name_nothing_imported_is_the_folder_s_helper(
    tmp_path: Path, loader: Loader, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python imports the folder's ``sched.py`` for ``import sched`` then: saving it must
    reload the flow, as saving any helper does."""
    monkeypatch.delitem(sys.modules, "sched", raising=False)
    (tmp_path / "sched.py").write_text("WHOSE = 'the folder'\n")
    flow = flow_file(tmp_path, "etl", "sched", "assert sched.WHOSE == 'the folder'")
    assert loader.load_all().flows == ["etl"]
    assert loader.deps[flow] == {tmp_path / "sched.py"}
    assert loader.reload([tmp_path / "sched.py"]).flows == ["etl"]


def test_a_missing_name_of_the_folder_s_standard_module_says_whose_it_was(
    tmp_path: Path, loader: Loader, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "sched", raising=False)
    (tmp_path / "sched.py").write_text("WHOSE = 'the folder'\n")
    flow = flow_file(tmp_path, "etl", "sched", "RUNNER = sched.scheduler")
    error = loader.load_all().errors[0]
    assert error.path == flow
    assert str(error).endswith(
        "AttributeError: module 'sched' has no attribute 'scheduler'; "
        "sched.py in the folder hides the standard library's module: rename it"
    )


def test_an_error_raised_in_the_folder_s_standard_package_says_whose_it_was(
    tmp_path: Path, loader: Loader, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed import leaves no module behind: the traceback names the file."""
    monkeypatch.delitem(sys.modules, "sched", raising=False)
    (tmp_path / "sched").mkdir()
    (tmp_path / "sched" / "__init__.py").write_text("raise KeyError('SCHED_HOME')\n")
    flow_file(tmp_path, "etl", "sched")
    (error,) = loader.load_all().errors
    assert "KeyError: 'SCHED_HOME'" in str(error)
    assert str(error).endswith(
        "; sched/ in the folder hides the standard library's module: rename it"
    )


def test_an_unrelated_error_names_no_standard_module(tmp_path: Path, loader: Loader) -> None:
    (tmp_path / "logging.py").write_text("LEVEL = 1\n")
    flow_file(tmp_path, "etl", "logging", "raise ValueError('no rows')")
    (error,) = loader.load_all().errors
    assert str(error).endswith("ValueError: no rows")


def test_a_retry_on_name_of_a_built_in_module_runs_no_folder_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``import xxsubtype`` gets the built-in module, before any folder on ``sys.path``."""
    assert "xxsubtype" in sys.builtin_module_names
    monkeypatch.delitem(sys.modules, "xxsubtype", raising=False)
    (tmp_path / "xxsubtype.py").write_text("raise SystemExit('ran')\n")
    (tmp_path / "deploy.py").write_text("class Boom(Exception): ...\n")
    assert workspace_script("xxsubtype.spamlist", tmp_path) is None
    assert workspace_script("deploy.Boom", tmp_path) == (tmp_path / "deploy.py").resolve()


CONSOLE_SCRIPT = "import sys; from flowtop.cli import main; sys.exit(main())"


def test_list_and_run_processes_import_the_standard_logging(tmp_path: Path) -> None:
    """The processes that load and run flows have the standard ``logging`` already: the
    folder's ``logging.py`` never runs there."""
    (tmp_path / "logging.py").write_text('raise RuntimeError("the folder\'s own logging")\n')
    flow_file(tmp_path, "etl", "logging", "logging.getLogger(__name__)")
    for command in ("list", "run"):
        done = subprocess.run(
            [sys.executable, "-P", "-c", CONSOLE_SCRIPT, command, str(tmp_path)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "the folder's own logging" not in done.stdout + done.stderr
