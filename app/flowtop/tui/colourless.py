"""A monochrome terminal (``TERM=vt100``, ``xterm-mono``) is drawn with no colour at all.

Rich takes such a terminal for a 16-colour one, so the theme's colours reached it as the
nearest of the 16: the footer's keys bright red on grey, the cursor's row white on cyan,
where ``NO_COLOR`` draws greys. A terminal that shows colours (an emulator run with
``TERM=vt100``, a ``screen`` session that sets it) showed them. There every colour is now
the terminal's own foreground and background (Textual's ``NoColor`` filter, which it uses
itself under ``NO_COLOR`` with an ANSI theme), under ``NO_COLOR`` too, whose greys came
out as the 16 colours' black and grey. What colour set apart is in reverse video there
instead: the cursor's row, the highlighted flow and command (flowtop.tcss's ``-mono``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.filter import LineFilter, Monochrome, NoColor

from flowtop.tui.widgets.state_colors import colour_mode

if TYPE_CHECKING:
    from textual.app import App

    # The checker sees the mixin as the App it is mixed into; at run time it is a plain
    # class, so it shadows none of the App's methods.
    _AppBase = App[int]
else:
    _AppBase = object

_NO_COLOUR = NoColor()


class Colourless(_AppBase):
    """Mixed into ``FlowtopApp``: no colour reaches a monochrome terminal."""

    def get_line_filters(self) -> Sequence[LineFilter]:
        filters = super().get_line_filters()
        if colour_mode(self) != "mono":
            return filters
        kept = [kept for kept in filters if not isinstance(kept, Monochrome | NoColor)]
        return [*kept, _NO_COLOUR]
