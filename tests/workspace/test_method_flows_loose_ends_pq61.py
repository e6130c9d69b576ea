"""``@flow`` on an instance method, what was left after ``method_flows``:

- the ``__main__`` block's ``p = Pipeline("sales")`` then ``p.run(3)`` was not followed
  (only ``Pipeline("sales").run(3)``): it is now, when ``p`` is bound once so, and the
  file's message for what is not followed names both forms, or the call making the
  instance whose arguments are not literals;
- a file with other flows left such a method out without a word: ``flowtop list``, the
  monitor's open and its reload toast say which, where (file:line) and why.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cli_kit import flowtop
from flowtop.tui.app import FlowtopApp
from flowtop.workspace import Workspace
from flowtop.workspace.entry_flows import main_block_calls_of
from flowtop.workspace.remote_workspace import RemoteWorkspace
from pilot_kit import toasts_said, wait_for

PIPELINE = """\
import sys
from prefect import flow, task

@task
def load(rows):
    return len(rows)

class Pipeline:
    def __init__(self, source: str):
        self.source = source

    @flow
    def run(self, n: int = 2):
        return f"{{self.source}}:{{load(list(range(n)))}}"

{more}
if __name__ == "__main__":
{block}
"""

REPORT = """\
@flow
def report():
    return "ok"
"""

#: The note of ``Pipeline.run`` at line 13, when the block makes no instance of it.
NOT_LISTED = (
    "pipeline.py:13: Pipeline.run is not listed: a @flow on an instance method, and flowtop "
    "has no instance to call it on: it makes one only as the __main__ block does, from "
    "literals: Pipeline(<literal arguments>).run(...), or obj = Pipeline(<literal "
    "arguments>) then obj.run(...); make it a @staticmethod or @classmethod, or call it "
    "from a module-level @flow"
)


def _write(folder: Path, block: str, more: str = "") -> Path:
    (folder / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    path = folder / "pipeline.py"
    text = PIPELINE.format(more=more, block=textwrap.indent(textwrap.dedent(block), "    "))
    path.write_text(text)
    return path


def test_an_instance_bound_to_a_name_then_called_is_followed(tmp_path: Path) -> None:
    path = _write(tmp_path, 'pipe = Pipeline("sales")\nprint("made")\npipe.run(3)\n')
    with Workspace(path, isolate_imports=False) as workspace:
        workspace.load()
        assert not workspace.errors, workspace.errors
        assert main_block_calls_of(workspace)["run"].parameters == {"n": 3}
    done = flowtop("run", "pipeline.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "COMPLETED" in done.stdout and "'sales:3'" in done.stdout, done.stdout


@pytest.mark.parametrize(
    "block",
    [
        'pipe = Pipeline("sales")\npipe = Pipeline("other")\npipe.run(3)\n',
        'pipe.run(3)\npipe = Pipeline("sales")\n',
        'for pipe in [Pipeline("a")]:\n    pipe.run(3)\n',
        'pipe = Pipeline("sales")\ndef again():\n    global pipe\n    pipe = 1\npipe.run(3)\n',
    ],
    ids=["bound-twice", "called-before", "a-loop", "global"],
)
def test_a_name_not_bound_once_before_the_call_is_not_followed(tmp_path: Path, block: str) -> None:
    _write(tmp_path, block)
    done = flowtop("run", "pipeline.py", cwd=tmp_path)
    assert done.returncode == 2
    assert (
        "pipeline.py:13: defines no flows flowtop can run: Pipeline.run is a @flow on an "
        "instance method, and flowtop has no instance to call it on: it makes one only as "
        "the __main__ block does, from literals: Pipeline(<literal arguments>).run(...), "
        "or obj = Pipeline(<literal arguments>) then obj.run(...)" in done.stderr
    ), done.stderr


def test_an_instance_made_of_expressions_is_named_with_its_line(tmp_path: Path) -> None:
    _write(tmp_path, "pipe = Pipeline(sys.argv[1])\npipe.run(3)\n", REPORT)
    listed = flowtop("list", "pipeline.py", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stderr == (
        "flowtop list: pipeline.py:13: Pipeline.run is not listed: a @flow on an instance "
        "method, and flowtop has no instance to call it on: the __main__ block makes it at "
        "line 21 as Pipeline(sys.argv[1]), with arguments flowtop cannot read without "
        "running the file (literals only); make it a @staticmethod or @classmethod, or call "
        "it from a module-level @flow\n"
    ), listed.stderr


def test_list_says_the_method_left_out_beside_the_file_s_other_flows(tmp_path: Path) -> None:
    _write(tmp_path, "report()\n", REPORT)
    for path in ("pipeline.py", "."):
        listed = flowtop("list", path, cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.startswith("report  ("), listed.stdout
        assert "\nrun  (" not in listed.stdout, listed.stdout
        # old: not a word
        assert listed.stderr == f"flowtop list: {NOT_LISTED}\n", listed.stderr


def test_nothing_is_said_of_a_method_the_block_makes(tmp_path: Path) -> None:
    _write(tmp_path, 'report()\nPipeline("a").run()\n', REPORT)
    listed = flowtop("list", "pipeline.py", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "\nrun  (" in listed.stdout, listed.stdout
    assert listed.stderr == "", listed.stderr


def test_the_reload_toast_says_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "report()\n", REPORT)
    workspace = Workspace(tmp_path)
    try:
        workspace.load()
        said = workspace.reload_paths([tmp_path / "pipeline.py"]).summary()
    finally:
        workspace.close()
    assert said == f"Reloaded pipeline.py (1 flow); {NOT_LISTED}", said


@pytest.mark.parametrize("host", ["flow host", "embedded"])
async def test_the_monitor_s_open_says_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, host: str
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "report()\n", REPORT)
    workspace = RemoteWorkspace(tmp_path) if host == "flow host" else Workspace(tmp_path)
    try:
        remote = isinstance(workspace, RemoteWorkspace)
        app = FlowtopApp(workspace, load=True, run_processes=remote, watch=False)
        with toasts_said(app) as said:
            async with app.run_test(size=(120, 36), notifications=True) as pilot:
                await wait_for(
                    pilot,
                    lambda: not app.first_loading and "report" in app.workspace.shapes,
                    "the first load, report listed",
                    20,
                )
                await pilot.pause()
                app.exit()
    finally:
        workspace.close()
    assert said == [NOT_LISTED], said
