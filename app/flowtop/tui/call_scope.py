"""Which calls of a task one override covers: what the retry editor says above its fields.

A task called many times (``fetch`` 200 times in a ``@flow``, a ``with Flow`` block
calling it in a loop) has a key per call, ``fetch``, ``fetch-2`` … ``fetch-200``, and a
settings table names one key (README, "Retry settings"): ``e`` on ``fetch-17`` edits that
call's override alone. The editor did not say so, and a user who meant the task changed
one call of 200. Plain Python over keys, for the editor and the tests alike.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from flowtop.tui.model import RunModel

#: A later call's key: the task's name, ``-``, and the call's number (``fetch-17``).
_NUMBERED_CALL = re.compile(r"(?P<task>.+)-(?P<number>[0-9]+)")


def task_of(key: str, tasks: Collection[str]) -> str:
    """The task ``key`` is a call of: ``fetch`` for ``fetch-17`` when ``fetch`` is among
    ``tasks`` (the keys shown and the task names known); else ``key`` itself, a first
    call's key or one a flow gave by hand (``add_task(t, key="load-2")`` with no ``load``)."""
    numbered = _NUMBERED_CALL.fullmatch(key)
    if numbered is not None and numbered["task"] in tasks:
        return numbered["task"]
    return key


class Scope(NamedTuple):
    """What the editor says of the calls its override covers: ``whole`` where there is
    room, ``short`` on a screen under 20 rows, where the whole took the fields' rows."""

    whole: str
    short: str


def scope_note(
    key: str, keys: Sequence[str], where: str, tasks: Collection[str] = ()
) -> Scope | None:
    """Which calls of its task ``key``'s override covers, None for a task called once:
    this call only, how many others keep their settings, and where a change to every call
    goes, the code's ``@task(...)``. ``keys``: the keys of the run shown (``where``: ``in
    run #3``) or of the flow (``in the flow``); ``tasks``: a ``@flow``'s task names."""
    known = {*keys, *tasks}
    task = task_of(key, known)
    calls = sum(1 for other in keys if task_of(other, known) == task)
    if calls < 2 or key not in keys:
        return None
    kept = "the other keeps its" if calls == 2 else f"the other {calls - 1:,} keep their"
    return Scope(
        f"Applies to call {key} only, 1 of {calls:,} calls of {task} {where}: {kept} own "
        f"settings (a settings table names one call). For every call, set them in {task}'s "
        "@task(...) in the code.",
        f"This call only: 1 of {calls:,} of {task}",
    )


def counted_in(run: RunModel) -> str:
    """Where ``scope_note`` counts the calls of the run shown: ``in run #3``; but ``in the
    flow`` for a run that made none (it did not start: its rows are the code's tasks, all
    ``· Not run``), which read "1 of 2 calls of extract in run #3" of a run that never
    called extract, and for a run with no number."""
    made_calls = run.counts[None] < len(run.rows)
    return f"in run #{run.number}" if run.number and made_calls else "in the flow"
