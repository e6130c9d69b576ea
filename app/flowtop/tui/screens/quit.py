"""``q`` with live runs started here: keep them running, cancel them, or stay.

Runs execute in processes of their own, so leaving the TUI need not stop them; but a
user who pressed ``q`` may also mean "stop everything". The dialog asks, with keeping
them as the default (Enter), and ``[tui] on_quit`` can answer once and for all. The runs
go on while it asks: its list follows them, and once none is left it quits, as asked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Literal

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Button, Static
from textual.widgets.button import ButtonVariant

from flowtop.formats import names_and_more, plural
from flowtop.tui.screens.choice import ChoiceScreen

QuitChoice = Literal["keep", "cancel", "stay"]


class QuitScreen(ChoiceScreen[QuitChoice]):
    """Dismisses "keep" (k, Enter), "cancel" (c) or "stay" (s, Escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k,enter", "choose('keep')", "Keep running", id="quit.keep", priority=True),
        Binding("c", "choose('cancel')", "Cancel", id="quit.cancel", priority=True),
        Binding("s,escape", "choose('stay')", "Stay", id="quit.stay", priority=True),
    ]

    #: How often the dialog looks at which of its runs are still live (seconds).
    RECHECK = 0.5

    def __init__(
        self,
        live: list[str],
        *,
        can_keep: bool = True,
        still_live: Callable[[], list[str]] | None = None,
    ) -> None:
        """``live``: the runs asked about ("flow #n"); ``still_live``: which are live now."""
        self.can_keep = can_keep
        self.live = live
        self.still_live = still_live
        answers: list[tuple[str, ButtonVariant, str, QuitChoice]] = []
        if can_keep:
            answers.append(("Keep running (k)", "primary", "keep", "keep"))
        answers += [
            (self._cancel_label(), "error", "cancel", "cancel"),
            ("Stay (s)", "default", "stay", "stay"),
        ]
        super().__init__(self._question(), answers)

    def _question(self) -> str:
        live = self.live
        runs = names_and_more(live, 5)
        one = len(live) == 1
        count = plural(len(live), "run")
        are, them = ("is", "it") if one else ("are", "them")
        if not self.can_keep:
            return f"{count} {are} still running: {runs}.\nQuitting cancels {them}."
        return (
            f"{count} started here {are} still running: {runs}.\n"
            f"Keep {them} running in the background (watch {them} with `flowtop watch` or "
            f"by opening flowtop again), or cancel {them}?"
        )

    def _cancel_label(self) -> str:
        return f"Cancel {'it' if len(self.live) == 1 else 'them'} (c)"

    def footer_label(self, binding: Binding) -> str | None:
        """`c Cancel it` for one run, as its button says; no `k` where keeping is no answer."""
        if binding.id == "quit.cancel":
            return self._cancel_label().removesuffix(" (c)")
        if binding.id == "quit.keep" and not self.can_keep:
            return None
        return binding.description

    def on_mount(self) -> None:
        super().on_mount()
        if self.still_live is not None:
            self.set_interval(self.RECHECK, self._recheck)

    def _recheck(self) -> None:
        """A run that ended meanwhile leaves the question; with none left, quit ("keep":
        nothing is left to keep or cancel). Not under the help (`?`): ``dismiss`` pops the
        top screen, so it closed the help, and quitting then took the page being read."""
        assert self.still_live is not None
        if not self.is_active:
            return
        live = self.still_live()
        if not live:
            self.dismiss("keep")
        elif live != self.live:
            self.live = live
            self.query_one("#question", Static).update(Text(self._question()))
            self.query_one("#cancel", Button).label = self._cancel_label()
            self.query_one("#dialog-keys").refresh()

    def action_choose(self, choice: QuitChoice) -> None:
        if choice != "keep" or self.can_keep:
            self.dismiss(choice)
