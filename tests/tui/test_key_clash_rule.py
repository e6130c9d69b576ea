"""A key ``[keys]`` gives to two actions runs one of them, and every place agrees which.

``"flowtop.sort" = "o"`` warned that ``o`` was both keys, yet the footer showed
``o Open`` and ``o Sort``, the help listed ``o`` for both, and ``o`` sorted. Now the key
goes to the action it was assigned to (given to two, to the one written later in
``[keys]``); the other shows no key in the footer, the help and the palette, which still
runs it, and the warning names it and how to give it a key.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens import HelpScreen
from flowtop.workspace import Workspace
from pilot_kit import screen_text, wait_for

FAILING_FLOW = (
    "from flowtop import Flow, task\n\n"
    "@task\ndef boom():\n    raise ValueError('no')\n\n"
    "flow = Flow('boom')\nflow.add_task(boom)\n"
)


@contextlib.asynccontextmanager
async def app_with_keys(folder: Path, keys: str) -> AsyncIterator[tuple[Any, Any]]:
    """The real app on ``folder`` with a flow whose one task fails, and ``keys`` as the
    lines of flowtop.toml's ``[keys]``."""
    (folder / "boom.py").write_text(FAILING_FLOW)
    (folder / "flowtop.toml").write_text(f"[keys]\n{keys}")
    workspace = Workspace(folder)
    workspace.load()
    app = FlowtopApp(workspace, watch=False)
    try:
        async with app.run_test(size=(140, 36), notifications=True) as pilot:
            await pilot.pause()
            yield app, pilot
    finally:
        workspace.close()


def warnings(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications if "[keys]:" in str(n.message)]


def palette_helps(app: Any) -> dict[str, str]:
    return {c.title: c.help for c in app.get_system_commands(app.screen)}


async def open_help(pilot: Any, app: Any) -> dict[str, str]:
    """The help screen's rows (description -> keys), then the help closed."""
    await pilot.press(app.key_for("help"))
    await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
    rows = {description: keys for keys, description, _ in app.screen.rows}
    await pilot.press("escape")
    await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), "the help to close")
    return rows


async def test_a_key_taken_from_an_action_leaves_it_keyless_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    async with app_with_keys(tmp_path, '"flowtop.sort" = "o"\n') as (app, pilot):
        assert warnings(app) == [
            "flowtop.toml [keys]: o is now flowtop.sort's key, so flowtop.open_editor has no"
            " key (the palette, ^p, still runs it); give it one with"
            ' [keys] "flowtop.open_editor" = "…"'
        ]
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.state is StateType.FAILED,
            "the run to fail",
        )
        app.table.focus()
        await wait_for(pilot, lambda: app.key_context().task_error, "the failed task")
        footer = screen_text(app).splitlines()[-1]
        assert "o Sort" in footer and "Open" not in footer
        rows = await open_help(pilot, app)
        assert rows["Open in editor"] == "" and rows["Sort"] == "o"
        helps = palette_helps(app)
        assert helps["Sort"].startswith("key o · ")
        assert not helps["Open in editor"].startswith("key")
        await pilot.press("o")
        await wait_for(pilot, lambda: app.table.sort != "definition", "o to sort")
        # the palette still runs it: it says where the failing line is, with no $EDITOR
        command = next(
            c for c in app.get_system_commands(app.screen) if c.title == "Open in editor"
        )
        await command.callback()
        await wait_for(
            pilot,
            lambda: any("Set $EDITOR" in str(n.message) for n in app._notifications),
            "Open in editor to act",
        )


@pytest.mark.parametrize(
    ("keys", "winner", "loser"),
    [
        ('"flowtop.sort" = "z"\n"flowtop.filter" = "z"\n', "Filter", "Sort"),
        ('"flowtop.filter" = "z"\n"flowtop.sort" = "z"\n', "Sort", "Filter"),
    ],
)
async def test_a_key_given_to_two_actions_goes_to_the_one_written_later(
    tmp_path: Path, keys: str, winner: str, loser: str
) -> None:
    async with app_with_keys(tmp_path, keys) as (app, pilot):
        won, lost = (f"flowtop.{name.lower()}" for name in (winner, loser))
        assert warnings(app) == [
            f"flowtop.toml [keys]: z is given to both {lost} and {won}; {won}, written later,"
            f" has it, so {lost} has no key (the palette, ^p, still runs it); give it one"
            f' with [keys] "{lost}" = "…"'
        ]
        app.table.focus()
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert f"z {winner}" in footer and loser not in footer
        rows = await open_help(pilot, app)
        assert rows[winner] == "z" and rows[loser] == ""
        assert not palette_helps(app)[loser].startswith("key")
        await pilot.press("z")
        if winner == "Filter":
            await wait_for(pilot, lambda: app.focused is app.filter_box, "z to filter")
        else:
            await wait_for(pilot, lambda: app.table.sort != "definition", "z to sort")
            assert app.focused is not app.filter_box


async def test_an_action_that_loses_one_of_its_keys_keeps_the_others(tmp_path: Path) -> None:
    async with app_with_keys(tmp_path, '"flowtop.history" = "f5,o"\n"flowtop.sort" = "o"\n') as (
        app,
        pilot,
    ):
        assert warnings(app) == [
            "flowtop.toml [keys]: o is now flowtop.sort's key, so flowtop.open_editor has no"
            " key (the palette, ^p, still runs it); give it one with"
            ' [keys] "flowtop.open_editor" = "…"',
            "flowtop.toml [keys]: o is given to both flowtop.history and flowtop.sort;"
            " flowtop.sort, written later, has it, so flowtop.history keeps only f5",
        ]
        rows = await open_help(pilot, app)
        assert rows["History"] == "f5" and rows["Sort"] == "o"
        assert app.key_for("history") == "f5"


def test_a_key_written_as_its_character_clashes_with_its_name() -> None:
    """``?`` is ``question_mark`` to Textual: giving it to sort takes it from help."""
    from flowtop.tui.bindings import APP_BINDINGS
    from flowtop.tui.key_clashes import NO_KEY, resolve_keys

    resolved = resolve_keys(APP_BINDINGS, {"flowtop.sort": "?"})
    assert [(loss.key, loss.loser.id, loss.winner.id) for loss in resolved.losses] == [
        ("question_mark", "flowtop.help", "flowtop.sort")
    ]
    assert resolved.keymap == {"flowtop.sort": "question_mark", "flowtop.help": NO_KEY}


async def test_a_history_screen_leaves_out_help_when_its_key_went_to_another(
    tmp_path: Path,
) -> None:
    """The history screens' footer named a keyless help through the palette (`^p Help`)."""
    from flowtop.tui.screens.run_detail import footer_entries

    async with app_with_keys(tmp_path, '"flowtop.sort" = "?"\n') as (app, _pilot):
        assert "help" in app.keyless_actions()
        _own, always = footer_entries(app.screen)
        assert [label for _key, label in always] == ["Quit"]
