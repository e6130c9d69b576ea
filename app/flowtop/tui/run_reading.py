"""What the screen says of a run read whole and not shown yet (``RunStore.reading_for``).

A run read back from the store is kept out of sight until its events are all folded
(its end, or a live run's last event read): a big finished one drawn as it was read read
`▶ Running`, a live one stepped through what it had done. For the seconds that takes on
a loaded machine, the flow showed the run before it, or `not run yet — press r to run`
and its task list, with no hint: the header and the table say it is being read now.
"""

from __future__ import annotations

from flowtop.tui.model import RunModel
from flowtop.tui.run_store import RunStore


def reading_of(app: object, flow: str | None) -> RunModel | None:
    """``flow``'s run being read, of ``app``'s store (``RunStore.reading_for``); None for
    no flow, or an app that keeps no store (a widget's test mounts it alone)."""
    store = getattr(app, "store", None)
    if flow is None or not isinstance(store, RunStore):
        return None
    return store.reading_for(flow)


def reading_words(run: RunModel) -> tuple[str, str]:
    """What the header says of ``run`` being read, then shorter: `run #3 reading…`."""
    which = f"run #{run.number}" if run.number else "a run"
    return f"{which}: reading it from the run store…", f"{which} reading…"


def reading_rows_text(run: RunModel) -> str:
    """What the table says in place of rows while ``run`` is being read."""
    which = f"run #{run.number}" if run.number else "a run"
    return f"Reading {which} from the run store…"
