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

from typing import Any

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import Input

from flowtop.printable import has_control, printable, same_length_printable


class OrderedInput(Input):
    """``Input``, its own key bindings run in the order the keys came."""

    def __init__(self, value: str | None = None, *, placeholder: str = "", **options: Any) -> None:
        # A placeholder may name the user's code (a retry_delay function): shown printable.
        super().__init__(value, placeholder=printable(placeholder), **options)

    @property
    def _value(self) -> Text:
        """The value as drawn: one a field starts with comes from a past run's parameters
        or the user's code (an exception's name) and may hold escapes, shown and not
        written to the terminal; one visible cell each, so the cursor keeps its place."""
        text = super()._value
        if has_control(text.plain):
            text.plain = same_length_printable(text.plain)
        return text

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
