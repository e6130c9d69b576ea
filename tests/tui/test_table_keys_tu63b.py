"""The keys that arrange the task table's rows (`/`, `s`, `S`) act where the footer offers
them: from the task table and its detail pane, and from the flows list, whose footer now
offers them too (it did not, and a `/` that did nothing there would let the `err` typed
after it act as keys: `r` ran the flow). On a file's row, whose table has no rows, they do
nothing: `s` sorted that empty table.

And no key acts before the panes are made: asked then, ``off_pane_actions`` raised an
``AttributeError`` (no flows list yet) where ``check_action`` asked about `e`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from textual.app import ComposeResult
from textual.widget import Widget

from flowtop.tui.app import FlowtopApp
from pilot_kit import footer_labels, toasts_said, wait_for

from .conftest import FakeWorkspace, run_demo_then_flows_list

SIZE = (120, 36)


async def test_slash_s_and_S_act_from_the_flows_list_whose_footer_offers_them(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_demo_then_flows_list(pilot, app)
        footer = footer_labels(app)
        assert footer.get("/") == "Filter" and footer.get("s") == "Sort", footer
        await pilot.press("s", "S")
        await wait_for(pilot, lambda: app.table.sort_reverse, "s and S from the flows list")
        assert app.table.sort == "state"
        await pilot.press("slash", "f", "a", "i", "l")  # typed into the filter, not run as keys
        await wait_for(pilot, lambda: app.filter_box.value == "fail", "the filter typed")
        assert app.focused is app.filter_box


async def test_the_palette_sorts_from_the_flows_list(workspace: FakeWorkspace) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_demo_then_flows_list(pilot, app)
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Sort")
        await command.callback()
        await wait_for(pilot, lambda: app.table.sort == "state", "the palette's sort")


async def test_s_on_a_file_row_sorts_no_empty_table(workspace: FakeWorkspace) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
        app.flow_list.focus()
        await pilot.press("home", "end")
        await wait_for(pilot, lambda: app.selected_error is not None, "the file's row")
        await pilot.press("right")
        await wait_for(pilot, lambda: app.focused is app.table, "the table")
        assert not {"/", "s", "S"} & set(footer_labels(app)), footer_labels(app)
        with toasts_said(app) as said:
            # `k`: in a table with no rows, to the flows list and the flow above
            await pilot.press("s", "S", "slash", "k")
            await wait_for(pilot, lambda: app.selected_error is None, "a flow's row")
        assert app.focused is app.flow_list  # old: `/` opened the filter line, `k` typed in it
        assert (app.table.sort, app.table.sort_reverse) == ("definition", False)
        assert not said, said  # old: "Sorted by state ▲", "Sorted by state ▼"


async def test_e_on_a_broken_files_row_says_why(tmp_path: Path) -> None:
    """A folder of one broken flow file: `e` on its row (flows list or table) says why
    it cannot edit, as the README says of every task key there, and raises nothing."""
    from .conftest import FakeLoadError

    broken = tmp_path / "broken.py"
    errors = {broken: FakeLoadError(broken, 3, "SyntaxError: invalid syntax")}
    app = FlowtopApp(FakeWorkspace(tmp_path, {}, errors), watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.selected_error is not None, "the file's row")
        for pane in (app.flow_list, app.table):
            app.screen.set_focus(pane)
            assert "e" not in footer_labels(app)
            with toasts_said(app) as said:
                await pilot.press("e")
                await wait_for(pilot, lambda: said, "e's answer")
            assert said == [
                "broken.py failed to load, so it has no flow yet: fix it and save "
                "(its error is shown here)"
            ]
            assert app.screen is app.screen_stack[0]  # no retry editor
        assert app.return_code is None  # still up: nothing raised


class AskedWhileComposing(FlowtopApp):
    """Asks ``check_action`` as the screen is composed, before the panes are made."""

    answers: dict[str, bool | None]

    def compose(self) -> ComposeResult:
        self.answers = {
            action: self.check_action(action, ()) for action in ("edit_retry", "sort", "run")
        }
        widgets: Iterator[Widget] = iter(super().compose())
        yield from widgets


async def test_no_key_acts_before_the_panes_are_made(workspace: FakeWorkspace) -> None:
    app = AskedWhileComposing(workspace, watch=False)
    async with app.run_test(size=SIZE) as pilot:  # old: AttributeError: no flow_list
        await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
        assert app.answers == {"edit_retry": False, "sort": False, "run": False}
        assert app.check_action("run", ()) is not False  # once made, keys act
