"""A ``Static`` measured again at every update, whatever was laid out in between.

Textual caches a widget's box model under a count that ``refresh(layout=True)`` bumps
only when no layout of the widget is pending yet (Textual 8.2.8, pinned). When another
widget's layout ran between two updates, the screen measured the first content and
cached its height under that count, and the second update, still pending, did not
change the count: the second content was drawn in the first one's height until something
else laid the screen out. The detail pane's title line and body are updated together, so
under load a failed task's body kept the height it had while the task ran: cut after its
traceback's first lines, its output never shown, the rest of the pane blank.
"""

from __future__ import annotations

from textual.visual import VisualType
from textual.widgets import Static


class MeasuredStatic(Static):
    """A ``Static`` whose every update that may change its size is measured."""

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        super().update(content, layout=layout)
        if layout:
            self._layout_updates += 1  # a new cache key: this content's height is measured
