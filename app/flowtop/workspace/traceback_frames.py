"""The frames of a traceback kept as text, read so that a file's name cannot forge one.

The store keeps an attempt's traceback as Python printed it, and the views that name a
place read its frames back from that text (``flowtop run``'s "(etl.py:36 in load)", the
monitor's key that opens the failing line in an editor). Python prints a frame as
``  File "NAME", line N, in FUNCTION`` with NAME as it is, quotes and line breaks too: a
flow file named ``etl", line 5, in x.py`` printed ``File "/w/etl", line 5, in x.py",
line 6, in boom``, which a pattern reading NAME up to its first quote took for line 5 of
``/w/etl``, in a function ``x.py", line 6, in boom``. Two rules read it right:

- A function's name never holds a quote (an identifier, ``<module>``, ``<lambda>``), so a
  frame ends at the last ``", line N, in `` of its line, whatever NAME holds before.
- A NAME with a line break goes on over the lines after it, and a line in it may look like
  a frame of its own. Where the frame's line reads as a file that is not there, the reading
  over more lines that names a file that is (``known``) is taken instead.

Frames are read only after Python's heading (``Traceback (most recent call last):``), and
not in the exception's own message (``message``), which a task writes as it likes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

#: One frame: (file, line, function), outermost first, as ``engine.records.users_line``
#: takes them.
Frame = tuple[str, int, str]

_HEADING = "Traceback (most recent call last):"
#: A frame's first line: Python's two spaces, or an exception group's ``|`` margin (a
#: source line, four spaces in, is none).
_START = re.compile(r'(?:  |[ |]*\|   )File "')
#: A frame's end: the last ``", line N, in FUNCTION`` of a line (FUNCTION holds no quote).
_END = re.compile(r'", line (\d+), in ([^"\n]*)\Z')
#: Longest file name a frame is read over (``PATH_MAX``), line breaks and all.
LONGEST_NAME = 4096


def on_disk(file: str) -> bool:
    """Whether a frame's ``file`` names what is there: a file, or no file at all (Python's
    ``<frozen importlib._bootstrap>``, ``<string>``), which no name could forge."""
    return file.startswith("<") or os.path.exists(file)


def traceback_frames(
    text: str, *, message: str = "", known: Callable[[str], bool] = on_disk
) -> list[Frame]:
    """The frames of the traceback(s) in ``text``, outermost first, each read as the
    module's docstring says; ``message``: the exception's message, after the frames
    (its notes may follow), no place to read frames in. ``known(file)``: whether a frame's file is there."""
    cut = text.rfind(message) if message else -1
    if cut >= 0:  # (notes and a group's tracebacks may follow it: ``add_note``)
        text = text[:cut]
    start = text.find(_HEADING)
    if start < 0:
        return []
    lines = text[start:].split("\n")
    seen: dict[str, bool] = {}  # (a recursion's frames name one file a thousand times)

    def there(file: str) -> bool:
        found = seen.get(file)
        if found is None:
            found = seen[file] = known(file)
        return found

    frames: list[Frame] = []
    at = 0
    while at < len(lines):
        begun = _START.match(lines[at])
        if begun is None:
            at += 1
            continue
        read = _frame_at(lines, at, begun.end(), there)
        if read is None:
            at += 1
            continue
        frame, at = read
        frames.append(frame)
    return frames


def _may_go_on(name: str, known: Callable[[str], bool]) -> bool:
    """Whether a file's name that starts with ``name`` (its first line) may go on over
    the next lines once a reading of it was found: only when the folder its first line
    names is there. A frame of a file deleted since (history read after a rename, or on
    another machine) read on over 4,096 characters of the lines after it, for each frame:
    a deep recursion's thousand frames took half a second."""
    folder = name.split("\n", 1)[0].rpartition("/")[0]
    return not folder or known(folder)


def _frame_at(
    lines: list[str], first: int, name_at: int, known: Callable[[str], bool]
) -> tuple[Frame, int] | None:
    """The frame whose line is ``lines[first]`` (its NAME from ``name_at``), with the
    index of the line after it; None when no reading ends it within ``LONGEST_NAME``."""
    readings: list[tuple[Frame, int]] = []
    joined = lines[first][name_at:]
    at, last_at = first, 0  # where in ``joined`` its last line starts
    while True:
        end = _END.search(joined, last_at)  # (an end is on one line: only the last is new)
        if end is not None:
            file = joined[: end.start()]
            reading = ((file, int(end[1]), end[2]), at + 1)
            if known(file):
                return reading
            if not readings:  # the nearest: taken unless a longer one names a file there
                readings.append(reading)
        at += 1
        if at >= len(lines) or len(joined) > LONGEST_NAME:
            break
        if readings and not _may_go_on(joined, known):  # a reading, and no longer one can be
            break
        last_at = len(joined) + 1
        joined += "\n" + lines[at]
    return readings[0] if readings else None
