"""The task table's column widths, fitted to what the run's rows hold.

Widths used to come from a formula of the table's width alone: at 120 columns POLICY was
cut at 19 cells (``≠ 5× backoff 2s×2…``, an edit's new value out of sight) beside a LAST
ERROR empty on most rows, and at 80 TASK was 14 cells (``check_f…shness``) with room to
spare. Now TASK is as wide as the run's longest name and POLICY as its longest policy,
each up to a cap, and LAST ERROR takes the rest, keeping more of it when some row has an
error or the run is live (one may come). The texts are measured when the rows change
(``ContentMeter``), never per repaint (past a big flow's first ``SAMPLE`` rows, a wider
row drawn widens its column once), and the layout depends on them and the width only,
so a countdown's tick or a filter never moves a column.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from rich.cells import cell_len

from flowtop.formats import try_text
from flowtop.tui.code_rows import GONE, NOT_IN_RUN
from flowtop.tui.model import RunModel, TaskRow

GAP = 1
STATE_WIDTH = 17  # "⟳ Retry in 123.4s", "⊘ Upstream failed"
STATE_SHORT = 11  # its symbol and a short word (``state_cell``): "✓ Completed", "⊘ Upstream"
STATE_SYMBOL = 2  # its symbol alone: "⚡" is two cells wide
TRY_WIDTH = 5
TIME_WIDTH = 7
TASK_MIN = 6  # "TASK ▲": its title with the sort's arrow
TASK_FLOOR = 12  # a long name gives way to LAST ERROR down to this, no further
TASK_KEEP = 20  # a name up to this long is kept whole before POLICY gets room
TASK_CAP = 32  # a longer name is cut in its middle (``cut_name``)
POLICY_MIN = 8  # cut narrower, the column is left out (the detail pane says the policy)
POLICY_TITLE = 6  # "POLICY": a shorter policy (``3× 1s``) shows whole in this many
POLICY_CAP = 36  # fits an edited one whole: ``≠ 5× backoff 2s×2^(n-1) → 1× 2s``
POLICY_ROOMY = 64  # its cap with no error shown nor to come (no live run): LAST ERROR gives room
ERROR_MIN = 10  # "LAST ERROR"
ERROR_KEEP = 16  # what LAST ERROR keeps before POLICY widens, when some row has an error
#: The rows whose policies and errors are measured (``ContentMeter``): a flow's first
#: 2,000, ~10 ms; wider ones past them widen their columns as they are drawn.
SAMPLE = 2_000

#: What the name of a row whose task the code no longer has ends in (``code_rows.GONE``).
GONE_SUFFIX = " (gone)"


@dataclass(frozen=True, slots=True)
class Columns:
    task: int
    policy: int
    error: int
    attempts: int = TRY_WIDTH
    time: int = TIME_WIDTH
    compact: bool = False  # TRY in its short form: ``1/1+3``
    state: int = STATE_WIDTH

    def widths(self) -> tuple[int, ...]:
        return (self.task, self.state, self.attempts, self.time, self.policy, self.error)

    def narrowed(self, cells: int) -> Columns:
        """``cells`` fewer: taken from LAST ERROR, else from POLICY (down to its
        least), else from the cells STATE has past its short form (``state_cell``), else
        from TASK, the columns whose text is cut with ``…`` anyway. The table's vertical
        scrollbar comes and goes with a filter, and laid out on the width left beside it
        TASK went 24 → 25."""
        if cells <= 0:
            return self
        if self.error > cells:
            return replace(self, error=self.error - cells)
        if not self.error and self.policy - cells >= POLICY_MIN:
            return replace(self, policy=self.policy - cells)
        if not self.error and not self.policy and self.state - cells >= STATE_SHORT:
            return replace(self, state=self.state - cells)  # (a name cut for a state's word)
        return replace(self, task=max(1, self.task - cells))


@dataclass(frozen=True, slots=True)
class Content:
    """The widest TASK, POLICY and LAST ERROR text of a run's rows, in cells (0: none)."""

    task: int
    policy: int
    error: int


#: Every column as full as it gets: the layout of a table whose rows are not known.
WIDEST = Content(TASK_CAP, POLICY_CAP, ERROR_KEEP)
EMPTY = Content(0, 0, 0)


