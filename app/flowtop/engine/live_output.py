"""A running attempt's output while it runs: the monitor shows a long task's prints as
they come, not only once its attempt has ended.

An attempt on a pool thread or the event loop writes into its ``capture.Captured``, which
joins its run's ``FlowRun.live_output`` at its first write (``printed``), or its first
child's start in a launched run (``child_files``: each look takes what its children
wrote), until the attempt returns (``ended``). While a sink listens and some attempt of
the run has printed, the watchdog's thread takes what each such attempt wrote since it
last looked, twice a second, and emits it as a ``TaskOutput`` under the run's lock, so
it reaches every sink before the attempt's own end (which still carries the whole output). Past
``capture.MAX_CAPTURE`` it goes on from the capture's tail: what it no longer holds, or
more than ``MOST`` since the last look, is told as a count on a line of its own, with the
count of all skipped so far after the first (every piece is a row of the run store, and
the monitor shows the last lines: ``skipped_note``); below it, every piece is whole. A
run whose tasks print nothing costs nothing here, not even a timer. Attempts in another
process (``--executor``) show their output when they end.

A ``@flow`` body's own output is followed the same way, under ``BODY`` (its pieces'
``task`` is ``FLOW_BODY``): it rode only on the run's end, so a run whose process was
killed lost all of it, and ``flowtop watch --json`` and the monitor showed none of it
until the body returned. As the body returns, what it wrote since its last piece goes as
one more (``ended``), before its run's end: its pieces join to its whole output.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from .call_guard import engine_code
from .events import FLOW_BODY, TaskOutput
from .states import StateType

if TYPE_CHECKING:
    from .attempt_output import AttemptOutput
    from .run import FlowRun

#: How often the output of a run's running attempts is looked at (seconds).
EVERY = 0.5
#: The most one look sends of an attempt's output once its capture dropped a middle
#: (characters); before it, a count. Below that cap a look sends all that came.
MOST = 8 * 1024

#: Guards which runs are followed. Never held with a run's lock taken after it, and a
#: first print may come under a run's lock (a log line of flowtop's own): a lock of its own.
_arming = threading.Lock()
_followed: set[str] = set()  # run ids
#: By followed run (id): how far its pieces went in each output (``_look``'s ``sent``),
#: read and written under its lock, where its ``@flow`` body's last piece goes on from
#: (``ended``). Made and dropped with its id in ``_followed``.
_sent: dict[str, dict[AttemptOutput, tuple[int, bool, int]]] = {}


class Followed(Protocol):
    """What a followed output is the output of: a task's running attempt (its ``TaskRun``)
    or a ``@flow`` body (``BODY``)."""

    @property
    def key(self) -> str: ...

    @property
    def attempt(self) -> int: ...

    @property
    def state(self) -> StateType: ...


class _Body:
    """A ``@flow`` body, as ``Followed``: running while followed (``ended`` drops it as it
    returns), its pieces told apart from any task's by an empty key."""

    __slots__ = ()
    key = FLOW_BODY
    attempt = 0
    state = StateType.RUNNING


#: The key of a run's ``live_output`` that is its ``@flow`` body's (``Captured.live``).
BODY: Followed = _Body()


def _forked() -> None:
    """In a child forked from this process: ``_arming`` anew (another thread may have held
    it at the fork, and no thread of the child would ever release it)."""
    global _arming
    _arming = threading.Lock()


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_forked)


def printed(captured: AttemptOutput, run: FlowRun, tr: Followed) -> None:
    """The attempt of ``tr`` writing into ``captured`` printed for the first time: follow it
    while it runs, and start looking at ``run``'s output unless something already does.
    From the attempt's ``print``: flowtop's code, not interrupted halfway (``call_guard``)."""
    with engine_code():
        _follow(captured, run, tr)


