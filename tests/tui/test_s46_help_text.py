"""Small wording defects of the monitor: the history screens' `?`, the retry editor's
cut hint, and where `y` and `o` say the error is.

- `?` on the runs list and on a run's page gave `j Down`, `k Up`, `g / home First` and
  `esc Back` no description, and left out the arrows, PgUp/PgDn and `→`/`←` (the
  heading says `→ more columns`); it wrote `g / home` where the main help writes
  `home / g`, and its hint `ctrl+p` under rows that write `^z`.
- At 80×24 the retry editor's deadline hint was cut with no `…`.
- `y`'s toast gave the whole path, which broke mid-name on a narrow toast.
- `o` with an `$EDITOR` that cannot run did not say the failing line.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region
from textual.widgets import Input

from flowtop.engine import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens import RetryEditor
from flowtop.tui.screens.form_dialog import fit_placeholder
from flowtop.tui.screens.help import HelpScreen
from flowtop.tui.screens.history import HistoryScreen
from flowtop.tui.screens.run_detail import RunDetailScreen
from flowtop.workspace import Workspace
from pilot_kit import wait_for

from .conftest import LoadWorkspace
from .snapshot_apps import ETL_FILES, HostApp, make_history


@pytest.fixture
async def app(bundled_workspace: Workspace) -> FlowtopApp:
    return FlowtopApp(bundled_workspace, watch=False)


async def help_rows(pilot: Any, app: FlowtopApp) -> dict[str, tuple[str, str]]:
    """`?` on the screen shown now: keys → (name, description); the help closed again."""
    await pilot.press("question_mark")
    await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
    assert isinstance(app.screen, HelpScreen)
    rows = {keys: (name, tip) for keys, name, tip in app.screen.rows}
    await pilot.press("escape")
    await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), "the help to close")
    return rows


MOVES = {
    "↑ / k": "Up",
    "↓ / j": "Down",
    "pgup": "Page up",
    "pgdn": "Page down",
    "home / g": "First",
    "end / G": "Last",
    "→": "Right",
    "←": "Left",
}


async def test_history_help_lists_every_key_with_a_description(
    app: FlowtopApp, tmp_path: Path
) -> None:
    history = make_history(tmp_path)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.push_screen(HistoryScreen(history, "etl"))
            await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), "history")
            await pilot.pause()
            runs = await help_rows(pilot, app)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen), "a run")
            await pilot.pause()
            page = await help_rows(pilot, app)
    finally:
        history.close()
    for rows in (runs, page):
        assert all(tip for _, tip in rows.values()), rows  # old: `j  Down` and nothing
        for keys, name in MOVES.items():  # old: no arrows, PgUp/PgDn, → or ←
            assert rows[keys][0] == name, (keys, rows)
        assert "esc" in rows
        assert "g / home" not in rows  # the main help's order, named key first
    assert runs["⏎"][0] == "Open run"
    assert "a" in runs


async def test_the_help_hint_writes_keys_as_the_rows_do(app: FlowtopApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        await pilot.pause()
        hint = str(app.screen.query_one("#hint").render())
        rows = {keys for keys, _, _ in app.screen.rows}
    assert "^z" in rows
    assert hint == "esc, ? or q closes · ^p command palette · ^q quits"  # old: Escape, ctrl+p


class FieldAt:
    """What ``fit_placeholder`` reads and sets of an input laid out ``width`` cells wide."""

    def __init__(self, width: int) -> None:
        self.scrollable_content_region = Region(0, 0, width, 1)
        self.placeholder = ""
        self.tooltip: str | None = None


def fitted(hint: str, width: int) -> tuple[str, str | None]:
    field = FieldAt(width)
    fit_placeholder(field, hint)  # type: ignore[arg-type]  # a stand-in for an Input
    return field.placeholder, field.tooltip


def test_a_cut_hint_ends_in_an_ellipsis() -> None:
    hint = "none (stop retrying this long after the first attempt)"
    cut = "none (stop retrying this long after the first…"
    assert fitted(hint, 46) == (cut, hint) and len(cut) == 46  # whole in the tooltip
    assert fitted(hint, 80) == (hint, None)
    assert fitted(hint, 0) == (hint, None)  # not laid out yet: no width to cut to
    assert fitted("短い説明です", 5) == ("短い…", "短い説明です")  # by cells, not characters


@pytest.fixture
def real_workspace(load_workspace: LoadWorkspace) -> Workspace:
    return load_workspace(ETL_FILES)


async def test_at_80_columns_the_editor_s_hints_fit_their_inputs(real_workspace: Any) -> None:
    app = HostApp(lambda: RetryEditor(real_workspace, "etl", "fetch_orders"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.pause()
        fields = [f for f in app.screen.query(Input) if not f.value]
        cut = [f for f in fields if f.placeholder.endswith("…")]
        assert cut  # the deadline's hint, at least: it was cut with no `…`
        for field in fields:
            width = field.scrollable_content_region.width
            assert len(field.placeholder) <= width, (field.id, field.placeholder, width)
        for field in cut:
            assert field.tooltip is not None  # the whole hint, on hover


FAILING_FLOW = """\
from flowtop import Flow, task


