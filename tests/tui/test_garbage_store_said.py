"""A store that is not one is said in the TUI as ``flowtop history`` says it.

The toast read "Cannot run flows: file is not a database": no path, no advice, where the
CLI names the file and says to move it away (``store_errors.store_advice``).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowtop.tui.app import FlowtopApp
from flowtop.workspace import Workspace
from pilot_kit import wait_for, wait_for_text

FLOW = """
    from flowtop import Flow, task

    @task
    def one():
        return 1

    with Flow("one") as flow:
        one()
"""


@pytest.fixture
def garbage_store(tmp_path: Path) -> Iterator[tuple[Workspace, Path]]:
    """A workspace of one flow whose run store is no database, and that store's path."""
    (tmp_path / "one.py").write_text(textwrap.dedent(FLOW).lstrip())
    db = tmp_path / ".flowtop" / "history.db"
    db.parent.mkdir(mode=0o700)
    db.write_bytes(b"not a database, not even close " * 4000)
    workspace = Workspace(tmp_path)
    workspace.load()
    yield workspace, db
    workspace.close()


async def test_a_garbage_store_is_said_with_its_path_and_what_to_do(
    garbage_store: tuple[Workspace, Path],
) -> None:
    workspace, db = garbage_store
    app = FlowtopApp(workspace, watch=False, run_processes=True)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.control_error is not None, "the store's error", 10)
        said = app.control_error or ""
        assert said.startswith(f"Cannot run flows: {db}: cannot read the run store (")
        assert "move it away and flowtop starts a new one" in said
        app.shutdown(cancel=True)


async def test_e_edits_retry_settings_though_the_store_cannot_be_opened(
    garbage_store: tuple[Workspace, Path],
) -> None:
    """``e`` writes ``.flowtop/overrides.toml``, never the run store: a store that could
    not be opened blocked it, saying "Cannot run flows: …"."""
    from flowtop.tui.screens.retry_editor import RetryEditor

    app = FlowtopApp(garbage_store[0], watch=False, run_processes=True)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.control_error is not None, "the store's error", 10)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, RetryEditor), "the editor", 5)
        app.shutdown(cancel=True)


async def test_the_header_says_no_run_can_start_where_it_offered_r(
    garbage_store: tuple[Workspace, Path],
) -> None:
    """The header read `not run yet — press r to run` once the toast had gone."""
    app = FlowtopApp(garbage_store[0], watch=False, run_processes=True)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.control_error is not None, "the store's error", 10)
        header = await wait_for_text(pilot, app, "one  cannot run flows — r says why")
        assert "press r to run" not in header
        await pilot.resize_terminal(500, 36)  # wide enough for the reason itself
        await wait_for_text(pilot, app, f"one  Cannot run flows: {garbage_store[1]}")
        app.shutdown(cancel=True)
