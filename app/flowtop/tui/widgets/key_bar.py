"""The footer: the keys that matter for the focused pane, as many as fit, whole.

Textual's ``Footer`` lays every shown binding out left to right and cuts the line at the
edge, so at 80 columns ``? Help`` and ``q Quit`` fell off and at 60 a label ended
mid-word. This bar takes the keys in priority order for the focused pane, keeps ``?``
and ``q`` always (at the right end), and drops whole entries that don't fit. Each key is
read from the live bindings by the app (``FlowtopApp.footer_entries``), so ``[keys]``
rebinds show here too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

#: (key as shown, label)
Entry = tuple[str, str]

SEPARATOR = "  "


def fit_entries(
    entries: Sequence[Entry], always: Sequence[Entry], width: int
) -> tuple[list[Entry], list[Entry]]:
    """The ``(key, label)`` pairs that fit ``width`` cells: ``always`` first reserved,
    then ``entries`` in order while they fit; an entry never shows cut."""

    def size(pairs: Sequence[Entry]) -> int:
        return sum(cell_len(f"{k} {lbl}") for k, lbl in pairs) + cell_len(SEPARATOR) * max(
            0, len(pairs) - 1
        )

    kept_always: list[Entry] = []
    for pair in always:
        if size([*kept_always, pair]) + 2 <= width:  # a margin of one cell each side
            kept_always.append(pair)
    reserved = size(kept_always) + (cell_len(SEPARATOR) if kept_always else 0) + 2
    shown: list[Entry] = []
    for pair in entries:
        if size([*shown, pair]) + reserved <= width:
            shown.append(pair)
    return shown, kept_always


class KeyBar(Widget):
    """One line of ``key label`` pairs; ``?`` and ``q`` at the right end."""

    DEFAULT_CSS = """
    KeyBar {
        height: 1;
        background: $footer-background;
        color: $footer-description-foreground;
    }
    KeyBar > .key-bar--key {
        color: $footer-key-foreground;
        text-style: bold;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key"}

    def __init__(
        self,
        entries: Callable[[], tuple[Sequence[Entry], Sequence[Entry]]],
        *,
        id: str | None = None,  # noqa: A002 - Textual's widget id
    ) -> None:
        """``entries()``: (the focused pane's entries by priority, the ones always shown)."""
        super().__init__(id=id)
        self.entries = entries

    def pairs(self, width: int) -> tuple[list[Entry], list[Entry]]:
        pane, always = self.entries()
        return fit_entries(pane, always, width)

    def render(self) -> Text:
        width = self.size.width
        shown, always = self.pairs(width)
        key_style = self.get_component_rich_style("key-bar--key", partial=True)
        text = Text(no_wrap=True, overflow="crop")
        text.append(" ")
        for i, (key, label) in enumerate(shown):
            if i:
                text.append(SEPARATOR)
            text.append(key, style=key_style)
            text.append(f" {label}")
        right = Text()
        for i, (key, label) in enumerate(always):
            if i:
                right.append(SEPARATOR)
            right.append(key, style=key_style)
            right.append(f" {label}")
        gap = width - text.cell_len - right.cell_len - 1
        text.append(" " * max(1, gap))
        text.append_text(right)
        return text


def add_dialog_keys(
    screen: Screen[Any], label: Callable[[Binding], str | None] | None = None
) -> None:
    """Give a dialog its footer: its own keys (each binding that has a label, by its first
    key). Under a dialog the main screen's footer showed r, f, t…, which did nothing there.
    ``label`` may say a binding's label as things are now (``Cancel it`` for one run, not
    ``Cancel them``), or None to leave it out while it does nothing.
    Once: Textual calls each class's ``on_mount``, and a subclass's may call its base's."""
    if screen.query("#dialog-keys"):
        return

    def entries() -> tuple[list[Entry], list[Entry]]:
        shown = [b for b in screen.BINDINGS if isinstance(b, Binding) and b.show and b.description]
        pairs: list[Entry] = []
        for binding in shown:
            said = binding.description if label is None else label(binding)
            if said:
                first = replace(binding, key=binding.key.split(",")[0].strip())
                pairs.append((screen.app.get_key_display(first), said))
        return pairs, []

    screen.mount(KeyBar(entries, id="dialog-keys"))
