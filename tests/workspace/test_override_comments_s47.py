"""The workspace that rewrites ``.flowtop/overrides.toml`` says the comments it dropped (issue 17).

A save rewrites the file with tomli-w, which keeps no comments; the retry editor's toast
says so. The editor found out by reading the file itself, in the TUI's process, just
before asking the workspace to save: behind the workspace's back, and with the flows in
a flow host, maybe of another moment's file. Now ``set_override`` and ``clear_override``
answer ``OverridesSaved``: the workspace (in process or the host's) reads the file under
its lock, as it rewrites it, and the editor only shows what it was told.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input, Static

from flowtop.tui.screens.retry_editor import COMMENTS_LOST, RetryEditor
from flowtop.workspace import RemoteWorkspace, Workspace
from flowtop.workspace.overrides import HEADER, OverridesSaved

ETL = """
from flowtop import Flow, task


@task(max_retries=2)
def extract():
    return 1


with Flow("etl") as flow:
    extract()
"""

COMMENTED = '# why: the API rate-limits us\n[flows."etl".tasks."extract"]\nmax_retries = 4\n'
PLAIN = HEADER + '[flows."etl".tasks."extract"]\nmax_retries = 4\n'


def test_the_workspace_says_when_a_save_dropped_comments(
    write: Callable[[str, str], Path], workspace: Callable[..., Workspace], tmp_path: Path
) -> None:
    write("etl.py", ETL)
    ws = workspace()
    assert ws.set_override("etl", "extract", max_retries=3) == OverridesSaved(False)  # no file
    assert ws.set_override("etl", "extract", max_retries=5) == OverridesSaved(False)  # flowtop's
    ws.overrides_path.write_text(COMMENTED, encoding="utf-8")
    assert ws.set_override("etl", "extract", max_retries=6) == OverridesSaved(True)
    assert "#" not in ws.overrides_path.read_text(encoding="utf-8").removeprefix(HEADER)
    assert ws.set_override("etl", "extract", max_retries=7) == OverridesSaved(False)  # gone now
    ws.overrides_path.write_text(COMMENTED, encoding="utf-8")
    assert ws.clear_override("etl", "extract") == OverridesSaved(True)
    assert ws.clear_override("etl", "extract") == OverridesSaved(False)  # nothing to clear


def test_the_flow_host_says_it_to_the_tui(
    write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    write("etl.py", ETL)
    with RemoteWorkspace(tmp_path) as ws:
        ws.load()
        overrides = tmp_path / ".flowtop" / "overrides.toml"
        overrides.parent.mkdir(exist_ok=True)
        overrides.write_text(COMMENTED, encoding="utf-8")
        assert ws.set_override("etl", "extract", max_retries=6) == OverridesSaved(True)
        assert ws.set_override("etl", "extract", max_retries=7) == OverridesSaved(False)
        overrides.write_text(COMMENTED, encoding="utf-8")
        assert ws.clear_override("etl", "extract") == OverridesSaved(True)


class EditorHost(App[None]):
    """Opens the retry editor on ``etl``'s ``extract`` and keeps its toasts."""

    def __init__(self, workspace: Any) -> None:
        super().__init__()
        self.workspace = workspace
        self.said: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("host")

    def on_mount(self) -> None:
        self.push_screen(RetryEditor(self.workspace, "etl", "extract"))

    def notify(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.said.append(message)


async def save_in_editor(workspace: Any) -> list[str]:
    """What the editor's toast says after typing a max_retries of 9 and saving."""
    app = EditorHost(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.screen.query_one("#field-max_retries", Input).value = "9"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert len(app.said) == 1 and app.said[0].startswith("Saved etl / extract"), app.said
    return app.said


@pytest.mark.parametrize(
    ("text", "warned"), [(COMMENTED, True), (PLAIN, False)], ids=["commented", "plain"]
)
async def test_the_editor_s_save_warns_of_a_user_s_comments(
    write: Callable[[str, str], Path],
    workspace: Callable[..., Workspace],
    text: str,
    warned: bool,
) -> None:
    write("etl.py", ETL)
    write(".flowtop/overrides.toml", text)
    ws = workspace()
    (said,) = await save_in_editor(ws)
    assert said.endswith(f"; {COMMENTS_LOST}") is warned, said
    assert ws.override_for("etl", "extract") == {"max_retries": 9}


class Told(Workspace):
    """A workspace whose saves write nothing and say what the test tells them."""

    told = OverridesSaved(False)

    def set_override(self, flow: str, task: str, **values: Any) -> OverridesSaved:
        return self.told


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The overrides files anything in this process opens (``io.open``, which
    ``Path.read_text`` and ``open`` use, and ``os.open``) while the test runs."""
    seen: list[str] = []
    io_open, os_open = io.open, os.open

    def spy_io(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, str | Path):  # not a descriptor
            seen.append(os.fspath(file))
        return io_open(file, *args, **kwargs)

    def spy_os(path: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(os.fspath(path))
        return os_open(path, *args, **kwargs)

    monkeypatch.setattr(io, "open", spy_io)
    monkeypatch.setattr("builtins.open", spy_io)
    monkeypatch.setattr(os, "open", spy_os)
    return seen


@pytest.mark.parametrize(
    ("text", "told"),
    [(COMMENTED, False), (PLAIN, True)],
    ids=["commented file, told none", "plain file, told some"],
)
async def test_the_editor_says_what_the_workspace_told_and_opens_no_file(
    write: Callable[[str, str], Path],
    tmp_path: Path,
    opened: list[str],
    text: str,
    told: bool,
) -> None:
    """The file on disk says one thing, the workspace the other: the editor follows the
    workspace, and opens no overrides file of its own."""
    write("etl.py", ETL)
    write(".flowtop/overrides.toml", text)
    ws = Told(tmp_path)
    try:
        ws.load()
        ws.told = OverridesSaved(told)
        opened.clear()
        (said,) = await save_in_editor(ws)
    finally:
        ws.close()
    assert [path for path in opened if Path(path).name == "overrides.toml"] == []
    assert said.endswith(f"; {COMMENTS_LOST}") is told, said
