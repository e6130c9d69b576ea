"""A flow file imported as ``python file.py`` would run it.

``sys.argv`` is ``[file]`` during its import: a module-level ``parse_args()`` read
flowtop's own command line, and its "usage: flowtop ... unrecognized arguments: run
daily.py" looked like flowtop's CLI refusing it. Its stderr is watched meanwhile, so an
exit at import can say why (argparse prints its reason, then exits: ``import_error``).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO, cast


class StderrTail:
    """``sys.stderr`` while a flow file imports: writes through, keeping the end of what
    was written, so an exit at import can say why (argparse prints its reason, then exits)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tail = ""

    def write(self, text: str) -> int:
        self.tail = (self.tail + text)[-4096:]
        return self.stream.write(text)

    def last_line(self) -> str:
        lines = [line.strip() for line in self.tail.splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def __getattr__(self, name: str) -> Any:  # flush, fileno, isatty, encoding...
        return getattr(self.stream, name)


@contextlib.contextmanager
def as_script(path: Path) -> Iterator[StderrTail]:
    """Import ``path`` as ``python path`` runs it: ``sys.argv`` is ``[path]`` (a module-level
    ``parse_args()`` read flowtop's own command line, and its "usage: flowtop ...
    unrecognized arguments: run daily.py" looked like flowtop's CLI refusing it), and its
    stderr is watched for ``import_error``. Both are put back after."""
    argv, stderr = sys.argv, sys.stderr
    tail = StderrTail(stderr)
    watched = cast(TextIO, tail)
    sys.argv, sys.stderr = [str(path)], watched
    try:
        yield tail
    finally:
        sys.argv = argv
        if sys.stderr is watched:  # (a file that set its own keeps it, as in a script)
            sys.stderr = stderr
