"""``@flow`` on a method, a classmethod and a staticmethod, as Prefect's docs write them
(write-and-run: "instance methods, class methods, static methods"): the file "defined no
flows" ("no @flow function") and its ``__main__`` block's calls were not honoured. They
are listed as their class's (``method_flows``) and run as the block calls them; an
instance method's flow needs the instance, which is made as the block makes it from
literals, and a file whose block makes none says which method needs what, and where."""

from __future__ import annotations

import textwrap
from pathlib import Path

from cli_kit import flowtop
from flowtop.workspace import Workspace
from flowtop.workspace.entry_flows import main_block_calls_of, main_block_flows

DOCS = """\
from prefect import flow


class MyClass:

    @flow
    def my_instance_method(self):
        return "Hello, from an instance method!"

    @flow
    @classmethod
    def my_class_method(cls):
        return "Hello, from a class method!"

    @flow
    @staticmethod
    def my_static_method():
        return "Hello, from a static method!"


if __name__ == '__main__':
    MyClass().my_instance_method()
    MyClass.my_class_method()
    MyClass.my_static_method()
"""

PIPELINE = """\
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

if __name__ == "__main__":
    {call}
"""


def _write(folder: Path, name: str, text: str) -> Path:
    (folder / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def test_the_docs_method_flows_are_listed_and_called_in_the_block_s_order(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, "methods.py", DOCS)
    with Workspace(path, isolate_imports=False) as workspace:
        workspace.load()
        assert not workspace.errors, workspace.errors
        order = ["my-instance-method", "my-class-method", "my-static-method"]
        assert main_block_flows(workspace) == order
        said = [workspace.flows[name].fn() for name in order]  # type: ignore[attr-defined]
    assert said == [
        "Hello, from an instance method!",
        "Hello, from a class method!",
        "Hello, from a static method!",
    ]


def test_an_instance_method_flow_runs_on_the_instance_the_block_makes(tmp_path: Path) -> None:
    _write(tmp_path, "pipeline.py", PIPELINE.format(call='Pipeline("sales").run(3)'))
    with Workspace(tmp_path / "pipeline.py", isolate_imports=False) as workspace:
        workspace.load()
        assert not workspace.errors, workspace.errors
        assert main_block_calls_of(workspace)["run"].parameters == {"n": 3}
    done = flowtop("run", "pipeline.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "COMPLETED" in done.stdout and "'sales:3'" in done.stdout, done.stdout


def test_no_instance_to_make_says_which_method_and_where(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "pipeline.py",
        "import sys\n" + PIPELINE.format(call="Pipeline(sys.argv[1]).run(3)"),
    )
    done = flowtop("run", "pipeline.py", cwd=tmp_path)
    assert done.returncode == 2
    assert (
        "pipeline.py:13: defines no flows flowtop can run: Pipeline.run is a @flow on an "
        "instance method" in done.stderr
    ), done.stderr
    assert "no @flow function" not in done.stderr
