"""The retry editor over an ``overrides.toml`` that parses but fails the settings check.

Such a file is not used (its last good version applies), and the editor's fields show
that last good version. It said nothing of it: its Save wrote the typed value beside the
value at fault, toasted "Saved", and nothing changed. Opened while the file was saved so
from outside, its "Changed on disk" line said the fields showed the saved values: they
showed the last good ones. Now it says at once that the file is not in use, with its
error (file, line, table, key, why), and a Save is refused as over a file that does not
parse, writing nothing.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from flowtop.workspace import Workspace

from .conftest import LoadWorkspace
from .editor_kit import editor_app, editor_field, shown

FLOW = """\
from flowtop import Flow, task


@task(max_retries=4)
def extract():
    return 1


with Flow("etl") as flow:
    extract()
"""

GOOD = "[flows.etl.tasks.extract]\nmax_retries = 6\n"
BROKEN = '[flows.etl.tasks.extract]\nmax_retries = 6\nretry_delay = "5s"\n'
#: The workspace's words for ``BROKEN``, after its path.
WHY = (
    'overrides.toml:3: [flows."etl".tasks."extract"]: retry_delay must be seconds, a list '
    "of seconds, or a table { base = 1, factor = 2, max_delay = 30 }, got str '5s'; "
    "write retry_delay = 5 (seconds), without quotes"
)


@pytest.fixture
def workspace(tmp_path: Path, load_workspace: LoadWorkspace) -> Workspace:
    (tmp_path / ".flowtop").mkdir(mode=0o700)
    (tmp_path / ".flowtop" / "overrides.toml").write_text(GOOD, encoding="utf-8")
    return load_workspace({"etl.py": FLOW})


def break_the_file(workspace: Workspace) -> None:
    """What a text editor's save of ``BROKEN`` does, and the watcher's reload after it."""
    workspace.overrides_path.write_text(BROKEN, encoding="utf-8")
    workspace.reload_paths([workspace.overrides_path])


def read_from_disk(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """The task's table as the TUI's client of its flow host reads it, from the file
    (``RemoteWorkspace.override_for``): this workspace gives its last good version."""

    def on_disk(flow: str, task: str) -> dict[str, Any]:
        data = tomllib.loads(workspace.overrides_path.read_text(encoding="utf-8"))
        return dict(data["flows"][flow]["tasks"].get(task, {}))

    monkeypatch.setattr(workspace, "override_for", on_disk)


def assert_not_in_use_said(app: Any) -> None:
    said = shown(app, "not-in-use")
    assert said.startswith("Not in use: ") and WHY in said, said
    assert said.endswith(
        "The fields show its last good settings, and Save is refused until the file is "
        "fixed or deleted; Clear override removes this task's table, the one at fault."
    )


async def test_opened_on_it_the_editor_says_so_and_refuses_save(workspace: Workspace) -> None:
    break_the_file(workspace)
    app = editor_app(workspace, "etl", "extract")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert_not_in_use_said(app)  # old: no word of it
        assert editor_field(app, "max_retries").value == "6"  # the last good value
        editor_field(app, "max_retries").value = "7"
        await pilot.press("ctrl+s")
        await pilot.pause()
        refused = shown(app, "form-error")
        assert refused.startswith("Not saved: ") and refused.endswith(
            'overrides.toml cannot be updated: line 3: [flows."etl".tasks."extract"]: '
            "retry_delay must be seconds, a list of seconds, or a table { base = 1, "
            "factor = 2, max_delay = 30 }, got str '5s'; write retry_delay = 5 (seconds), "
            "without quotes; fix or delete it first"
        ), refused
        assert app.results == []  # still open: old, "Saved" and closed
    assert workspace.overrides_path.read_text(encoding="utf-8") == BROKEN


async def test_saved_so_while_open_the_editor_says_so_not_saved_values(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_from_disk(workspace, monkeypatch)
    app = editor_app(workspace, "etl", "extract")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert shown(app, "not-in-use") == ""
        break_the_file(workspace)
        app.screen.settings_reloaded()  # (what the app does after the watcher's reload)
        await pilot.pause()
        assert_not_in_use_said(app)
        assert shown(app, "reloaded") == ""  # old: "… the fields show the saved values."
        assert editor_field(app, "max_retries").value == "6"
        workspace.overrides_path.write_text(GOOD, encoding="utf-8")  # fixed from outside
        workspace.reload_paths([workspace.overrides_path])
        app.screen.settings_reloaded()
        await pilot.pause()
        assert shown(app, "not-in-use") == ""


async def test_under_30_rows_it_says_where_in_a_line_or_two(workspace: Workspace) -> None:
    """Said whole, it took 15 rows at 40×12 and left the fields none."""
    break_the_file(workspace)
    app = editor_app(workspace, "etl", "extract")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        said = shown(app, "not-in-use")
        assert said.startswith("Not in use (") and said.endswith(
            "overrides.toml:3 has an error): Save is refused until it is fixed or deleted."
        ), said
        assert editor_field(app, "max_retries").region.height == 1  # in view
