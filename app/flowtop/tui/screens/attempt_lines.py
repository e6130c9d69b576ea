"""The run page's attempts pane, line by line: a traceback wrapped under its own indent,
an output behind the ``│`` gutter the main screen's detail pane draws (``GUTTER``).

Apart from the page (``run_detail.py``, at its 600 lines): these make text, not widgets.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from ..widgets.detail_pane import GUTTER

#: A traceback line is wrapped under its indent while this many cells are left beside it.
MIN_WRAP = 20


def hang_indent(text: str, width: int, console: Console) -> str:
    """``text`` with each line longer than ``width`` cells wrapped at its words, the lines
    it goes on in indented as it is: wrapped by the pane, a traceback's
    `    raise ConnectionError(…` went on at the left edge, as if a line of its own. A line
    whose indent leaves less than ``MIN_WRAP`` cells, and all of it while ``width`` is
    not known (0), are left to the pane."""
    lines: list[str] = []
    for line in text.split("\n"):
        indent = line[: len(line) - len(line.lstrip(" "))]
        room = width - len(indent)
        if cell_len(line) <= width or room < MIN_WRAP:
            lines.append(line)
        else:
            parts = Text(line[len(indent) :]).wrap(console, room, overflow="fold")
            lines += [indent + part.plain.rstrip(" ") for part in parts]
    return "\n".join(lines)


def behind_gutter(output: str, wrap: Callable[[str], str] = str) -> Text:
    """``output``'s lines each behind a dim ``│`` (``GUTTER``), on every row a long one
    folds to where the pane's width is known (``wrap``, ``hang_indent``): ` trying hard`
    stood at the traceback's indent, as if a line of it. The main pane draws its own
    (``detail_pane.Gutter``); here the attempts are one ``Text``."""
    room = " " * len(GUTTER)
    lines = wrap("\n".join(room + line for line in output.rstrip("\n").split("\n")))
    text = Text()
    for line in lines.split("\n"):
        text.append(GUTTER, style="dim").append(line.removeprefix(room) + "\n")
    return text
