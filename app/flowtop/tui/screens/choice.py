"""A question with a few answers, each a key and a button: the base of every dialog.

The answers are keys first (the keyboard alone must do): buttons are for the mouse and
never take focus, since a focused button would take Enter for itself, and Enter must
give the dialog's default answer whatever has focus. Subclasses bind their answers with
``priority=True``: an answer closes the dialog as the app reads it, so the keys typed
after it in the same burst (over SSH, `cnj` arrives in one read) go to the screen below.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static
from textual.widgets.button import ButtonVariant

from flowtop.tui.screens.toast_band import hold_still_over_toasts
from flowtop.tui.widgets.key_bar import add_dialog_keys

Answer = TypeVar("Answer")


class ChoiceScreen(ModalScreen[Answer], Generic[Answer]):
    """Shows ``question`` and one button per answer; subclasses bind the keys."""

    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; overflow-y: hidden; }
    ChoiceScreen #dialog {
        width: auto; min-width: 40; max-width: 90%; height: auto; max-height: 100%;
        border: thick $warning; background: $surface; padding: 1 2; overflow-y: auto;
    }
    ChoiceScreen #question { width: auto; max-width: 100%; }
    ChoiceScreen #buttons {
        height: auto; width: auto; margin-top: 1; dock: bottom; background: $surface;
    }
    ChoiceScreen #buttons Button { margin-right: 2; }
    ChoiceScreen.-narrow #dialog { padding: 0 1; max-width: 100%; }
    ChoiceScreen.-narrow #buttons { layout: vertical; }
    ChoiceScreen.-narrow #buttons Button { margin-right: 0; }
    ChoiceScreen.-short #buttons { margin-top: 0; }
    ChoiceScreen #dialog-keys { dock: bottom; }
    """

    #: Below this many columns the buttons stand one per line, one row each: side by
    #: side, the quit dialog's read `Stay (` at 60 columns and lost it at 50.
    NARROW = 72
    #: Below 16 rows (40×12) the blank line above the buttons goes. The dialog takes at
    #: most the screen's height, its question scrolling, and never the screen itself: a
    #: screen's scrollbar took two columns from the footer, and `s Stay` fell off it.
    # Textual types this as an instance attribute (no ClassVar); it is never mutated.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (16, "-tall")]  # noqa: RUF012 - see above

    def __init__(
        self, question: str, answers: list[tuple[str, ButtonVariant, str, Answer]]
    ) -> None:
        """``answers``: (button label, variant, id, the value the dialog dismisses with)."""
        super().__init__()
        self.question = question
        self.answers = answers

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.question), id="question")  # never markup: names from code
            with Horizontal(id="buttons"):
                for label, variant, ident, _ in self.answers:
                    yield Button(label, variant=variant, id=ident)

    def on_mount(self) -> None:
        for button in self.query(Button):
            button.can_focus = False
        add_dialog_keys(self, self.footer_label)
        hold_still_over_toasts(self, self.query_one("#dialog"))

    def footer_label(self, binding: Binding) -> str | None:
        """The footer's label of an answer's key, as things are now; None: not shown."""
        return binding.description

    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < self.NARROW
        self.set_class(narrow, "-narrow")
        for button in self.query(Button):
            button.compact = narrow

    def on_button_pressed(self, event: Button.Pressed) -> None:
        for _, _, ident, value in self.answers:
            if event.button.id == ident:
                self.dismiss(value)
