"""An ``Input`` whose editing keys act in the order they were typed.

Textual's ``Input`` inserts a printable key where it receives it, but its bound keys
(backspace, ctrl+u, the arrows…) go up to the app and come back as an action: a key
typed right after one of them, in the same burst, is inserted first. Over a laggy SSH
link keys do arrive in bursts, so ``4`` ⌫ ``2`` in the retry editor saved ``4``, and
ctrl+u ``2`` saved nothing (Textual issue #6605). Here the input's own bindings run
where the key is received, as the app would have run them (the focused widget's
bindings come first in its chain; priority bindings never reach the widget).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import Input

from flowtop.printable import EMOJI_PRESENTATION, TEXT_PRESENTATION, drawn_as_measured, printable
from flowtop.printable import printable_name as stand_in

#: A flag drawn by tags (``printable`` keeps it whole): U+1F3F4, five tags, the cancel tag.
_FLAG, _FLAG_LENGTH = "\U0001f3f4", 7


def drawn(value: str) -> tuple[str, tuple[int, ...]] | None:
    """``value`` as a field draws it, and where each of its characters starts in that
    (one more: where it ends); None when it draws as it is. A character ``printable_name``
    shows as a stand-in shows as that stand-in (``␈``, ``␍``, ``␉``, ``\\x9b``,
    ``\\u202e``), as the header and the history show the value, and stays one character
    of the value: the cursor steps over it, backspace deletes it whole, and what the
    field holds (what runs) is the value itself. One stand-in a character kept the
    cursor in place but read ``�`` for a stand-in of several, and Rich dropped ``\\b``,
    ``\\r`` and BEL: ``A␁BCD   E�F␡G�H␛I``."""
    if stand_in(value) == value:
        return None
    text = drawn_as_measured(value)  # one selector for another: its length stays
    pieces: list[str] = []
    while len(pieces) < len(text):
        at = len(pieces)
        flag = text[at : at + _FLAG_LENGTH]
        if text[at] == _FLAG and len(flag) == _FLAG_LENGTH and stand_in(flag) == flag:
            pieces += flag  # kept whole, as ``printable`` keeps it
        elif text[at] in (EMOJI_PRESENTATION, TEXT_PRESENTATION):
            pieces.append(text[at])  # as ``drawn_as_measured`` chose it, seeing its base
        else:
            pieces.append(stand_in(text[at]))
    starts = [0]
    for piece in pieces:
        starts.append(starts[-1] + len(piece))
    return "".join(pieces), tuple(starts)


class _Drawn(Text):
    """A value drawn with its stand-ins, styled at the value's offsets: ``Input`` styles
    its cursor and its selection there (a cursor past the end, on the space after it)."""

    def __init__(self, shown: str, starts: tuple[int, ...]) -> None:
        super().__init__(shown, no_wrap=True, overflow="ignore", end="")
        self.starts = starts

    def _at(self, index: int) -> int:
        last = len(self.starts) - 1
        index = index + last if index < 0 else index
        return self.starts[index] if index <= last else self.starts[last] + index - last

    def stylize(self, style: str | Style, start: int = 0, end: int | None = None) -> None:
        super().stylize(style, self._at(start), None if end is None else self._at(end))

    def stylize_before(self, style: str | Style, start: int = 0, end: int | None = None) -> None:
        super().stylize_before(style, self._at(start), None if end is None else self._at(end))


class OrderedInput(Input):
    """``Input``, its own key bindings run in the order the keys came."""

    def __init__(self, value: str | None = None, *, placeholder: str = "", **options: Any) -> None:
        # A placeholder may name the user's code (a retry_delay function): shown printable.
        super().__init__(value, placeholder=printable(placeholder), **options)

    #: ``drawn`` of the value it was last asked for (each frame asks several times).
    _drawn_as: tuple[str, tuple[str, tuple[int, ...]] | None] = ("", None)

    def _drawn(self) -> tuple[str, tuple[int, ...]] | None:
        if self.password:  # drawn as bullets, one a character
            return None
        if self._drawn_as[0] != self.value:
            self._drawn_as = (self.value, drawn(self.value))
        return self._drawn_as[1]

    @property
    def _value(self) -> Text:
        """The value as drawn: one a field starts with comes from a past run's parameters
        or the user's code (an exception's name) and may hold escapes, shown (``drawn``)
        and not written to the terminal."""
        shown = self._drawn()
        return super()._value if shown is None else _Drawn(*shown)

    def _position_to_cell(self, position: int) -> int:
        """Where the character at ``position`` of the value is drawn, in cells."""
        shown = self._drawn()
        if shown is None:
            return super()._position_to_cell(position)
        text, starts = shown
        return cell_len(text[: starts[min(position, len(starts) - 1)]])

    def _cell_offset_to_index(self, offset: int) -> int:
        """The character of the value drawn at ``offset`` cells (a click), its stand-in's
        cells all its own."""
        shown = self._drawn()
        if shown is None:
            return super()._cell_offset_to_index(offset)
        text, starts = shown
        offset += self.scroll_offset.x
        cells = 0
        for index, (start, end) in enumerate(pairwise(starts)):
            width = cell_len(text[start:end])
            if cells <= offset < cells + width:
                return index
            cells += width
        return len(starts) - 1 if offset >= cells else 0

    def _own(self, key: str) -> list[Binding]:
        """This input's bindings of ``key`` that the app would run for it."""
        return [b for b in self._bindings.key_to_bindings.get(key, ()) if not b.priority]

    def takes(self, event: events.Key) -> bool:
        """Whether ``event`` is a key this input handles itself (it stops those)."""
        return event.is_printable or bool(self._own(event.key))

    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable:
            for binding in self._own(event.key):
                if await self.app.run_action(binding.action, self):
                    event.stop()
                    event.prevent_default()
                    return
        await super()._on_key(event)
