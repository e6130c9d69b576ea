"""The command palette's footer (the palette's own keys), and which of Textual's own
commands it keeps.

Textual's palette (``ctrl+p``) is a screen over the main one, and the main screen's footer
(`r Run  f Rerun failed`…) still showed below it, though every letter typed there goes
to the palette's search. As under a dialog, the footer now says what the keys do there.

Of Textual's commands (flowtop's own Quit and Help replace its Quit and Keys, keymap.py):

- Theme only where colours are drawn: under ``NO_COLOR`` its ANSI themes drew every cell
  black on black (Textual greys colours it knows only by their ANSI name as black), and
  a monochrome terminal draws no colour for a theme to change.
- No Maximize (nor Minimize): it left the focused widget alone on a hatched screen,
  with no header, no footer and nothing to say that Esc brings the rest back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.screen import Screen

from flowtop.tui.widgets.key_bar import Entry, KeyBar
from flowtop.tui.widgets.state_colors import colour_mode

if TYPE_CHECKING:
    from textual.app import App, SystemCommand

    # The checker sees the mixin as the App it is mixed into; at run time it is a plain
    # class, so it shadows none of the App's methods.
    _AppBase = App[int]
else:
    _AppBase = object

#: (key, label): moving in the list, running the highlighted command, closing.
PALETTE_FOOTER = (("up,down", "Choose"), ("enter", "Run"), ("escape", "Close"))


def add_palette_keys(palette: Screen[Any]) -> None:
    """Mount the palette's footer on ``palette`` (once)."""
    if palette.query("#palette-keys"):
        return
    app = palette.app

    def entries() -> tuple[list[Entry], list[Entry]]:
        def shown(keys: str) -> str:
            return "".join(app.get_key_display(Binding(k, k)) for k in keys.split(","))

        return [(shown(keys), label) for keys, label in PALETTE_FOOTER], []

    bar = KeyBar(entries, id="palette-keys")
    bar.styles.dock = "bottom"
    palette.mount(bar)


#: Textual's commands the palette never offers (see above).
DROPPED_COMMANDS = frozenset({"Maximize", "Minimize"})


class PaletteCommands(_AppBase):
    """Mixed into ``FlowtopApp`` before ``KeyActions``: Textual's commands it keeps."""

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        dropped = DROPPED_COMMANDS
        if colour_mode(self) in ("plain", "mono"):
            dropped |= {"Theme"}
        return (c for c in super().get_system_commands(screen) if c.title not in dropped)
