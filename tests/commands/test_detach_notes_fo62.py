"""``flowtop run --detach`` says the loader process's notes, reading no flow file (fo62).

The loader process that imported the flow files names the Prefect files it did not read
(``describe_workspace(...).unread_prefect``), as ``flowtop list`` says them; the parent
read every flow file again for that note. It says the @flow methods left out too, as
``flowtop run`` and ``list`` do (it said not a word of them).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cli_kit import Here
from flowtop.commands import common, run_detach
from flowtop.workspace import Workspace, load_error, method_flow_source

FLOW = "from flowtop import Flow, task\n\n@task\ndef a():\n    pass\n\nflow = Flow('etl')\nflow.add_task(a)\n"
PREFECT = "from prefect import flow\n\n@flow\ndef pf():\n    pass\n"
METHOD = """\
from flowtop import flow


class Pipeline:
    def __init__(self, source):
        self.source = source

    @flow
    def run(self):
        return self.source


@flow
def report():
    return "ok"
"""
UNREAD = (
    "flowtop run: pf.py not read, as it imports prefect: run flowtop with --prefect-compat,"
    " or set [workspace] prefect_compat = true in flowtop.toml"
)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pid of each read of a file for the notes (a forked loader reads in its own)."""
    said: list[int] = []

    def hooked(read: Callable[..., Any]) -> Callable[..., Any]:
        def reading(*args: Any, **kwargs: Any) -> Any:
            said.append(os.getpid())
            return read(*args, **kwargs)

        return reading

    monkeypatch.setattr(method_flow_source, "_tree", hooked(method_flow_source._tree))
    monkeypatch.setattr(load_error, "readable_sources", hooked(load_error.readable_sources))
    return said


def test_detach_reads_no_flow_file_for_its_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reads: list[int], flowtop_here: Here
) -> None:
    (tmp_path / "etl.py").write_text(FLOW)
    (tmp_path / "pf.py").write_text(PREFECT)
    (tmp_path / "pipeline.py").write_text(METHOD)
    launched: list[list[str]] = []

    def detach(workspace: Workspace, names: list[str], *args: Any, **kwargs: Any) -> int:
        launched.append(names)  # no run process: what is said before the launch
        return 0

    monkeypatch.setattr(run_detach, "detach", detach)
    done = flowtop_here("run", ".", "--detach", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [sorted(names) for names in launched] == [["etl", "report"]]
    lines = done.stderr.splitlines()
    assert lines.count(UNREAD) == 1, done.stderr
    left_out = [line for line in lines if "Pipeline.run is not listed" in line]
    assert len(left_out) == 1 and left_out[0].startswith("flowtop run: pipeline.py:9: "), lines
    assert os.getpid() not in reads  # old: each flow file read here for the Prefect note


def test_unread_prefect_asks_the_workspace_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whether drop-in mode reads them is ``Workspace.unread_prefect_files``'s to say (it
    checks the settings, and a forced drop-in mode): asked, not second-guessed."""
    (tmp_path / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    asked: list[Path] = []

    def unread(self: Workspace) -> list[Path]:
        asked.append(self.root)
        return []

    monkeypatch.setattr(Workspace, "unread_prefect_files", unread)
    with Workspace(tmp_path, isolate_imports=False) as workspace:
        workspace.read_settings()
        assert common.unread_prefect(str(tmp_path), workspace) == []
    assert asked == [workspace.root]  # old: the settings checked first, the rule not asked
