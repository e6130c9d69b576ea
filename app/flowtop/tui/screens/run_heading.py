"""How a run's page fits its heading's words to its width: the run's counts beside
when it started, shortened or moved to a line of their own, and the `→ more columns`
hint kept on the last line (``run_detail``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual.content import Content

from ...printable import printable
from ...workspace.ownership import stopped_words
from ..model import RunModel
from ..row_views import drawn_counts, state_count_parts

if TYPE_CHECKING:
    from ...workspace.history_records import RunDetail, RunRecord


def live_said(app: object, run: RunRecord) -> str:
    """What a live run's page says after its time, as the monitor's header says it: that
    its process is stopped (``stopped_words``: the liveness check's), then what it waits
    on (``RunModel.stage``, as the monitor's store client read it: a Dask worker to join):
    `` · its process is stopped (paused, pid 4242: kill -CONT 4242 resumes it)``; "" for a
    run that ended, or says nothing. The page read plain `▶ Running` while the header
    said either."""
    if run.state != "RUNNING":
        return ""
    model = getattr(getattr(app, "store", None), "runs", {}).get(run.run_id)
    stage = printable(model.stage) if isinstance(model, RunModel) else ""
    return "".join(f" · {words}" for words in (stopped_words(run.run_id), stage) if words)


def run_counts(detail: RunDetail, styles: Mapping[str, str]) -> tuple[Text, Text]:
    """A run's counts in words and in symbols alone, each in its state's look from
    ``styles`` (``drawn_counts``), after its stored counts; a live run's are empty until
    it ends, so its tasks' states so far."""
    run = detail.run
    counts = run.counts or Counter(task.state for task in detail.tasks)
    return (
        drawn_counts(state_count_parts(counts, run.reused, words=True), styles),
        drawn_counts(state_count_parts(counts, run.reused), styles),
    )


def heading_lines(
    start: int, counts: Sequence[Text], when: str, tail: str, room: int, hints: tuple[str, str]
) -> Text:
    """A run page's heading after its first ``start`` cells (its title and state): the
    first of ``counts``' wordings that fits in ``room`` cells (0: any) with the time
    (``when``) beside it, else with the time on the next line, else none; then ``tail``
    (what it reran, its parameters) and the hint. ``hints``: the hint as measured (while
    the table is wider than the screen) and as shown (while columns are past its edge):
    the words do not change as `→` reaches the last column. They are chosen first for
    the hint to fit on their last line: at 120 columns it wrapped onto a line alone."""
    measured, shown = hints
    layouts = [*((said, True) for said in counts), *((said, False) for said in counts)]

    def lines(said: Text, beside: bool) -> list[Text]:
        first = (Text(" · ") + said if said else Text()) + (f" · {when}" if beside else "")
        return [first] if beside else [first, Text(when)]

    def whole(said: Text, beside: bool) -> bool:  # every line, the hint on the last
        drawn = [line.plain for line in lines(said, beside)]
        drawn[-1] += tail + measured
        return max([start + cell_len(drawn[0]), *map(cell_len, drawn[1:])]) <= room

    def first_line(said: Text, beside: bool) -> bool:  # as before: the first line alone
        return start + lines(said, beside)[0].cell_len <= room

    fitting = [layout for layout in layouts if whole(*layout)] if measured else []
    fitting += [layout for layout in layouts if first_line(*layout)]
    said, beside = layouts[0] if not room else next(iter(fitting), (Text(), False))
    drawn = lines(said, beside)
    drawn[-1].append(tail)
    last = " " * start + drawn[-1].plain if len(drawn) == 1 else drawn[-1].plain
    return Text("\n").join(drawn) + hint_after(last, shown, room)


def hint_after(last: str, hint: str, room: int) -> str:
    """The ``hint`` after the heading's ``last`` line, as the screen wraps it in ``room``
    cells: on a line of its own where it would not end that line whole. At 40 columns
    `started … · 2.0s · →` ended one line and `more columns` began the next."""
    if not hint or not room:
        return hint
    if Content(last).wrap(room)[-1].cell_length + cell_len(hint) <= room:
        return hint
    return "\n" + hint.removeprefix(" · ")
