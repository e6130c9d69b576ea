"""A yes/no question before something that cannot be undone (cancelling a run)."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from flowtop.tui.screens.choice import ChoiceScreen


class ConfirmScreen(ChoiceScreen[bool]):
    """Dismisses True on y/Enter, False on n/Escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes", priority=True),
        Binding("n,escape", "answer(False)", "No", id="confirm.no", priority=True),
    ]

    def __init__(self, question: str) -> None:
        super().__init__(
            question, [("Yes (y)", "error", "yes", True), ("No (n)", "default", "no", False)]
        )

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
