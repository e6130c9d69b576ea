"""The facade the TUI and CLI use: opening, summaries, policies for `flowtop list`, runners."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowtop.workspace import LoadError, Workspace, WorkspaceChanged

FLAKY = """
from flowtop import Flow, task

calls = []

@task
def flaky():
    calls.append(1)
    raise ConnectionError("down")

@task
def after(x):
    return x

with Flow("flaky") as flow:
    after(flaky())
"""


def test_opening_a_missing_path_or_a_non_python_file_fails_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        Workspace(tmp_path / "nope")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match=r"not a folder or a \.py file"):
        Workspace(tmp_path / "notes.txt")


def test_paths_of_a_folder_workspace(tmp_path):
    ws = Workspace(tmp_path)
    assert ws.root == tmp_path.resolve()
    assert ws.state_dir == ws.root / ".flowtop"
    assert ws.overrides_path == ws.root / ".flowtop" / "overrides.toml"
    assert ws.flows == {} and ws.errors == {} and ws.settings_error is None


def test_load_error_str_has_file_line_and_message(tmp_path):
    assert (
        str(LoadError(Path("etl.py"), 12, None, "SyntaxError: invalid syntax"))
        == "etl.py:12: SyntaxError: invalid syntax"
    )
    assert str(LoadError(Path("etl.py"), 3, 7, "x")) == "etl.py:3:7: x"
    assert str(LoadError(Path("etl.py"), None, None, "x")) == "etl.py: x"


def test_summary_forms():
    assert (
        WorkspaceChanged(modules=("etl.py",), flows=("a", "b")).summary()
        == "Reloaded etl.py (2 flows)"
    )
    error = LoadError(Path("etl.py"), 2, None, "SyntaxError: bad")
    assert WorkspaceChanged(errors=(error,)).summary() == "etl.py:2: SyntaxError: bad"
    assert WorkspaceChanged(settings_changed=True).summary() == "Reloaded settings"
    nothing = WorkspaceChanged(paths=(Path("notes.py"),))
    assert not nothing and nothing.summary() == "No flow changed (notes.py)"


def test_load_reports_flows_and_errors_together(write, workspace):
    write("flaky.py", FLAKY)
    write("bad.py", "from flowtop import Flow\n(\n")
    ws = workspace(load=False)
    change = ws.load()
    assert change.flows == ("flaky",)
    assert [e.path.name for e in change.errors] == ["bad.py"]
    assert change.summary().startswith("bad.py:2:")
    again = ws.load()
    assert again.errors == ()  # an unchanged error is not news


def test_files_load_in_the_order_a_person_numbers_them(write, workspace):
    """The flows list follows the files: step2.py before step10.py, as ``ls -v`` lists them."""
    for n in (10, 2, 1):
        write(f"step{n}.py", f'from flowtop import Flow, task\nflow = Flow("s{n}")\n')
    write("a.py", 'from flowtop import Flow, task\nflow = Flow("a")\n')
    ws = workspace()
    assert list(ws.shapes) == ["a", "s1", "s2", "s10"]
    # a file added while the monitor is open takes its place, not the end of the list
    added = write("step3.py", 'from flowtop import Flow, task\nflow = Flow("s3")\n')
    ws.reload_paths([added])
    assert list(ws.shapes) == ["a", "s1", "s2", "s3", "s10"]
    # the TUI's flows list, in its own process, follows the files by flow
    assert list(ws.flow_files) == ["a", "s1", "s2", "s3", "s10"]


def test_make_runner_applies_settings_and_numbers_runs_from_history(write, workspace):
    write("flaky.py", FLAKY)
    write(
        "flowtop.toml", '[defaults]\nworkers = 2\n[flows."flaky".tasks."flaky"]\nmax_retries = 2\n'
    )
    ws = workspace()
    events = []
    runner = ws.make_runner(sinks=[events.extend])
    try:
        assert runner.workers == 2
        first = runner.run(ws.flows["flaky"])
        second = runner.run(ws.flows["flaky"])
    finally:
        runner.shutdown()
    assert first["flaky"].attempt == 3 and first.is_failed()
    assert (first.number, second.number) == (1, 2)
    assert [r.number for r in ws.history.runs(flow="flaky")] == [2, 1]
    assert events


def test_close_takes_the_folder_off_sys_path(write, tmp_path):
    import sys

    write("flaky.py", FLAKY)
    ws = Workspace(tmp_path)
    ws.load()
    assert str(ws.root) in sys.path
    ws.close()
    assert str(ws.root) not in sys.path


def test_a_settings_file_that_is_a_named_pipe_is_reported_not_read(tmp_path) -> None:
    import os

    from flowtop.workspace import Workspace

    os.mkfifo(tmp_path / "flowtop.toml")  # opening it for reading would block forever
    ws = Workspace(tmp_path)
    ws.load()
    assert ws.settings_error is not None
    assert "flowtop.toml is not a regular file" in str(ws.settings_error)


def test_task_tables_apply_to_flow_functions(tmp_path) -> None:
    """A @flow's tasks are only known by running it; its keys still name its @tasks."""
    from flowtop.workspace import Workspace

    (tmp_path / "fn.py").write_text(
        "from flowtop import flow, task\n\n"
        "@task\ndef fetch(x):\n    return x\n\n"
        "@flow(name='fn')\ndef fn():\n    return [fetch(i) for i in range(3)]\n"
    )
    (tmp_path / "flowtop.toml").write_text(
        '[flows."fn".tasks."fetch-2"]\nmax_retries = 5\n\n[flows."fn".tasks."nope"]\nmax_retries = 1\n'
        '\n[flows."fn".tasks."fetchh"]\nmax_retries = 1\n'
    )
    ws = Workspace(tmp_path)
    ws.load()
    flow = ws.flows["fn"]
    policy = ws.policy_for(flow, flow.node("fetch-2"))
    assert policy.max_retries == 5 and policy.source("max_retries") == "flowtop.toml"
    assert flow.node("fetch").task.name == "fetch" and flow.node("nope") is None
    assert [str(e) for e in ws.settings_errors] == [
        "flowtop.toml:4: [flows.\"fn\".tasks.\"nope\"]: @flow 'fn' calls no task named 'nope'",
        'flowtop.toml:7: [flows."fn".tasks."fetchh"]: @flow \'fn\' calls no task named '
        "'fetchh' (did you mean 'fetch'?)",
    ]
    ws.close()
