"""Styles of state words outside the table, in the 16 ANSI colours, and the plain looks.

Colour only repeats what the symbol already says. Without colour (``NO_COLOR``, where
Textual greys every colour by its luminance, so dark red on black becomes grey on grey;
a monochrome terminal, ``vt100``, which shows none) and on 16-colour terminals, a failure
stands out by weight and reverse video instead.
The table's rules for its states are made from these same tables (``table_css``), so a
state (a countdown, a failure) looks the same in the table, the header and the detail
pane, and a colour is changed here, once.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from rich.color import ColorType
from rich.style import Style
from rich.terminal_theme import TerminalTheme

if TYPE_CHECKING:
    from textual.app import App

LOOK_STYLE: Mapping[str, str] = {
    "completed": "green",
    "reused": "green",
    "failed": "bold red",
    "retry": "yellow",
    "running": "cyan",
    "pending": "",
    "upstream": "magenta",
    "cancelled": "",
    "interrupted": "yellow",
    "notrun": "",
    "error": "red",  # error text: messages, load errors
    "layer": "cyan",  # a policy value set above the builtin layer
}

#: ``NO_COLOR``: no colour at all; a failure is bold reverse video, error text bold.
PLAIN_LOOK_STYLE: Mapping[str, str] = {
    **dict.fromkeys(LOOK_STYLE, ""),
    "reused": "italic",
    "failed": "bold reverse",
    "error": "bold",
    "layer": "bold",
}

#: 16 colours: the colours stay, a failure is also in reverse video.
ANSI16_LOOK_STYLE: Mapping[str, str] = {**LOOK_STYLE, "failed": "bold reverse red"}

#: The task table's own emphasis, in every mode: a reused result is also italic there,
#: where its row sits among completed ones of the same green.
TABLE_EMPHASIS: Mapping[str, str] = {"reused": "italic"}
#: Rich's names of text styles that TCSS's ``text-style`` takes too.
_TEXT_STYLES = ("bold", "dim", "italic", "underline", "strike", "reverse")


def table_css(names: Iterable[str]) -> str:
    """The task table's rules for its looks ``names`` (its ``task-table--NAME`` component
    classes), made from ``LOOK_STYLE`` and the other modes' tables: a look with no colour
    is muted there (``$text-muted``: the rows still to run recede), except under
    ``NO_COLOR``, where every look is the foreground (``-plain``: no colours at all). A
    16-colour terminal (``-ansi16``) gets a rule only where its table differs; a
    monochrome one (``-mono``) gets ``NO_COLOR``'s."""
    names = list(names)
    rules = [_rule("TaskTable", name, LOOK_STYLE, "$text-muted") for name in names]
    rules += [
        _rule("TaskTable.-ansi16", name, ANSI16_LOOK_STYLE, "$text-muted")
        for name in names
        if ANSI16_LOOK_STYLE[name] != LOOK_STYLE[name]
    ]
    rules += [
        _rule(f"TaskTable.-{mode}", name, PLAIN_LOOK_STYLE, "$foreground")
        for mode in ("plain", "mono")
        for name in names
    ]
    return "\n".join(rules)


def _rule(selector: str, name: str, styles: Mapping[str, str], no_colour: str) -> str:
    """One look's rule: its Rich style (and the table's emphasis) as TCSS, its colour the
    terminal's own ANSI one (``red``: ``ansi_red``), as the header and detail pane draw it."""
    if name not in styles:
        raise KeyError(f"state_colors: the task table has a look {name!r} that LOOK_STYLE lacks")
    style = Style.parse(styles[name]) + Style.parse(TABLE_EMPHASIS.get(name, ""))
    colour = no_colour
    if style.color is not None:
        if style.color.type is not ColorType.STANDARD:
            raise ValueError(
                f"state_colors: look {name!r}: colour {style.color.name!r} is not one of the"
                " 16 ANSI colours (the table's rules name them as TCSS does: ansi_red)"
            )
        colour = f"ansi_{style.color.name}"
    declared = f"color: {colour};"
    if text_style := " ".join(attr for attr in _TEXT_STYLES if getattr(style, attr)):
        declared += f" text-style: {text_style};"
    return f"{selector} > .task-table--{name} {{ {declared} }}"


#: The 16 colours Rich matches a colour against to draw it on a 16-colour terminal (the
#: VGA ones). Textual turns each ANSI colour into RGB by its terminal theme first, then
#: into the nearest of these: with its default theme (Monokai) yellow came out bright
#: red and red came out magenta, so a waiting retry looked redder than a failure. With
#: this theme each ANSI colour comes back as itself, in the user's own palette.
STANDARD_16 = TerminalTheme(
    (0, 0, 0),
    (170, 170, 170),
    [
        (0, 0, 0),
        (170, 0, 0),
        (0, 170, 0),
        (170, 85, 0),
        (0, 0, 170),
        (170, 0, 170),
        (0, 170, 170),
        (170, 170, 170),
    ],
    [
        (85, 85, 85),
        (255, 85, 85),
        (85, 255, 85),
        (255, 255, 85),
        (85, 85, 255),
        (255, 85, 255),
        (85, 255, 255),
        (255, 255, 255),
    ],
)


#: Terminals that show no colour at all, which Rich takes for 16-colour ones (it reads
#: ``TERM`` for ``256color`` only): the DEC terminals, and terminfo's ``-m``/``-mono``
#: entries (``xterm-mono``, ``linux-m``).
MONOCHROME_TERMS = frozenset({"vt52", "vt100", "vt102", "vt220", "vt320", "vt420", "vt510"})


def monochrome(term: str) -> bool:
    """Whether ``TERM`` names a terminal without colours (``vt100``, ``xterm-mono``)."""
    base = term.split("-", 1)[0]
    return base in MONOCHROME_TERMS or term.endswith(("-m", "-mono"))


def colour_mode(app: App[Any]) -> str:
    """``"mono"`` on a terminal with no colours (``vt100``, under ``NO_COLOR`` too: plain
    looks, no colour drawn at all, and the cursor's row in reverse video, as colour alone
    cannot show it), ``"plain"`` under ``NO_COLOR``, ``"ansi16"`` on a 16-colour terminal,
    else ``"full"``.

    ``app.colour_mode`` (FlowtopApp's, when set) wins. Headless (tests, snapshots) has no
    terminal to ask, so it is ``"full"`` (``"plain"`` under ``NO_COLOR``) whatever ``TERM``
    the test runner happens to have.
    """
    forced = getattr(app, "colour_mode", None)  # only FlowtopApp has one: widgets live in others
    if isinstance(forced, str):
        return forced
    if not app.is_headless and monochrome(os.environ.get("TERM", "")):
        return "mono"  # NO_COLOR's greys came out there as the 16 colours' black and grey
    if app.no_color:
        return "plain"
    if app.is_headless:
        return "full"
    if app.console.color_system in ("standard", "windows"):
        return "ansi16"
    return "full"


def looks(app: App[Any]) -> Mapping[str, str]:
    """The look name -> Rich style map for ``app``'s terminal."""
    mode = colour_mode(app)
    if mode in ("plain", "mono"):
        return PLAIN_LOOK_STYLE
    if mode == "ansi16":
        return ANSI16_LOOK_STYLE
    return LOOK_STYLE
