"""The `?` screen: every key the app answers to, from the app's own Binding objects.

Built from the bindings rather than written by hand, so a remapped key or a new action
shows here without anyone remembering to update a help text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import ClassVar

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from .form_dialog import FormDialog


def each_key(bindings: Iterable[BindingType]) -> Iterator[Binding]:
    """A binding per key (Textual's ``make_bindings``, which refuses a binding with no
    key); a binding with no key as it is: an action whose key ``[keys]`` gave to another
    (``key_clashes``), listed with none."""
    for binding in bindings:
        if isinstance(binding, Binding) and not binding.key:
            yield binding
        else:
            yield from Binding.make_bindings([binding])


def key_rows(
    bindings: Iterable[BindingType], display: Callable[[Binding], str]
) -> list[tuple[str, str, str]]:
    """(keys, description, tooltip) per action; keys of one action joined ("y / ⏎"); an
    action with no key has an empty key column."""
    rows: dict[tuple[str, str], tuple[list[str], str]] = {}
    for binding in each_key(bindings):
        description = binding.description or binding.action
        keys, _ = rows.setdefault((binding.action, description), ([], binding.tooltip))
        shown = display(binding)
        if shown not in keys:
            keys.append(shown)
    return [(" / ".join(keys), desc, tip) for (_, desc), (keys, tip) in rows.items()]


#: Textual's own key that quits (``App.BINDINGS``), which no flowtop binding names.
QUIT_KEY = "ctrl+q"


#: Narrower than this, a key's description goes under its name: in three columns at 40
#: cells the descriptions were a word a line ("Start a / new run / of the / select…").
THREE_COLUMNS = 60


class KeyTable:
    """The keys as a grid fitted to the width it is drawn at: key, name and description
    side by side, or on a narrow screen the description under the name."""

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        wide = options.max_width >= THREE_COLUMNS
        table = Table.grid(padding=(0, 2) if wide else (0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(no_wrap=wide)
        if wide:
            table.add_column(style="dim")
        for keys, description, tooltip in self.rows:
            if wide:
                table.add_row(Text(keys), Text(description), Text(tooltip))
            else:
                table.add_row(Text(keys), Text.assemble(description, "\n", (tooltip, "dim")))
        yield table


class _KeysScroll(VerticalScroll):
    """The dialog's scroll. It answers to the keys the help lists for moving (`j k g G`
    beside the arrows, Home and End), and each key scrolls as it is read: Textual's
    scrolled after the next frame from where the last scroll was headed, so twenty `↓`
    read in one burst scrolled one line (and `Home ↓` ended at the top). It pages by the
    rows that show between its docked title and hint: by its whole height, a page
    skipped as many rows as they take (at 80×24, `h History` and `? Help` were never
    shown by paging)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
        Binding("g", "scroll_home", "First", show=False),
        Binding("G", "scroll_end", "Last", show=False),
    ]

    def _shown_rows(self) -> int:
        docked = sum(
            child.outer_size.height + child.styles.margin.top + child.styles.margin.bottom
            for child in self.query_children(".-docked")
        )
        return max(1, self.scrollable_content_region.height - docked)

    def _scroll_now(self, y: float) -> None:
        """To line ``y`` (held between the top and the bottom) before the next key."""
        self.scroll_to(y=y, animate=False, immediate=True)

    def action_scroll_down(self) -> None:
        self._scroll_now(self.scroll_y + 1)

    def action_scroll_up(self) -> None:
        self._scroll_now(self.scroll_y - 1)

    def action_scroll_home(self) -> None:
        self._scroll_now(0)

    def action_scroll_end(self) -> None:
        self._scroll_now(self.max_scroll_y)

    def action_page_down(self) -> None:
        self._scroll_now(self.scroll_y + self._shown_rows())

    def action_page_up(self) -> None:
        self._scroll_now(self.scroll_y - self._shown_rows())


