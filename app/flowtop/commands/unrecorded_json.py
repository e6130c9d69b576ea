"""``--json`` lines of a run the store does not hold: ``"recorded": false``, no number.

An unrecorded run (``--no-history``, or a store that could give no number) is numbered by
the command alone, from 1: its ``run_started`` said ``"run": 1`` as a recorded run's does,
while the store's run #1 of the flow is another run, and a script that went on to
``flowtop watch 1`` or ``history --run 1`` got that one. Such a run's ``run_started`` and
``run_finished`` lines now say ``"recorded": false``, with ``"run": null``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TextIO

from ..engine.events import Event, RunFinished, RunStarted
from .printers import JsonPrinter


def unrecorded_json(data: dict[str, Any]) -> dict[str, Any]:
    """A run line's fields for a run the store does not hold."""
    return {**data, "run": None, "recorded": False}


class _UnrecordedStart(RunStarted):
    __slots__ = ()

    def as_json(self) -> dict[str, Any]:
        return unrecorded_json(super().as_json())


class _UnrecordedEnd(RunFinished):
    __slots__ = ()

    def as_json(self) -> dict[str, Any]:
        return unrecorded_json(super().as_json())


def as_unrecorded(event: Event) -> Event:
    """``event`` as its line reads for a run the store does not hold."""
    if type(event) is RunStarted:
        return _UnrecordedStart(*event)
    if type(event) is RunFinished:
        return _UnrecordedEnd(*event)
    return event


class UnrecordedJsonPrinter(JsonPrinter):
    """JSON lines whose runs the store does not hold read so: every run (``everything``:
    ``--no-history``), or those in ``numbered_here`` (``History.session_numbered``, set
    once the store is open: a store that gave a run no number)."""

    def __init__(self, stream: TextIO, *, everything: bool) -> None:
        super().__init__(stream)
        self.everything = everything
        self.numbered_here: Collection[str] = ()

    def __call__(self, events: list[Event]) -> None:
        if self.everything or self.numbered_here:
            events = [as_unrecorded(e) if self.unrecorded(e.run_id) else e for e in events]
        super().__call__(events)

    def unrecorded(self, run_id: str) -> bool:
        """Whether the store does not hold run ``run_id``."""
        return self.everything or run_id in self.numbered_here
