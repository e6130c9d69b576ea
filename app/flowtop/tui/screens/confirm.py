"""A yes/no question before something that cannot be undone (cancelling a run)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.binding import Binding, BindingType

from flowtop.tui.screens.choice import ChoiceScreen


class ConfirmScreen(ChoiceScreen[bool]):
    """Dismisses True on y/Enter, False on n/Escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes", priority=True),
        Binding("n,escape", "answer(False)", "No", id="confirm.no", priority=True),
    ]

    #: How often a question with ``still_asked`` looks whether it still stands (seconds).
    RECHECK = 0.5

    def __init__(self, question: str, still_asked: Callable[[], bool] | None = None) -> None:
        """``still_asked``: whether the question still stands (the run to cancel still
        runs); once it does not, the dialog goes, answering None."""
        super().__init__(
            question, [("Yes (y)", "error", "yes", True), ("No (n)", "default", "no", False)]
        )
        self.still_asked = still_asked

    def on_mount(self) -> None:
        super().on_mount()
        if self.still_asked is not None:
            self.set_interval(self.RECHECK, self._recheck)

    def _recheck(self) -> None:
        """Only while on top: ``dismiss`` pops the top screen, whichever it is called on.
        Under the help (`?`) or the quit question (`q`), a run that ended closed those in
        its place, and the next look dismissed the question again: a traceback. It goes
        once they have closed."""
        if self.is_active and self.still_asked is not None and not self.still_asked():
            self.dismiss(None)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
