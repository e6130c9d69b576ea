"""What a task's state hooks print: kept with the task, as its attempts' output is.

A task's hooks run in the flowtop process, outside its attempt's capture: ``on_running``
just before the attempt, ``on_completion`` / ``on_failure`` just after its last (see
``task_runs``). What they printed went to the process's real streams: the terminal under
``flowtop run``, but for a run the TUI or ``--detach`` started, the run process's log file,
deleted once the run ended, so it was kept nowhere. Now it is captured (``aside``) and is
part of the attempt's output, in the store and history as any print: the ``on_running``
hooks' at its start (``prelude``: the attempt's capture begins with it, so a running
attempt's output shows it, and a cancelled or timed-out one keeps it), the final hooks'
at the end of the last attempt's. In a script (no monitor) it still reaches the terminal
as it comes (``echo``), as every print of a task's does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import capture


def aside(call: Callable[[], object], attempt: object, *, echo: bool = False) -> str:
    """What ``call()`` wrote, captured as an attempt's output is and returned: its prints
    and log lines on this thread, and on a thread it started with its context copied
    (``attempt``, as ``capture.begin`` takes it). ``echo``: also passed on to the real
    streams as it comes. This thread then captures as it did before: into a ``@flow``
    body's output, an async step's attempt, or nothing; its context is as it was."""
    local = capture._local
    saved = tuple(getattr(local, name, None) for name in ("buffer", "attempt", "tee"))
    line_start = local.line_start
    token = capture._attempt_context.set(None)
    capture._ensure_installed()
    buffer = capture.Captured()
    buffer.echo = echo
    capture._open_capture(buffer)
    local.buffer, local.attempt, local.tee = buffer, attempt, None
    capture.enter_attempt(buffer, attempt)
    try:
        call()
    finally:
        buffer.attempt = None  # over: a thread it started writes no more to it
        local.buffer, local.attempt, local.tee = saved
        local.line_start = line_start
        capture._attempt_context.reset(token)
        said = buffer.getvalue()  # closes it
    return said


def prelude(text: str, live: tuple[Any, Any]) -> None:
    """``text`` (what an attempt's ``on_running`` hooks printed) starts the output of the
    attempt this thread begins next: its ``capture.begin(attempt)``, or the event loop's
    capture of it (``aloop.start_attempt`` takes it here). ``live``: its run and task
    record, whose running output is followed (``Captured.live``)."""
    capture._local.prelude = (text, live)


def take_prelude() -> tuple[str, tuple[Any, Any]] | None:
    """The ``prelude`` this thread holds for the attempt it starts now, if any."""
    local = capture._local
    told: tuple[str, tuple[Any, Any]] | None = local.prelude
    if told is not None:
        local.prelude = None
    return told
