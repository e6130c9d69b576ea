"""A subflow's run linked to the run that called it, in its call's place.

Apart from ``run_store``, which decides when a run is linked (at its start, or once its
parent is read, or once it is read whole itself): here, how, and the walk that refuses a
link making a run its own subflow.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Mapping

from flowtop.tui.model import RunModel
from flowtop.tui.parent_loops import say_loop


def link(parent: RunModel, child: RunModel, called_at: Mapping[RunModel, float]) -> None:
    """``child`` is a subflow's run that ``parent`` called: each names the other. It goes
    in ``parent.children`` by its start (``called_at``), then number, as the history orders
    them: call order, however the runs were read. The same run read anew replaces its older
    model, sought among those that started with it (a scan of all doubled the read-back).
    Equal starts go by number, the order the calls took them in (and the history's). A link
    making a run its own subflow at any depth (a crafted store: A's parent B, B's A) is
    refused: walks down ``children`` never ended; the child's header says so (``say_loop``)."""
    if descends(parent, child):
        say_loop(child, parent)
        return
    child.parent_label = parent.label  # as `history` and `watch` say it

    def call_place(run: RunModel) -> tuple[float, int]:  # (unknown: after the others)
        return called_at.get(run, math.inf), run.number or 0

    children, place = parent.children, call_place(child)
    after = bisect_right(children, place, key=call_place)
    for at in range(bisect_left(children, place, key=call_place), after):
        if children[at].run_id == child.run_id:
            children[at] = child
            return
    children.insert(after, child)


def descends(run: RunModel, of: RunModel) -> bool:
    """Whether ``run`` is ``of`` or one of its subflow runs, at any depth."""
    seen, stack = {id(of)}, [of]
    while stack:
        here = stack.pop()
        if here is run:
            return True
        fresh = [child for child in here.children if id(child) not in seen]
        seen.update(id(child) for child in fresh)
        stack += fresh
    return False
