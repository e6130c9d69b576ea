"""Prefect 3 files from Prefect's own docs that flowtop failed to load or list.

``from prefect import flow, runtime`` then ``runtime.flow_run.name`` in a body (the
runtime docs' snippet), or ``import prefect`` then ``prefect.get_run_logger()``, ended the
loader child with exit code 70 (``flowtop list``: "the import ended the process (exit
code 70)", no reason) and failed the monitor's whole workspace ("the flow host failed:
NotAvailable: prefect.runtime.runtime is not available in flowtop"): listing a body's
tasks read each name it uses off each module it uses, and drop-in's stand-in modules
raised ``NotAvailable`` (an ``ImportError``) for a name they lack, where ``getattr``'s
default only covers ``AttributeError``.
"""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path

import pytest

from flowtop.compat import NotAvailable, prefect_imports
from flowtop.engine.dynamic import FlowFunction
from flowtop.workspace import Workspace
from flowtop.workspace.flow_host import FlowHost
from flowtop.workspace.loader_process import run_child
from flowtop.workspace.workspace_description import describe_workspace

RUNTIME_FLOW = """
    from prefect import flow, runtime

    @flow
    def named():
        return f"my name is {runtime.flow_run.name}"
"""

LOGGER_FLOW = """
    import prefect

    @prefect.flow
    def logged():
        prefect.get_run_logger().info("hello")
        return 1
"""


NATIVE_FLOWS = """
    from flowtop import flow, task

    @task
    def fetch():
        return 1

    @flow
    def first():
        return fetch()

    @flow
    def second():
        return fetch()
"""


@pytest.fixture
def native(tmp_path: Path) -> Path:
    """Two flows of flowtop's own, in one file: what fails below is the patched method."""
    (tmp_path / "pair.py").write_text(textwrap.dedent(NATIVE_FLOWS))
    return tmp_path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "named.py").write_text(textwrap.dedent(RUNTIME_FLOW))
    (tmp_path / "logged.py").write_text(textwrap.dedent(LOGGER_FLOW))
    (tmp_path / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    return tmp_path


def test_flowtop_list_lists_bodies_that_read_prefect_names(folder: Path) -> None:
    """``flowtop list``'s loader process: it said "exit code 70" for both files."""
    described = describe_workspace(str(folder))
    assert described.problems == []
    assert sorted(described.flows) == ["logged", "named"]


def test_the_monitor_s_flow_host_shows_them(folder: Path) -> None:
    """The flow host's answer (``state``) raised NotAvailable: "the flow host failed"."""
    with Workspace(folder, isolate_imports=False) as workspace:
        state = FlowHost(workspace).state(workspace.load())
    assert sorted(state["shapes"]["flows"]) == ["logged", "named"]
    assert state["errors"] == []


def test_the_runtime_flow_runs_with_its_name(folder: Path) -> None:
    with Workspace(folder) as workspace, workspace.make_runner(record=False) as runner:
        workspace.load()
        # Prefect's shape of an unnamed flow run's name (s57: it was ``named #1``)
        assert re.fullmatch(r"my name is [a-z]+-[a-z]+", runner.run(workspace.flows["named"]).value)
        assert runner.run(workspace.flows["logged"]).value == 1


def test_a_missing_name_is_an_attribute_error_in_code_and_an_import_error_to_import(
    tmp_path: Path,
) -> None:
    """As Prefect's modules: ``hasattr(prefect, "deploy")`` is False and ``getattr`` takes
    its default; ``from prefect import deploy`` still fails with the one line."""
    path = tmp_path / "probe.py"
    path.write_text(
        textwrap.dedent("""
            import prefect
            import prefect.runtime
            seen = [
                hasattr(prefect, "deploy"),
                getattr(prefect.runtime, "runtime", "default"),
            ]
            try:
                prefect.deploy
            except AttributeError as exc:
                seen.append(str(exc))
        """)
    )
    namespace: dict[str, object] = {}
    with prefect_imports():
        exec(compile(path.read_text(), str(path), "exec"), namespace)
        with pytest.raises(NotAvailable, match=r"^prefect\.deploy is not available in flowtop$"):
            exec("from prefect import deploy", {})
    assert namespace["seen"] == [False, "default", "prefect.deploy is not available in flowtop"]


def test_a_loader_child_that_fails_says_why(native: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the import, an error of flowtop's own ended the child with exit code 70 and
    no reason; now its one line names it and where it was raised."""

    def broken(self: FlowFunction) -> object:
        raise RuntimeError("no tasks for you")

    monkeypatch.setattr(FlowFunction, "task_nodes", broken)
    request = {
        "path": str(native / "pair.py"),
        "root": str(native),
        "compat": False,
        "timeout": 30,
        "cwd": os.getcwd(),
    }
    reply = run_child(request)  # forks here: the child has the patched method
    _, _, message = reply["error"]
    assert message.startswith("RuntimeError: no tasks for you (raised in ")
    assert "test_migration_s41.py:" in message
    assert "exit code" not in message


def test_one_flow_whose_shape_fails_leaves_the_others_in_the_monitor(
    native: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One flow that failed there made the whole answer fail: "the flow host failed", and
    the monitor showed no flow at all."""
    listed = FlowFunction.task_nodes

    def broken(self: FlowFunction) -> object:
        if self.name == "first":
            raise RuntimeError("cannot list")
        return listed(self)

    monkeypatch.setattr(FlowFunction, "task_nodes", broken)
    with Workspace(native, isolate_imports=False) as workspace:
        state = FlowHost(workspace).state(workspace.load())
    assert list(state["shapes"]["flows"]) == ["second"]
    assert list(state["flow_files"]) == ["second"]
    (error,) = state["errors"]
    assert "pair.py" in str(error) and "flow 'first': RuntimeError: cannot list" in str(error)


def test_a_flow_whose_shape_fails_stays_said_after_another_flow_changes(
    native: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the flows of the change were looked at: on the next change (a save of another
    flow) the broken one was listed again as fine, its error gone from the monitor."""
    from flowtop.workspace.changes import WorkspaceChanged

    listed = FlowFunction.task_nodes

    def broken(self: FlowFunction) -> object:
        if self.name == "first":
            raise RuntimeError("cannot list")
        return listed(self)

    monkeypatch.setattr(FlowFunction, "task_nodes", broken)
    with Workspace(native, isolate_imports=False) as workspace:
        host = FlowHost(workspace)
        host.state(workspace.load())
        state = host.state(WorkspaceChanged(flows=("second",)))
    assert list(state["flow_files"]) == ["second"]
    (error,) = state["errors"]
    assert "flow 'first': RuntimeError: cannot list" in str(error)


def test_a_module_whose_getattr_raises_is_passed_over_when_listing_tasks(tmp_path: Path) -> None:
    """A lazy module (its ``__getattr__`` imports on demand, and raises ImportError for
    what it lacks) used by a body: listing the body's tasks read every name off it."""
    (tmp_path / "lazy.py").write_text(
        "def __getattr__(name):\n    raise ImportError(f'lazy has no {name}')\n"
    )
    (tmp_path / "pipeline.py").write_text(
        textwrap.dedent("""
            import lazy
            from flowtop import flow, task

            @task
            def load():
                return 1

            @flow
            def nightly():
                return load() if not hasattr(lazy, "__path__") else lazy.run()
        """)
    )
    described = describe_workspace(str(tmp_path))
    assert described.problems == []
    assert [t["task"] for t in described.flows["nightly"]["tasks"]] == ["load"]
