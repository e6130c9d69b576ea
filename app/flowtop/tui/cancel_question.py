"""`c`'s question, "Cancel run #3 of etl?", whose yes asks for the cancel as it is read.

A dialog's answer reaches its callback (``push_screen``'s) only after the keys already
read with it: over SSH, or typed quickly, `c y f` arrives in one read, and the `f` acted
before the cancel was even asked. Its yes now asks for the cancel at once (``on_yes``),
so the keys after it find the cancel under way (``cancel_keys``).
"""

from __future__ import annotations

from collections.abc import Callable

from textual.await_complete import AwaitComplete

from flowtop.tui.screens.confirm import ConfirmScreen


class CancelConfirmScreen(ConfirmScreen):
    """A ``ConfirmScreen`` that calls ``on_yes`` as it is answered yes (a key, a click),
    before its result's callback; once, whatever answer comes after."""

    def __init__(
        self, question: str, still_asked: Callable[[], bool], on_yes: Callable[[], None]
    ) -> None:
        super().__init__(question, still_asked)
        self._on_yes: Callable[[], None] | None = on_yes

    def dismiss(self, result: bool | None = None) -> AwaitComplete:
        on_yes, self._on_yes = self._on_yes, None
        if result is True and on_yes is not None:
            on_yes()
        return super().dismiss(result)
