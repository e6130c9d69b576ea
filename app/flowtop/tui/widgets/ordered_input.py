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

from textual import events
from textual.binding import Binding
from textual.widgets import Input


class OrderedInput(Input):
    """``Input``, its own key bindings run in the order the keys came."""

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