def _follow(captured: AttemptOutput, run: FlowRun, tr: Followed) -> None:
    with _arming:
        if captured.live is None:  # ended meanwhile (a thread of its own printing, or
            return  # starting a child, as it returned): followed, it would be for good
        run.live_output[tr] = captured
        if captured.live is None:  # ended as it was added, not seeing it: taken off here
            del run.live_output[tr]
            return
        if run.run_id in _followed or not run._bus.has_sinks:
            return
        _followed.add(run.run_id)
        sent: dict[AttemptOutput, tuple[int, bool, int]] = {}
        _sent[run.run_id] = sent
    _look_later(run, sent)


def ended(captured: AttemptOutput) -> None:
    """The attempt writing into ``captured`` returned: it is no longer followed (unless
    a retry of it, after a timeout, took its place). One that printed nothing is followed
    too once it started a child (``child_files``). Its ``live`` is cleared first, and
    ``printed`` looks at it again once it has added the output: a thread the attempt
    started, printing or starting a child as it returned, put it back until its run ended.
    ``_arming`` is taken only for an output followed: every attempt's end waited on it,
    and a thread holding it held every run's attempts from ending."""
    live, captured.live = captured.live, None  # (``printed`` checks it again once it adds)
    if live is not None:
        run, tr = live
        if tr is BODY:  # what it printed since its last piece: before its run's end
            _last_piece(run, captured)
        if run.live_output.get(tr) is captured:
            with _arming:
                if run.live_output.get(tr) is captured:
                    del run.live_output[tr]


def so_far(followed: Mapping[Followed, AttemptOutput], tr: Followed) -> str:
    """What the running attempt of ``tr`` printed until now (``followed``: its run's
    ``live_output``): the output of an attempt past its timeout, or cut short by a cancel,
    read under the run's lock before it is interrupted (once stopped, its thread drops it;
    what it prints later is not the attempt's)."""
    captured = followed.get(tr)
    return "" if captured is None else captured.snapshot()


def _look_later(run: FlowRun, sent: dict[AttemptOutput, tuple[int, bool, int]]) -> None:
    """``sent``: how much of each followed attempt's output was emitted (a count of all it
    wrote, as ``AttemptOutput.size``), whether that ended a line, and how much of it the
    notes told skipped."""
    try:
        run.runner.watchdog.call_at(time.monotonic() + EVERY, lambda: _look(run, sent))
    except RuntimeError:  # the runner shut down: nothing listens any more (and a print,
        with _arming:  # which may have brought us here, must not fail for it)
            _followed.discard(run.run_id)
            _sent.pop(run.run_id, None)


def since(
    captured: AttemptOutput, start: int, line_start: bool, skipped: int = 0
) -> tuple[str, int]:
    """What ``captured`` was written from ``start`` on (a count of all it was written, as
    ``size``), and where that ends. What its capture dropped meanwhile, or more than
    ``MOST`` once it drops, is told as ``… N characters of output skipped …`` on a line of its own
    (``line_start``: whether what came before ended a line); then whole lines, if any. N
    has thousands separators (``163,840``), as the capture's ``… dropped …`` count.
    ``skipped``: what earlier looks skipped of it; a note after one says the whole count
    too (``skipped_note``)."""
    text, end, _ = _piece(captured, start, line_start, skipped)
    return text, end


def skipped_note(gap: int, skipped: int) -> str:
    """The line that tells a gap of ``gap`` characters, after ``skipped`` characters that
    earlier looks skipped: ``… 283,034 characters of output skipped (9,215,402 so far) …``.
    The monitor shows a running attempt's last lines, and so the latest note alone: its
    count of one look (half a second) read as the output's whole, ≈280,000 while
    megabytes had gone by. The count before the brackets stays what this piece left out,
    so the pieces' notes still add up to what they all left out."""
    if not skipped:
        return f"… {gap:,} characters of output skipped …"
    return f"… {gap:,} characters of output skipped ({skipped + gap:,} so far) …"


