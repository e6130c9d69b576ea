"""The command palette's footer: the palette's own keys.

Textual's palette (``ctrl+p``) is a screen over the main one, and the main screen's footer
(`r Run  f Rerun failed`…) still showed below it, though every letter typed there goes
to the palette's search. As under a dialog, the footer now says what the keys do there.
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.screen import Screen

from flowtop.tui.widgets.key_bar import Entry, KeyBar

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