class HelpScreen(FormDialog[None]):
    DEFAULT_CSS = """
    HelpScreen #dialog { width: 90; }
    HelpScreen #title { dock: top; padding-bottom: 1; }
    HelpScreen #hint { dock: bottom; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close", priority=True),
        # Textual's own ctrl+q is the app's ``quit``, which ``CLOSES_WITH`` turns off here.
        Binding(QUIT_KEY, "quit_app", show=False, priority=True),
    ]
    #: The app's actions whose keys close this screen instead (``FlowtopApp.check_action``).
    CLOSES_WITH: ClassVar[frozenset[str]] = frozenset({"help", "quit"})

    def __init__(self, bindings: Iterable[BindingType]) -> None:
        """``bindings``: the keys to list, with the app's help and quit keys as bound now
        (``[keys]`` in flowtop.toml): those close the help too, as `?` and `q` do. A
        rebound quit key did nothing here (``CLOSES_WITH`` turned its action off and no
        binding of the help's took the key), and the hint named `q`."""
        super().__init__()
        self.rows: list[tuple[str, str, str]] = []
        self._help_bindings = list(bindings)
        rebound = [
            b.key
            for b in each_key(self._help_bindings)
            if b.action in self.CLOSES_WITH
            and b.key
            and b.key not in (*self._own_closing_keys(), QUIT_KEY)  # ctrl+q quits here
        ]
        if rebound:
            self._bindings.bind(",".join(rebound), "dismiss", priority=True)

    @classmethod
    def _own_closing_keys(cls) -> list[str]:
        return [b.key for b in Binding.make_bindings(cls.BINDINGS) if b.action == "dismiss"]

    def closing_keys(self) -> list[str]:
        """Every key that closes the help: its own (Esc, `?`, `q`), then the app's help
        and quit keys as rebound."""
        return [
            key
            for key, bindings in self._bindings.key_to_bindings.items()
            if any(b.action == "dismiss" for b in bindings)
        ]

    def action_quit_app(self) -> None:
        """ctrl+q quits from here, as the hint says: the help goes, then the app's quit
        acts (asking first about live runs started here) on the screen below. It did
        nothing: its action is the app's ``quit``, turned off here (``CLOSES_WITH``)."""
        self.dismiss()
        self.app.call_later(self.app.run_action, "quit")

    def _hint(self) -> str:
        """The closing keys and the app's own two, each written as the rows write keys
        (``esc``, ``^p``): it said `Escape` and `ctrl+p` under rows that say `esc` and `^z`."""
        shown = self.app.get_key_display
        closes = [shown(Binding(key, "dismiss")) for key in self.closing_keys()]
        palette = shown(Binding(self.app.COMMAND_PALETTE_BINDING, "command_palette"))
        quits = shown(Binding(QUIT_KEY, "quit"))
        return f"{', '.join(closes[:-1])} or {closes[-1]} closes · {palette} command palette · {quits} quits"

    def _as_here(self, bindings: Iterable[BindingType]) -> list[Binding]:
        """The app's keys, each one that closes this screen instead of acting (`?`, `q`)
        saying so in its row, and `q` which key quits: the row read `q  Quit` while `q`
        closed the help."""
        shown = self.app.get_key_display
        closing = set(self.closing_keys())
        quits = shown(Binding(QUIT_KEY, "quit"))
        here = []
        for binding in each_key(bindings):
            if binding.key in closing and binding.action in self.CLOSES_WITH:
                note = f"on this screen {shown(binding)} closes the help"
                if binding.action == "quit":
                    note += f", {quits} quits"
                binding = replace(binding, tooltip="; ".join(filter(None, (binding.tooltip, note))))
            here.append(binding)
        return here

    def compose(self) -> ComposeResult:
        self.rows = key_rows(self._as_here(self._help_bindings), self.app.get_key_display)
        table = KeyTable(self.rows)
        # The dialog scrolls its keys between a title and a hint docked to its edges: a
        # scrolling part inside an auto-height dialog took the dialog's whole height, and
        # its last rows and the hint were drawn past the screen's bottom edge.
        with _KeysScroll(id="dialog"):
            yield Static("Keys", id="title", classes="-docked")
            yield Static(self._hint(), id="hint", classes="-docked")
            yield Static(table, id="table")