@task(max_retries=0)
def crunch():
    raise ValueError("bad row 7")  # line 6


flow = Flow("crunchy")
flow.add_task(crunch)
"""


@pytest.fixture
async def crunchy(tmp_path: Path) -> AsyncIterator[FlowtopApp]:
    # names of its own per test (flow, file, task): the same task run by an earlier test
    # in this process kept that test's file in its frames, and `o` found no frame here
    flow = FAILING_FLOW.replace("crunch", f"c_{tmp_path.name}")
    (tmp_path / f"{tmp_path.name}.py").write_text(flow)
    workspace = Workspace(tmp_path)
    workspace.load()
    try:
        yield FlowtopApp(workspace, watch=False)
    finally:
        workspace.close()


async def failed(pilot: Any, app: FlowtopApp) -> None:
    await pilot.pause()
    await pilot.press("r")
    await wait_for(
        pilot,
        lambda: (
            (run := app.store.latest_for(app.selected_flow or "")) is not None
            and run.state is StateType.FAILED
        ),
        "the flow to fail",
    )
    await pilot.pause(0.05)


async def test_y_names_the_file_from_the_workspace(crunchy: FlowtopApp, tmp_path: Path) -> None:
    async with crunchy.run_test(size=(80, 24), notifications=True) as pilot:
        await failed(pilot, crunchy)
        await pilot.press("y")
        await pilot.pause()
        message = [n.message for n in crunchy._notifications][-1]
    name = f"c_{tmp_path.name}y-c_{tmp_path.name}.txt"  # flow c_…y, task c_…
    assert message.endswith(f"; also in .flowtop/copied/{name}")  # old: /tmp/…
    assert (tmp_path / ".flowtop" / "copied" / name).is_file()


async def test_o_with_an_editor_that_cannot_run_says_the_failing_line(
    crunchy: FlowtopApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", "no-such-editor")
    # a terminal to hand over (the headless pilot has none: this stands in for one)
    monkeypatch.setattr(FlowtopApp, "suspend", lambda self: _Nothing())
    async with crunchy.run_test(size=(120, 36), notifications=True) as pilot:
        await failed(pilot, crunchy)
        await pilot.press("o")
        await wait_for(
            pilot,
            lambda: any(str(n.message).startswith("Cannot run") for n in crunchy._notifications),
            "o's toast",
        )
        message = [n.message for n in crunchy._notifications][-1]
    where = f"{(tmp_path / f'{tmp_path.name}.py').resolve()}:6"
    assert message.startswith("Cannot run no-such-editor ($EDITOR): ")
    assert message.endswith(f"; the failing line is {where}")  # old: not said


class _Nothing:
    """``App.suspend`` as a context that does nothing."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None
