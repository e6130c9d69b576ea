"""A launched run that an exception stops before it starts ends saying so.

A run the monitor, a browser tab or ``--detach`` launched is reserved in the store first
(``run_start.Reservation``), then its flow file is imported, its runner made, and it
starts. The ways it is known to fail there end it "did not start: …" with their reason (a
flow file's error, a signal, a Dask scheduler that does not answer). Any other exception
there (a bug in flowtop, an ``OSError`` writing a file, a ``MemoryError``, an error of the
executor ``[defaults]`` names) left the run RUNNING, and the store's close then marked it
INTERRUPTED, "flowtop closed the store first": the monitor, ``watch`` and ``history`` said
nothing of the cause, which was in the run's log alone. Now the run ends FAILED, "did not
start: OSError: [Errno 28] No space left on device (flowtop/…/file.py:12, in write);
traceback in .flowtop/logs/ID.log", and the log keeps the traceback, which the process
prints as it exits, as before. A signal there ends it CANCELLED, as one during the import.

``commands/run.py`` closes the workspace in a ``finally`` around all it does with it, the
run's start included: so the run process's workspace (``RunWorkspace``) is where such an
exception is met, while the store is still open.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..workspace.workspace import Workspace

if TYPE_CHECKING:
    from ..engine.run import FlowRun
    from ..engine.runner import Runner
    from .run_start import Reservation

#: How much of an exception's message the reason keeps: it is one line of a table.
MESSAGE_CHARS = 300


class RunWorkspace(Workspace):
    """A run process's workspace, its run reserved (``reservation``, set once it is): an
    exception that closes it before the runner began that run ends the run as one that
    did not start (``end_unstarted``)."""

    reservation: Reservation | None = None
    #: Whether a runner of this workspace began the reserved run: its end is the run's.
    begun = False

    def make_runner(
        self,
        sinks: Iterable[Callable[[list[Any]], None]] = (),
        *,
        executor: str | None = None,
        record: bool = True,
        **kw: Any,
    ) -> Runner:
        runner = super().make_runner(sinks, executor=executor, record=record, **kw)
        before = runner.before_begin

        def begins(run: FlowRun) -> None:
            if self.reservation is not None and run.run_id == self.reservation.run_id:
                self.begun = True
            if before is not None:
                before(run)

        runner.before_begin = begins
        return runner

    def close(self) -> None:
        exc = sys.exc_info()[1]  # (closed in a ``finally``: what ends the command, if any)
        if exc is not None and self.reservation is not None and not self.begun:
            end_unstarted(self.reservation, exc)
        super().close()


def end_unstarted(reservation: Reservation, exc: BaseException) -> None:
    """End ``reservation``'s run, which ``exc`` stopped before it began: CANCELLED for a
    signal or Ctrl+C (``Stopped.why``), FAILED else, saying ``exc`` in one line (``said``),
    the run's log kept for its traceback. Nothing when it ended already. A failure to
    record it is not raised: ``exc`` is what ends the process."""
    if reservation.ended:
        return
    from ..workspace.load_error import Stopped

    with suppress(Exception):
        if isinstance(exc, KeyboardInterrupt):
            reservation.stop(getattr(exc, "why", Stopped.why))
        else:
            reservation.fail(said(exc, reservation.log), keep_log=True)


def said(exc: BaseException, log: Path | None = None) -> str:
    """``exc`` on one line, with where it was raised (the innermost frame), and the log
    that keeps its traceback when there is one: ``OSError: [Errno 28] No space left on
    device (flowtop/workspace/history.py:300, in close); traceback in .flowtop/logs/ID.log``."""
    kind = type(exc)
    name = kind.__qualname__
    if kind.__module__ != "builtins":
        name = f"{kind.__module__}.{name}"
    lines = str(exc).strip().splitlines()
    message = lines[0] if lines else ""
    if len(message) > MESSAGE_CHARS:
        message = message[: MESSAGE_CHARS - 1] + "…"
    text = f"{name}: {message}" if message else name
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        text += f" ({_shown(last.filename)}:{last.lineno}, in {last.name})"
    if log is not None and log.is_file():
        from ..workspace.load_error import display_path

        text += f"; traceback in {display_path(log)}"
    return text


def _shown(filename: str) -> str:
    """A frame's file: ``flowtop/…`` for flowtop's own, else as ``display_path`` says it."""
    from .. import __file__ as package

    top = Path(package).parent.parent
    try:
        return Path(filename).relative_to(top).as_posix()
    except ValueError:
        from ..workspace.load_error import display_path

        return display_path(filename)