def _piece(
    captured: AttemptOutput, start: int, line_start: bool, skipped: int
) -> tuple[str, int, int]:
    """``since``'s text and end, and how many characters its note told (0: none)."""
    head, begins, tail = captured.parts()
    if start >= begins:
        text, at = tail[start - begins :], start
    elif begins == len(head):  # no middle dropped: the head's rest, then the tail
        text, at = head[start:] + tail, start
    else:
        text, at = tail, begins
    if len(text) > MOST and begins != len(head):  # past the cap: the latest lines only
        at += len(text) - MOST
        text = text[-MOST:]
    if at > start:
        newline = text.find("\n")
        if 0 <= newline < len(text) - 1:  # the line cut into is skipped whole
            at += newline + 1
            text = text[newline + 1 :]
        gap = skipped_note(at - start, skipped) + "\n"
        text = (gap if line_start else "\n" + gap) + text
    return text, begins + len(tail), at - start


def _look(run: FlowRun, sent: dict[AttemptOutput, tuple[int, bool, int]]) -> None:
    for followed in list(run.live_output.values()):  # (off the run's lock: a child's
        followed.take_children()  # megabyte is decoded here)
    with run._lock:
        live = list(run.live_output.items()) if run.state is StateType.RUNNING else []
        for tr, captured in live:
            if tr.state is StateType.RUNNING:  # (else a timed-out attempt, left to finish
                _send(run, tr, captured, sent)  # alone: its task moved on)
        for gone in sent.keys() - {captured for _, captured in live}:
            del sent[gone]
    with _arming:  # none printing now, or the run over: stop until an attempt prints again
        if run.state is not StateType.RUNNING or not run.live_output:
            _followed.discard(run.run_id)
            _sent.pop(run.run_id, None)
            return
    _look_later(run, sent)


def _send(
    run: FlowRun,
    tr: Followed,
    captured: AttemptOutput,
    sent: dict[AttemptOutput, tuple[int, bool, int]],
) -> None:
    """Under the run's lock: emit what ``captured``, the output of ``tr``, was written
    since its last piece (``sent``), if anything, and note how far this one went."""
    start, line_start, skipped = sent.get(captured, (0, True, 0))
    if captured.size <= start:
        return  # nothing new since the last look
    text, end, gap = _piece(captured, start, line_start, skipped)
    if not text:
        return  # still on its way
    sent[captured] = (end, text[-1] == "\n", skipped + gap)
    piece = TaskOutput(run.run_id, run.flow.name, tr.key, tr.attempt, text, time.time())
    run._emit(piece)


def _last_piece(run: FlowRun, captured: AttemptOutput) -> None:
    """A ``@flow`` body that printed returned (``ended``): what it wrote since its last
    piece goes now, as its last piece, before its run's end. Its pieces then join to its
    whole, the ``output`` of its run's end (``flowtop run --json``'s ``flow_output``
    lines, the store's, ``watch``'s): what it printed after its last look, most often its
    last lines, came only there. A body quicker than a look has no piece: its whole comes
    with its run's end alone, as before (``watch`` shows it under the run's last line, not
    after its tasks' lines as if printed last). What its run's ``on_completion`` and
    ``on_failure`` hooks print after it is not its body's: that comes only with the end."""
    if not run._bus.has_sinks:
        return
    captured.take_children()  # (off the run's lock, as ``_look`` takes them)
    with run._lock:
        if run.state is StateType.RUNNING:
            held_piece(run, captured)


def held_piece(run: FlowRun, captured: AttemptOutput) -> None:
    """Under ``run``'s lock, as it ends: the last piece of its ``@flow`` body's output
    (``captured``) when that came in pieces. A body cut short (a timeout, a cancel) has
    not returned as its run ends, and its run's end holds what it printed until then:
    its pieces joined lacked what came after the last look."""
    sent = _sent.get(run.run_id)
    if run._bus.has_sinks and sent is not None and captured in sent:
        _send(run, BODY, captured, sent)