def layout_columns(width: int, try_width: int = TRY_WIDTH, content: Content = WIDEST) -> Columns:
    """Fit the columns to ``width`` (never wider: the table has no horizontal scroll).

    STATE, TRY and TIME are as wide as their texts get; TASK as wide as the longest name
    (``content``) up to ``TASK_CAP``, POLICY as the longest policy up to its cap, and
    LAST ERROR takes the rest (``shares``), none when it would be empty anyway and POLICY
    wants it. Narrower, the policy goes, then the error, and then the state, time and
    try give way to the task name (``narrow_columns``): a cell is cut with an ellipsis,
    never cropped by the screen's edge, where ``1/14`` would read ``1/1``.
    """
    time_width = TIME_WIDTH
    fixed = STATE_WIDTH + GAP + try_width + GAP + time_width + GAP
    room = width - fixed  # TASK, POLICY, LAST ERROR and the gaps between them
    task, policy = shares(room, content)
    error = room - task - GAP - (policy + GAP if policy else 0)
    cut = not policy and task < max(TASK_MIN, min(content.task, TASK_CAP))
    if error >= ERROR_MIN and not cut:  # (the error goes before a name is cut: rv408 §10)
        return Columns(task, policy, error, try_width, time_width)
    if policy and not content.error:  # no error to show: POLICY takes LAST ERROR's room
        return Columns(task, room - task - GAP, 0, try_width, time_width)
    return narrow_columns(width, try_width, content)


def narrow_columns(width: int, try_width: int, content: Content) -> Columns:
    """TASK, STATE, TRY and TIME alone in ``width``: the first of ``NARROWING``'s
    layouts that leaves the name its cells, looked for with a name of up to ``TASK_KEEP``
    cells whole, then ``TASK_FLOOR``, then ``TASK_MIN``; cells the names leave over widen a
    shortened STATE again. STATE kept its 17 cells down to the narrowest, and at 45
    columns (33 cells beside the flows list) a fan-out's names were cut to 6 cells
    (``f…-990``) beside ``✓ Completed`` and 6 blank cells: now the state shortens to its
    symbol and a short word (``state_cell``), TIME goes, then the word, then TRY (the
    detail pane says them all). Where none fits, TASK keeps 6 cells, the state the rest."""
    wanted = max(TASK_MIN, min(content.task, TASK_CAP))
    for need, layouts in (
        (wanted, NARROWING[:2]),  # STATE shortens before a name is cut (rv408 §10)
        (min(wanted, TASK_KEEP), NARROWING[1:3]),
        (min(wanted, TASK_FLOOR), NARROWING[1:4]),
        (TASK_MIN, NARROWING[1:]),
    ):
        for state, time, with_try in layouts:
            tries = try_width if with_try else 0
            room = width - sum(w + GAP for w in (state, time, tries) if w)
            if room < need:
                continue
            if state >= STATE_SHORT:  # what the names leave over goes to the state's words
                state += max(0, min(STATE_WIDTH - state, room - wanted))
                room = width - sum(w + GAP for w in (state, time, tries) if w)
            return Columns(min(TASK_CAP, room), 0, 0, tries, time, state=state)
    task = max(TASK_MIN, width - STATE_SYMBOL - GAP)
    return Columns(task, 0, 0, 0, 0, state=max(1, min(STATE_SYMBOL, width - task - GAP)))


#: The narrow layouts, widest first: STATE's and TIME's widths, and whether TRY shows.
NARROWING = (
    (STATE_WIDTH, TIME_WIDTH, True),
    (STATE_SHORT, TIME_WIDTH, True),
    (STATE_SHORT, 0, True),
    (STATE_SYMBOL, 0, True),
    (STATE_SYMBOL, 0, False),
)


def state_cell(text: str, width: int) -> str:
    """A STATE cell's ``text`` (``TaskRow.state_text``) as a column of ``width`` shows
    it: whole when it fits; in ``STATE_SHORT`` cells its symbol and first word, a
    countdown kept (``⟳ in 2.1s``, ``⊘ Upstream``, ``⟳ Overdue``); narrower, its symbol."""
    if cells(text) <= width:
        return text
    symbol, _, words = text.partition(" ")
    if width < STATE_SHORT:
        return symbol
    if words.startswith("Retry in "):
        return f"{symbol} {words.removeprefix('Retry ')}"
    return f"{symbol} {words.split(' ', 1)[0]}"


