"""The detail pane's body is measured again at each update, whatever was laid out between.

Textual sizes a widget by a box model it caches under a count that ``refresh(layout=True)``
bumps only when no layout of the widget is pending yet. The pane's title line and body
are updated together: when the title's layout ran first (the screen laid out for it, the
body's own request still pending), the body was measured with its content then, and its
next content, a failed task's with its output, was drawn in that height: cut after the
traceback's first lines, the rest of the pane blank, for good (a whole-suite flake of
``test_printable_bidi.py``: the attempt's log line never showed).
"""

from __future__ import annotations

from textual.app import App, ComposeResult

from flowtop.tui.widgets.detail_pane import DetailPane
from pilot_kit import screen_text, wait_for

SHORT = "\n".join(f"short {i}" for i in range(5))
LONG = "\n".join(f"long {i}" for i in range(12))


class PaneApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DetailPane(id="detail")


async def test_a_body_updated_after_a_layout_its_title_caused_is_shown_whole() -> None:
    app = PaneApp()
    async with app.run_test(size=(60, 30)) as pilot:
        pane = app.query_one(DetailPane)
        await pilot.pause()
        # The order a busy machine gave: both updated, the title's layout request taken
        # by the screen and laid out before the body's own request was seen
        pane.title_line.update("boom  ✗ Failed")
        pane.body.update(SHORT)
        pane.title_line._check_refresh()  # the title's idle: its Layout message
        app.screen._refresh_layout()  # laid out: the body measured with SHORT
        pane.body.update(LONG)  # the task's end: its output came
        await wait_for(pilot, lambda: pane.body.size.height == 12, "the body's 12 rows")
        assert "long 11" in screen_text(app)
