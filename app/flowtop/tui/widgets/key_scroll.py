"""A scroll that moves a line per ↑ or ↓ however fast the keys come.

Textual's ↑↓ scroll to a line worked out from where the last scroll was headed, and
that scroll is made only after the next frame: every key of a burst (a held ↓ over SSH,
five read at once) worked out the same line, so the burst scrolled one line. The
detail pane (Enter on a task) and a past run's attempts pane (Tab on a run's page) take
their ↑↓ from here, as the help screen's scroll does its own.
"""

from __future__ import annotations

from textual.actions import SkipAction
from textual.containers import VerticalScroll


class KeyScroll(VerticalScroll):
    """Each ↑ or ↓ scrolls a line as it is read; with nothing to scroll it is passed on
    (``SkipAction``), as Textual's are."""

    def action_scroll_down(self) -> None:
        self._scroll_line(1)

    def action_scroll_up(self) -> None:
        self._scroll_line(-1)

    def _scroll_line(self, lines: int) -> None:
        if not self.allow_vertical_scroll:
            raise SkipAction
        self.scroll_to(y=self.scroll_y + lines, animate=False, immediate=True)
