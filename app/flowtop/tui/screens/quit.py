"""``q`` with live runs started here: keep them running, cancel them, or stay.

Runs execute in processes of their own, so leaving the TUI need not stop them; but a
user who pressed ``q`` may also mean "stop everything". The dialog asks, with keeping
them as the default (Enter), and ``[tui] on_quit`` can answer once and for all.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

QuitChoice = Literal["keep", "cancel", "stay"]


class QuitScreen(ModalScreen[QuitChoice]):
    """Dismisses "keep" (k, Enter), "cancel" (c) or "stay" (s, Escape)."""

    DEFAULT_CSS = """
    QuitScreen { align: center middle; }
    QuitScreen #dialog {
        width: auto; min-width: 40; max-width: 90%; height: auto;
        border: thick $warning; background: $surface; padding: 1 2;
    }
    QuitScreen #question { width: auto; max-width: 100%; }
    QuitScreen #buttons { height: auto; width: auto; margin-top: 1; }
    QuitScreen #buttons Button { margin-right: 2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k,enter", "choose('keep')", "Keep running", id="quit.keep"),
        Binding("c", "choose('cancel')", "Cancel them", id="quit.cancel"),
        Binding("s,escape", "choose('stay')", "Stay", id="quit.stay"),
    ]

    def __init__(self, live: list[str], *, can_keep: bool = True) -> None:
        super().__init__()
        self.live = live
        self.can_keep = can_keep

    def compose(self) -> ComposeResult:
        runs = ", ".join(self.live[:5]) + (
            f" and {len(self.live) - 5} more" if len(self.live) > 5 else ""
        )
        if self.can_keep:
            question = (
                f"{len(self.live)} run(s) started here are still running: {runs}.\n"
                "Keep them running in the background (watch them with `flowtop watch` or by "
                "opening flowtop again), or cancel them?"
            )
        else:
            question = f"{len(self.live)} run(s) are still running: {runs}.\nQuitting cancels them."
        with Vertical(id="dialog"):
            yield Static(Text(question), id="question")
            with Horizontal(id="buttons"):
                if self.can_keep:
                    yield Button("Keep running (k)", variant="primary", id="keep")
                yield Button("Cancel them (c)", variant="error", id="cancel")
                yield Button("Stay (s)", id="stay")

    def on_mount(self) -> None:
        for button in self.query(Button):  # Enter means "keep" whatever has focus
            button.can_focus = False

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_choose(event.button.id or "stay")

    def action_choose(self, choice: str) -> None:
        if choice == "keep" and not self.can_keep:
            return
        if choice in ("keep", "cancel", "stay"):
            self.dismiss(choice)  # type: ignore[arg-type]
