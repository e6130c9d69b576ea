"""How many of a task's attempts the monitor draws: its last ``SHOWN_ATTEMPTS``, under a
line counting the earlier ones, in the detail pane and on a run's page alike.

A task that failed 20,000 times with no delay drew every attempt, each with its
traceback: 120,000 lines laid out whenever it was selected (27-41 s, the monitor at
700 MB), and again for each event of its live run. No one reads them there; the last
ones say where the task is, the count says how long it went on, and ``flowtop history
--run`` prints each.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from flowtop.formats import count_text

#: The most attempts of one task drawn (its last); a task with more says how many came
#: before them (``earlier_said``). A task of a few hundred shows each, as before; 200 are
#: laid out in about 0.3 s, 20,000 took 40.
SHOWN_ATTEMPTS = 200

T = TypeVar("T")


def shown_attempts(attempts: Sequence[T], dropped: int = 0) -> tuple[int, Sequence[T]]:
    """How many attempts are left out (the earliest: ``dropped`` ones no longer kept, and
    those of ``attempts`` before the last ``SHOWN_ATTEMPTS``), and the ones drawn."""
    cut = max(0, len(attempts) - SHOWN_ATTEMPTS)
    return dropped + cut, attempts[cut:]


def earlier_said(earlier: int) -> str:
    """The line above the attempts drawn: ``… 19,801 earlier attempts not shown
    (flowtop history --run lists each)``."""
    noun = "attempt" if earlier == 1 else "attempts"
    return f"… {count_text(earlier)} earlier {noun} not shown (flowtop history --run lists each)"
