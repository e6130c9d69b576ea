"""``q`` with live runs started here: keep them running, cancel them, or stay.

Runs execute in processes of their own, so leaving the TUI need not stop them; but a
user who pressed ``q`` may also mean "stop everything". The dialog asks, with keeping
them as the default (Enter), and ``[tui] on_quit`` can answer once and for all.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from textual.binding import Binding, BindingType
from textual.widgets.button import ButtonVariant

from flowtop.tui.screens.choice import ChoiceScreen

QuitChoice = Literal["keep", "cancel", "stay"]


class QuitScreen(ChoiceScreen[QuitChoice]):
    """Dismisses "keep" (k, Enter), "cancel" (c) or "stay" (s, Escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k,enter", "choose('keep')", "Keep running", id="quit.keep"),
        Binding("c", "choose('cancel')", "Cancel them", id="quit.cancel"),
        Binding("s,escape", "choose('stay')", "Stay", id="quit.stay"),
    ]

    def __init__(self, live: list[str], *, can_keep: bool = True) -> None:
        more = f" and {len(live) - 5} more" if len(live) > 5 else ""
        runs = ", ".join(live[:5]) + more
        one = len(live) == 1
        count = "1 run" if one else f"{len(live)} runs"
        are, them = ("is", "it") if one else ("are", "them")
        answers: list[tuple[str, ButtonVariant, str, QuitChoice]] = []
        if can_keep:
            question = (
                f"{count} started here {are} still running: {runs}.\n"
                f"Keep {them} running in the background (watch {them} with `flowtop watch` or "
                f"by opening flowtop again), or cancel {them}?"
            )
            answers.append(("Keep running (k)", "primary", "keep", "keep"))
        else:
            question = f"{count} {are} still running: {runs}.\nQuitting cancels {them}."
        answers += [
            (f"Cancel {them} (c)", "error", "cancel", "cancel"),
            ("Stay (s)", "default", "stay", "stay"),
        ]
        super().__init__(question, answers)
        self.can_keep = can_keep

    def action_choose(self, choice: QuitChoice) -> None:
        if choice != "keep" or self.can_keep:
            self.dismiss(choice)
