"""Colours for state words outside the table, in the 16 ANSI colours.

Colour only repeats what the symbol already says, so ``NO_COLOR`` loses nothing.
The table itself is styled from ``flowtop.tcss`` (component classes, theme variables).
"""

LOOK_STYLE = {
    "completed": "green",
    "reused": "green",
    "failed": "bold red",
    "retry": "yellow",
    "running": "cyan",
    "pending": "",
    "upstream": "magenta",
    "cancelled": "",
    "notrun": "",
}
