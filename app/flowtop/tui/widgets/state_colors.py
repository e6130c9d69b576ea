"""Styles of state words outside the table, in the 16 ANSI colours, and the plain looks.

Colour only repeats what the symbol already says. Without colour (``NO_COLOR``, where
Textual greys every colour by its luminance, so dark red on black becomes grey on grey)
and on 16-colour terminals, a failure stands out by weight and reverse video instead.
The table is styled from ``flowtop.tcss`` with the same ANSI colours, so a state (a
countdown, a failure) looks the same in the table, the header and the detail pane.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

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


def colour_mode(app: App[Any]) -> str:
    """``"plain"`` under ``NO_COLOR``, ``"ansi16"`` on a 16-colour terminal, else ``"full"``.

    ``app.colour_mode`` (FlowtopApp's, when set) wins. Headless (tests, snapshots) has no
    terminal to ask, so it is ``"full"`` whatever ``TERM`` the test runner happens to have.
    """
    forced = getattr(app, "colour_mode", None)  # only FlowtopApp has one: widgets live in others
    if isinstance(forced, str):
        return forced
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
    if mode == "plain":
        return PLAIN_LOOK_STYLE
    if mode == "ansi16":
        return ANSI16_LOOK_STYLE
    return LOOK_STYLE
