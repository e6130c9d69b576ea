"""What a flow module prints while ``flowtop run`` imports it, made safe for the terminal.

A run process imports the flow file it runs itself (``run_start``), with the terminal's
``sys.stdout`` and ``sys.stderr``: an escape sequence a module printed at import
(``\\x1b]0;…\\x07`` retitles the window, ``\\x1b[2J`` clears it) reached the terminal raw,
where a task's output and every error are shown with :func:`~flowtop.printable.printable`'s
stand-ins (``␛``). While the import runs, both streams pass what Python code writes
through the same function. Bytes written to the file descriptors themselves
(``os.write(1, …)``, a C extension) still bypass it, as for a task.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TextIO, cast

from ..printable import PrintableStream


class PrintableText(PrintableStream):
    """A text stream's stand-in: ``write`` makes control characters visible (as human
    output's), and every other attribute (``isatty``, ``encoding``, ``fileno``) is the
    stream's own, so a module that asks what its stdout is gets the true answer."""

    def __init__(self, stream: TextIO, window: list[bool] | None = None) -> None:
        super().__init__(stream)
        #: ``[True]`` while the import runs, then ``[False]``, shared with the stand-in
        #: for its ``original``: a module that kept the stream (a logging handler, ``OUT =
        #: sys.stdout``, a Rich console) writes to it for the whole run, and its tasks'
        #: output must then reach ``--json`` and the store as it was.
        self.window = [True] if window is None else window

    def write(self, text: str, /) -> int:
        if isinstance(text, str) and self.window[0]:
            with suppress(OSError):  # lost, as a task's output would be: the run goes on
                super().write(text)
            return len(text)
        return self.stream.write(text)  # (not text: the stream's own TypeError)

    def flush(self) -> None:
        """Flush the stream; while the import runs, one that cannot take what the module
        printed loses it (see ``printable_output``)."""
        try:
            self.stream.flush()
        except OSError:
            if not self.window[0]:
                raise

    @property
    def original(self) -> Any:
        """Under the engine's capture proxy, the stream it passes through to (its
        ``original``, where its logging handler writes), made printable too."""
        inner = getattr(self.stream, "original", None)
        return self if inner is None else PrintableText(inner, self.window)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


#: The stand-ins once ``sys.stdout``/``sys.stderr``, kept for the process's life: CPython
#: 3.11's ``print`` holds the stream it got from ``sys`` without a reference of its own,
#: and a thread the module started at import, printing as the import ended, wrote through
#: a stand-in freed meanwhile (``flowtop run`` died of SIGSEGV in about a third of runs).
_RETIRED: list[PrintableText] = []


@contextmanager
def printable_output() -> Iterator[None]:
    """``sys.stdout`` and ``sys.stderr`` made printable (:class:`PrintableText`) for the
    block: a stream the block replaced itself stays as it left it.

    What the module prints that its stream cannot take (a stderr whose reader left, or
    on a full disk, where ``--json`` sends a module's prints) is lost: the print raised
    in the module, which failed to load, and ``flowtop run --json 2>&-``-like setups
    ended 141 (taken for stdout's reader leaving) or 1 before the run started, as plain
    output never did. The run goes on; stdout's own reader is watched by its printer."""
    saved = sys.stdout, sys.stderr
    shown = tuple(None if s is None else cast(TextIO, PrintableText(s)) for s in saved)
    if shown[0] is not None:
        sys.stdout = shown[0]
    if shown[1] is not None:
        sys.stderr = shown[1]
    try:
        yield
    finally:
        for stand_in in shown:
            if isinstance(stand_in, PrintableText):
                stand_in.window[0] = False  # from now on, as if it were the stream
                _RETIRED.append(stand_in)  # never freed: see ``_RETIRED``
        if shown[0] is not None and sys.stdout is shown[0]:
            sys.stdout = saved[0]
        if shown[1] is not None and sys.stderr is shown[1]:
            sys.stderr = saved[1]
