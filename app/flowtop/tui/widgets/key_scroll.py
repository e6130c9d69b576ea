"""A scroll that moves a line per ↑ or ↓ however fast the keys come, and answers to
`j k g G` as the tables and the help screen do.

Textual's ↑↓ scroll to a line worked out from where the last scroll was headed, and
that scroll is made only after the next frame: every key of a burst (a held ↓ over SSH,
five read at once) worked out the same line, so the burst scrolled one line. The
detail pane (Enter on a task) and a past run's attempts pane (Tab on a run's page) take
their keys from here, as the help screen's scroll does its own. They took Textual's
alone: `j k g G` did nothing there (README lists them beside the arrows), and `?` over
the attempts pane listed Textual's bindings (`^pgup  Page Left`, with no description).
"""

from __future__ import annotations

from typing import ClassVar

from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll


class KeyScroll(VerticalScroll):
    """Each key scrolls as it is read; with nothing to scroll it is passed on
    (``SkipAction``), as Textual's are. ``BINDINGS`` are what `?` lists for the pane
    (``KeyActions.help_bindings``); Textual's others (←→, ctrl+PgUp) still act."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "scroll_up", "Up", show=False, tooltip="Up a line"),
        Binding("down,j", "scroll_down", "Down", show=False, tooltip="Down a line"),
        Binding("pageup", "page_up", "Page up", show=False, tooltip="Up a page"),
        Binding("pagedown", "page_down", "Page down", show=False, tooltip="Down a page"),
        Binding("home,g", "scroll_home", "First", show=False, tooltip="To the top"),
        Binding("end,G", "scroll_end", "Last", show=False, tooltip="To the end"),
    ]

    def action_scroll_down(self) -> None:
        self._scroll_now(self.scroll_y + 1)

    def action_scroll_up(self) -> None:
        self._scroll_now(self.scroll_y - 1)

    def action_page_down(self) -> None:
        self._scroll_now(self.scroll_y + self.scrollable_content_region.height)

    def action_page_up(self) -> None:
        self._scroll_now(self.scroll_y - self.scrollable_content_region.height)

    def action_scroll_home(self) -> None:
        self._scroll_now(0)

    def action_scroll_end(self) -> None:
        self._scroll_now(self.max_scroll_y)

    def _scroll_now(self, y: float) -> None:
        """To line ``y`` (held between the top and the end) before the next key."""
        if not self.allow_vertical_scroll:
            raise SkipAction
        self.scroll_to(y=y, animate=False, immediate=True)
