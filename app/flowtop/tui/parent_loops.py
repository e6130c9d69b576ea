"""What a run says when its link to its parent run is refused (``subflow_links.link``).

A crafted store's runs may name each other (or one itself) as parent: a loop, which no
walk down ``children`` would end, so the link is refused. It was refused silently: the
run showed unlinked (`(child run)`) with nothing to say why. Its header says it now, once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flowtop.tui.model import RunModel


def loop_said(child: RunModel, parent: RunModel) -> str:
    """Why ``child`` is shown unlinked from ``parent``, the run its start names as its
    parent: ``parent`` is ``child`` itself, or one of its own subflow runs at any depth."""
    if parent is child or parent.run_id == child.run_id:
        return f"{child.label} names itself as its parent run: shown unlinked"
    return f"{child.label} names {parent.label}, its own subflow run, as its parent: shown unlinked"


def say_loop(child: RunModel, parent: RunModel) -> None:
    """``loop_said`` added to what reading ``child`` found (``RunModel.read_noted``): not
    to its ``note``, which the run's end replaces with its own words."""
    child.read_noted(loop_said(child, parent))