def shares(room: int, content: Content) -> tuple[int, int]:
    """TASK's and POLICY's widths in ``room``: each as wide as its longest text, up to
    its cap, leaving LAST ERROR its title, or ``ERROR_KEEP`` cells and POLICY capped at
    ``POLICY_CAP`` once some row has an error or the run is live (``ContentMeter``; an
    empty LAST ERROR gives its room, up to ``POLICY_ROOMY``, and is left out before
    POLICY is cut: ``layout_columns``). Short of room for both,
    each is cut in proportion to its text, a name of up to ``TASK_KEEP`` cells kept
    whole; POLICY cut under ``POLICY_MIN`` is left out (the detail pane says it), and then
    TASK gives way to LAST ERROR's title down to ``TASK_FLOOR``."""
    task = wanted_task = max(TASK_MIN, min(content.task, TASK_CAP))
    # No error shown nor to come: LAST ERROR keeps no room before POLICY is cut (it kept
    # its title's 10 cells, empty, beside `3× 0.5s…`); it shows in what is left over.
    cap, keep, gaps = POLICY_ROOMY, 0, GAP
    if content.error:
        cap, keep = POLICY_CAP, max(ERROR_MIN, min(content.error, ERROR_KEEP))
        gaps = 2 * GAP
    policy = max(POLICY_MIN, min(content.policy, cap)) if content.policy else 0
    both = room - keep - gaps
    if policy and task + policy > both:
        task = max(min(task, TASK_KEEP), both * task // (task + policy))
        policy = both - task
    # Cut under POLICY_MIN a policy says too little; a short one whole is kept (at 64
    # columns `3× 1s` went, the TASK column padded out to the edge in its place).
    if policy and policy >= min(POLICY_MIN, max(POLICY_TITLE, content.policy)):
        return task, policy
    return max(min(wanted_task, TASK_FLOOR), min(wanted_task, room - GAP - ERROR_MIN)), 0


def long_try_pays(content: Content, long_rows: int, rows: int) -> bool:
    """Whether TRY's long form (``1/1 (+3 on Retry)``, 12 cells more than ``1/1+3``) is
    worth its cells beside LAST ERROR: while LAST ERROR is empty (no error, no live run),
    or while at least half the rows (``long_rows`` of ``rows``) use it. It says what
    their POLICY says (``3× on Retry only``), and one row of 5,001 that used it cut
    5,000 errors 12 cells short."""
    return not content.error or 2 * long_rows >= rows


def cells(text: str) -> int:
    """``text``'s width on screen (``len`` for ASCII, the common case, ~10× cheaper)."""
    return len(text) if text.isascii() else cell_len(text)


def error_cell(row: TaskRow) -> str:
    """The LAST ERROR cell's text: the error's line, why it did not run, or that its task
    is not in the run shown."""
    text = row.error_text() or (row.code_mark if row.code_mark == NOT_IN_RUN else "")
    return text.replace("\n", " ")


def widest_name(run: RunModel) -> int:
    """The longest TASK cell of ``run``: its longest key, or a gone task's with its
    ``GONE_SUFFIX``; 100,000 keys in ~5 ms (``max`` over ``len`` when all are ASCII)."""
    keys = run.order
    if not keys:
        return 0
    widest = max(map(len, keys)) if "".join(keys).isascii() else max(map(cell_len, keys))
    for row in run.rows.values():
        if row.code_mark == GONE:
            widest = max(widest, cells(row.key) + len(GONE_SUFFIX))
    return widest


def shown_tries(run: RunModel) -> tuple[tuple[int, int], tuple[int, int]]:
    """TRY's widest texts (long, compact) over ``run``'s rows as they read, and how many
    rows read longer in the long form, of how many (``long_try_pays``): for an ended run,
    whose texts no longer change. Sized by budgets (``RunModel.try_widths``), TRY was 18
    cells for ``3``, ``1`` and ``1/2``: a cached result reads the attempts it took, never
    ``1/1 (+3 on Retry)``. Each distinct row counted once (100,000 rows share a few)."""
    seen = Counter((r.attempt, r.max_attempts, r.retry_only, r.reused) for r in run.rows.values())
    long = compact = long_rows = 0
    for (attempt, most, only, reused), count in seen.items():
        wide = try_text(attempt, most, only, reused=reused)
        short = try_text(attempt, most, only, compact=True, reused=reused)
        long, compact = max(long, cells(wide)), max(compact, cells(short))
        long_rows += count if wide != short else 0
    return (long, compact), (long_rows, len(run.order))


def widest_error(rows: Iterable[TaskRow], enough: int = ERROR_KEEP) -> int:
    """The longest LAST ERROR cell of ``rows``, measured up to ``enough`` cells: the
    layout reads no more (``policy_width``)."""
    widest = 0
    for row in rows:
        if row.error is None and not row.message and not row.code_mark:
            continue  # nothing to say: no error line built
        widest = max(widest, cells(error_cell(row)))
        if widest >= enough:
            return enough
    return widest


class ContentMeter:
    """The widths ``layout_columns`` fits the run shown to (``content``), measured when
    its rows, their policies or their errors change, never per repaint.

    Names are measured over every row (``widest_name``). A policy costs a call of the
    app's ``policy_source`` (a few µs: 0.3 s for 100,000 tasks, before a first frame),
    so policies and errors are measured over the first ``SAMPLE`` rows, which is every
    row of most flows; past that, a row drawn with a wider one widens its column
    (``saw``): the calls of a mapped task share their policy, and an edited one is
    drawn, under the cursor, when its edit comes."""

    def __init__(self) -> None:
        self.content = EMPTY
        #: An ended run's TRY widths and long rows as they read (``shown_tries``), else None:
        #: a live run's TRY is as wide as its budgets can get (``RunModel.try_widths``).
        self.tries: tuple[tuple[int, int], tuple[int, int]] | None = None
        self._run: RunModel | None = None
        self._added = -1

    def stale(self, run: RunModel | None) -> bool:
        """``run`` is not the run measured, or it has rows it had not then."""
        return run is not self._run or (run is not None and run.added != self._added)

    def measure(self, run: RunModel | None, policy_of: Callable[[TaskRow], str]) -> None:
        """Measure ``run`` again: its names, policies and errors."""
        self._run, self._added = run, run.added if run is not None else -1
        self.content = EMPTY if run is None else Content(widest_name(run), 0, 0)
        self.tries = None
        self.remeasure(policy_of)

    def remeasure(self, policy_of: Callable[[TaskRow], str]) -> None:
        """The policies and errors again (an edit or a reload, a run's end). A live run
        has LAST ERROR's room kept from its start, as if some row had an error: at 200
        columns POLICY took 64 cells beside an empty LAST ERROR, and the first retry's
        error narrowed it to 36 mid-run, every column after it jumping while the user
        read them. The columns now change as a run starts or ends, with every row."""
        run = self._run
        if run is None:
            return
        rows = run.rows
        sample = [rows[key] for key in run.order[:SAMPLE]]
        policy = max((cells(policy_of(row)) for row in sample), default=0)
        error = ERROR_KEEP if run.is_live else widest_error(sample)
        self.content = replace(self.content, policy=policy, error=error)
        self.tries = None if run.is_live else shown_tries(run)

    def saw(self, policy: str, error: str) -> bool:
        """A row drawn with these POLICY and LAST ERROR texts; True when one is wider
        than measured (a row past the sample): the columns are laid out again."""
        before = self.content
        if before.policy < POLICY_ROOMY and cells(policy) > before.policy:
            self.content = replace(self.content, policy=cells(policy))
        if error and before.error < ERROR_KEEP and cells(error) > before.error:
            self.content = replace(self.content, error=min(ERROR_KEEP, cells(error)))
        return self.content != before

    def errors_changed(self, rows: Iterable[TaskRow]) -> bool:
        """Rows that changed state: their errors measured; True when LAST ERROR's width
        (as far as the layout reads it, ``ERROR_KEEP``) grew."""
        before = self.content
        if before.error >= ERROR_KEEP:
            return False
        error = widest_error(rows)
        if error <= before.error:
            return False
        self.content = replace(before, error=error)
        return True


def column_at(columns: Columns, x: int) -> int | None:
    """The column (0 TASK … 5 LAST ERROR) drawn at cell ``x`` of a line laid out as
    ``columns`` (those 0 wide left out, ``GAP`` cells between two); None in a gap or
    past the last."""
    start = 0
    for column, size in enumerate(columns.widths()):
        if size <= 0:
            continue
        if start <= x < start + size:
            return column
        start += size + GAP
    return None
