"""What a change says beside it, read where the change is made (wp62):

- ``WorkspaceChanged.summary()`` read and parsed the saved files (the Prefect note, the
  ``@flow`` methods left out) at each call, on the monitor's UI thread, twice per reload:
  the change carries them now, from the process and thread that made it;
- the monitor's open parsed every flow file on its UI thread for the methods left out:
  the load says them;
- ``Workspace.unread_prefect_files`` answered as drop-in mode stood at the last load, so
  its callers checked the settings again: after ``read_settings`` alone it answers;
- ``flowtop list`` read every flow file again in its own process for both notes, which
  the loader process that imported them returns now; ``flowtop run`` said no method left
  out, which list and the monitor say.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from cli_kit import Here, flowtop
from flowtop.tui.app import FlowtopApp
from flowtop.workspace import Workspace, load_error, method_flow_source
from flowtop.workspace.changes import WorkspaceChanged
from flowtop.workspace.remote_workspace import RemoteWorkspace
from pilot_kit import toasts_said, wait_for

PIPELINE = """\
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


if __name__ == "__main__":
    report()
"""
#: The note of ``Pipeline.run``, left out: the block makes no instance of it (one line).
LEFT_OUT = (
    "pipeline.py:9: Pipeline.run is not listed: a @flow on an instance method, and flowtop "
    "has no instance to call it on: it makes one only as the __main__ block does, from "
    "literals: Pipeline(<literal arguments>).run(...), or obj = Pipeline(<literal "
    "arguments>) then obj.run(...); make it a @staticmethod or @classmethod, or call it "
    "from a module-level @flow"
)
#: A file of Prefect flows, not read with drop-in mode off, and what is said of it.
PREFECT = "from prefect import flow\n\n@flow\ndef pf():\n    pass\n"
UNREAD = (
    "pf.py not read, as it imports prefect: run flowtop with --prefect-compat, or set "
    "[workspace] prefect_compat = true in flowtop.toml"
)

Read = tuple[int, threading.Thread]


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Read]:
    """Each read of a file for the notes in this process (its pid: a process forked from
    this one reads in its own), with the thread that read it."""
    said: list[Read] = []

    def hooked(read: Callable[..., Any]) -> Callable[..., Any]:
        def reading(*args: Any, **kwargs: Any) -> Any:
            said.append((os.getpid(), threading.current_thread()))
            return read(*args, **kwargs)

        return reading

    monkeypatch.setattr(method_flow_source, "_tree", hooked(method_flow_source._tree))
    monkeypatch.setattr(load_error, "readable_sources", hooked(load_error.readable_sources))
    return said


def here(reads: list[Read], *, ui: bool = False) -> list[Read]:
    """The reads of ``reads`` in this process (``ui``: on its main thread alone)."""
    main = threading.main_thread()
    return [r for r in reads if r[0] == os.getpid() and (not ui or r[1] is main)]


def _folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pipeline.py").write_text(PIPELINE)
    (tmp_path / "pf.py").write_text(PREFECT)


def _said(change: WorkspaceChanged, reads: list[Read]) -> None:
    """``change``'s summary, twice, as the monitor asks it: the notes, no file read."""
    reads.clear()
    for _ in range(2):
        summary = change.summary()
        assert summary.startswith("Reloaded pipeline.py (1 flow); "), summary
        assert LEFT_OUT in summary and UNREAD in summary, summary
    assert here(reads) == []  # old: two reads of each saved file per call


def test_a_reload_s_summary_reads_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reads: list[Read]
) -> None:
    _folder(tmp_path, monkeypatch)
    with Workspace(tmp_path) as workspace:
        workspace.load()
        change = workspace.reload_paths([tmp_path / "pipeline.py", tmp_path / "pf.py"])
    _said(change, reads)
    # carried from the flow host as it says the change (JSON), and by a fresh host's load
    again = WorkspaceChanged.from_json(change.to_json())
    _said(again, reads)
    load = replace(change, paths=(), unread=())  # as a fresh host's whole load says it
    files = {"report": tmp_path / "pipeline.py"}
    _said(load.only([tmp_path / "pipeline.py", tmp_path / "pf.py"], files), reads)


def test_a_reload_through_the_flow_host_reads_no_file_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reads: list[Read]
) -> None:
    _folder(tmp_path, monkeypatch)
    workspace = RemoteWorkspace(tmp_path)
    try:
        workspace.load()
        change = workspace.reload_paths([tmp_path / "pipeline.py", tmp_path / "pf.py"])
    finally:
        workspace.close()
    assert here(reads) == []
    _said(change, reads)


@pytest.mark.parametrize("host", ["flow host", "embedded"])
async def test_the_monitor_s_open_parses_no_file_on_its_ui_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reads: list[Read], host: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pipeline.py").write_text(PIPELINE)
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
    assert said == [LEFT_OUT], said
    assert here(reads, ui=True) == []  # old: each flow file parsed on the UI thread


def test_unread_prefect_files_needs_no_load_first(tmp_path: Path) -> None:
    (tmp_path / "pf.py").write_text(PREFECT)
    with Workspace(tmp_path, isolate_imports=False) as workspace:
        workspace.read_settings()
        assert workspace.unread_prefect_files() == [tmp_path / "pf.py"]
    (tmp_path / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    with Workspace(tmp_path, isolate_imports=False) as workspace:
        workspace.read_settings()  # drop-in mode on: read, none unread (old: [pf.py])
        assert workspace.unread_prefect_files() == []


def test_list_reads_no_flow_file_for_its_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reads: list[Read], flowtop_here: Here
) -> None:
    _folder(tmp_path, monkeypatch)
    listed = flowtop_here("list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("report  ("), listed.stdout
    assert listed.stderr == f"flowtop list: {UNREAD}\nflowtop list: {LEFT_OUT}\n", listed.stderr
    assert here(reads) == []  # old: each flow file read here twice more


@pytest.mark.parametrize("path", ["pipeline.py", "."])
def test_run_says_the_method_left_out(tmp_path: Path, path: str) -> None:
    (tmp_path / "pipeline.py").write_text(PIPELINE)
    done = flowtop("run", path, "--no-history", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "'ok'" in done.stdout, done.stdout
    assert done.stderr == f"flowtop run: {LEFT_OUT}\n", done.stderr  # old: not a word
