"""What a terminal leaves of a line its writer rewrote after a carriage return.

``\\r`` moves the cursor to the line's first column; what comes next is drawn over the
line cell by cell and erases nothing past its own end: ``ERROR: disk full\\rOK`` leaves
``OKROR: disk full``. Showing only the last version (``OK``) let a task, or a library it
calls, hide an error line from every human view. Every view of a task's output (``run``,
``watch``, ``history --run``, the monitor) folds its lines here, through
:func:`flowtop.printable.as_left_on_screen`: a progress bar redrawn at the same length
reads as its last version, a shorter rewrite leaves the rest of the longer one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .printable import _CONTROL, _PICTURES, EMOJI_PRESENTATION, drawn_as_measured

#: Tab stops, every 8 columns, as terminals and Rich set them.
TAB = 8

#: Characters one cell wide each (Rich's own list): a line of only these is overlaid as
#: strings, without measuring (a progress bar's thousands of versions).
_ONE_CELL = frozenset(
    chr(code)
    for start, end in (
        (0x20, 0x7E),
        (0xA0, 0xAC),
        (0xAE, 0x2FF),
        (0x370, 0x482),
        (0x2500, 0x25FC),
        (0x2800, 0x28FF),
    )
    for code in range(start, end + 1)
)


def left_on_screen(output: str, *, carriage: str = "\r") -> str:
    """``output`` as a terminal leaves it: each line's versions (between ``carriage``\\s)
    drawn over each other from its first column; ``\\r\\n`` ends a line as ``\\n`` does.
    ``carriage``: ``"␍"`` in text made printable."""
    if carriage not in output:
        return output
    lines = output.split("\n")
    return "\n".join(
        _overlaid(line.split(carriage)) if carriage in line else line for line in lines
    )


def _overlaid(versions: list[str]) -> str:
    """One line's ``versions``, each drawn over those before it from the first column."""
    if all(map(_ONE_CELL.issuperset, versions)):
        shown = ""
        for version in versions:
            shown = version + shown[len(version) :]
        return shown
    line = _Line()
    for version in versions[_last_whole(versions) :]:
        line.draw(version)
    return line.text()


def _last_whole(versions: list[str]) -> int:
    """Where to start drawing ``versions``: at the last one as wide as every one before
    it, which covers all they left (a progress bar's thousands of versions are not drawn
    one by one). One with a control character or a tab is no start, and counts as up to
    ten cells a character (``\\U000e0067``); none after one that starts with a mark
    joining nothing is a start (the mark is kept before the line)."""
    from rich.cells import get_character_cell_size, split_graphemes

    whole = widest = 0
    for index, version in enumerate(versions):
        if _SPLIT.search(version):
            widest = max(widest, 10 * len(version))
            continue
        if version and not get_character_cell_size(version[0]):  # kept: it takes no cell
            break
        shown = _emoji_as_shown(version)
        width = len(shown) if _ONE_CELL.issuperset(shown) else split_graphemes(shown)[1]
        if width >= widest:
            whole = index
        widest = max(widest, width)
    return whole


class _Line:
    """A terminal's line: ``cells[column]`` the text drawn from that column (a character
    and what joins it), ``""`` for a column a wide character or a tab before it covers;
    ``lead`` what takes no cell, written at the first column before any character."""

    def __init__(self) -> None:
        self.cells: list[str] = []
        self.lead = ""

    def text(self) -> str:
        return self.lead + "".join(self.cells)

    def draw(self, version: str) -> None:
        """Draw ``version`` from the first column, as after a carriage return."""
        column = 0
        run: list[str] = []  # the cells drawn since the last tab
        last = 0  # where its last character starts
        for piece, width in _pieces(version):
            if piece == "\t":  # moves to the next stop; columns past the end stay blank
                column = self._put(column, run)
                run = []
                stop = (column // TAB + 1) * TAB
                if stop > len(self.cells):
                    self.cells += ["\t", *[""] * (stop - len(self.cells) - 1)]
                column = stop
            elif width:
                last = len(run)
                run += [piece, *[""] * (width - 1)]
            elif run:  # it joins the character before it
                run[last] += piece
            elif column:
                self.cells[self._owner(column - 1)] += piece
            else:  # nothing before it at all
                self.lead += piece
        self._put(column, run)

    def _put(self, column: int, run: list[str]) -> int:
        """Draw the cells of ``run`` from ``column``, and say the column after them: a
        wide character drawn over by half is blanked, as a terminal erases it."""
        if not run:
            return column
        end = column + len(run)
        cells = self.cells
        if column < len(cells) and not cells[column]:  # the right half of one
            owner = self._owner(column)
            cells[owner:column] = [" "] * (column - owner)
        after = end
        while after < len(cells) and not cells[after]:  # the rest of one begun under it
            cells[after] = " "
            after += 1
        cells[column:end] = run
        return end

    def _owner(self, column: int) -> int:
        """The column where the character covering ``column`` starts."""
        while not self.cells[column]:
            column -= 1
        return column


#: What :func:`flowtop.printable.printable` shows as a stand-in, and the tab: kept apart.
_SPLIT = re.compile("(" + _CONTROL.pattern + "|\t)")


def _pieces(version: str) -> Iterator[tuple[str, int]]:
    """``version``'s characters, each with what joins it and the cells it takes as
    flowtop shows it: a control character as its stand-in (``␛``; ``\\x9b`` is four
    characters, drawn over one by one), an emoji as :func:`drawn_as_measured` asks for
    it; a tab as ``("\\t", 0)``, the cursor's move to the next stop."""
    from rich.cells import split_graphemes  # 1 ms: only for a line such output rewrites

    for index, part in enumerate(_SPLIT.split(_emoji_as_shown(version))):
        if part == "\t":
            yield part, 0
        elif index % 2:  # as shown: its stand-in's characters (``\\x9b`` drawn over by half)
            yield from ((shown, 1) for shown in _PICTURES.get(ord(part), part))
        elif part:
            yield from ((part[start:end], width) for start, end, width in split_graphemes(part)[0])


def _emoji_as_shown(version: str) -> str:
    """``version`` with its emoji as :func:`drawn_as_measured` asks for them."""
    return drawn_as_measured(version) if EMOJI_PRESENTATION in version else version
