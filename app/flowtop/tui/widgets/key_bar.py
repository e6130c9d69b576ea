"""The footer: the keys that matter for the focused pane, as many as fit, whole.

Textual's ``Footer`` lays every shown binding out left to right and cuts the line at the
edge, so at 80 columns ``? Help`` and ``q Quit`` fell off and at 60 a label ended
mid-word. This bar takes the keys in priority order for the focused pane, keeps ``?``
and ``q`` always (at the right end), and drops whole entries that don't fit. Each key is
read from the live bindings by the app (``FooterKeys.footer_entries``), so ``[keys]``
rebinds show here too.

A click on an entry presses its key (``simulate_key``, as Textual's ``Footer`` does), so
the mouse reaches the same action, through the same checks, as the keyboard; an entry
whose key does nothing here now (no binding of that key is enabled) rings the bell.

A key shown is a key that acts, and which those are is the ``entries`` callback's to
say, not the bar's: the app leaves out the keys that would act on nothing now
(``tui/footer_keys``), a dialog those it labels None (``add_dialog_keys``). What they
offer follows the selection, so the bar redraws whenever its screen's bindings are said
to have changed (Textual's ``refresh_bindings``, as its ``Footer`` does; the task table
says so as its cursor moves).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import ActiveBinding, Binding
from textual.screen import Screen
from textual.widget import Widget

#: (key as shown, label)
Entry = tuple[str, str]
#: Where an entry is drawn: (first cell, cell past its end, key as shown).
Span = tuple[int, int, str]

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
    KeyBar > .key-bar--hover {
        background: $block-hover-background;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key", "key-bar--hover"}

    def __init__(
        self,
        entries: Callable[[], tuple[Sequence[Entry], Sequence[Entry]]],
        *,
        id: str | None = None,  # noqa: A002 - Textual's widget id
    ) -> None:
        """``entries()``: (the focused pane's entries by priority, the ones always shown)."""
        super().__init__(id=id)
        self.entries = entries
        #: The cell under the mouse: its entry is drawn highlighted (it can be clicked).
        self.hovered: int | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: Screen[Any]) -> None:
        self.refresh()

    def pairs(self, width: int) -> tuple[list[Entry], list[Entry]]:
        pane, always = self.entries()
        return fit_entries(pane, always, width)

    def bindings_shown(self) -> dict[str, tuple[str, ActiveBinding]]:
        """The enabled bindings of the bar's screen by their key as shown (``^s`` for
        ctrl+s, ``?`` for question_mark): each with the key it is bound to."""
        shown: dict[str, tuple[str, ActiveBinding]] = {}
        for key, active in self.screen.active_bindings.items():
            if active.enabled:
                shown.setdefault(self.app.get_key_display(active.binding), (key, active))
        return shown

    def render(self) -> Text:
        text, spans = self.line(self.size.width)
        for start, end, shown in spans:  # the entry under the mouse, when a click would act
            if self.hovered is not None and start <= self.hovered < end and self.bound_key(shown):
                hover = self.get_component_rich_style("key-bar--hover")  # blended: opaque
                text.stylize(Style(bgcolor=hover.bgcolor), start, end)  # the key keeps its colour
        return text

    def line(self, width: int) -> tuple[Text, list[Span]]:
        """The bar as drawn ``width`` cells wide, and where each entry is on it."""
        shown, always = self.pairs(width)
        key_style = self.get_component_rich_style("key-bar--key", partial=True)

        def add(line: Text, pairs: Sequence[Entry]) -> list[Span]:
            spans: list[Span] = []
            for i, (key, label) in enumerate(pairs):
                if i:
                    line.append(SEPARATOR)
                start = line.cell_len
                line.append(key, style=key_style)
                line.append(f" {label}")
                spans.append((start, line.cell_len, key))
            return spans

        text = Text(" ", no_wrap=True, overflow="crop")
        left = add(text, shown)
        right = Text()
        right_spans = add(right, always)
        text.append(" " * max(1, width - text.cell_len - right.cell_len - 1))
        offset = text.cell_len
        text.append_text(right)
        return text, [*left, *((a + offset, b + offset, key) for a, b, key in right_spans)]

    def key_at(self, x: int) -> str | None:
        """The key (as shown) of the entry drawn at cell ``x``, if any."""
        _, spans = self.line(self.size.width)
        return next((key for start, end, key in spans if start <= x < end), None)

    def bound_key(self, shown: str) -> str | None:
        """The key whose binding would run now, of those shown as ``shown`` (``^s`` is
        ctrl+s, ``?`` is question_mark); None when no such binding is enabled."""
        bound = self.bindings_shown().get(shown)
        return bound[0] if bound is not None else None

    def on_click(self, event: events.Click) -> None:
        shown = self.key_at(event.x)
        if shown is None:
            return
        event.stop()
        key = self.bound_key(shown)
        if key is None:  # as Textual's footer does on a disabled key
            self.app.bell()
        else:
            self.app.simulate_key(key)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self.hovered != event.x:
            self.hovered = event.x
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        self.hovered = None
        self.refresh()


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
