"""Everything about the selected task: its attempts, errors, output and effective policy.

This is where a countdown explains itself (base delay, backoff, jitter, cap or a
``Retry(delay=)`` override, as the engine computed it) and where each policy value
names the settings layer it came from. Task output and error text go in as ``Text``,
never markup, so ``[bold]oops[/`` in an exception is shown as written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.segment import Segment
from rich.text import Text
from textual._context import NoActiveAppError  # what ``app`` raises; Textual is pinned
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.widgets import Static

from flowtop.attempt_story import PREDICATE_ASKED, wait_story
from flowtop.attempt_story import interrupted_wait as interrupted_wait_story
from flowtop.engine.clock_text import local_time
from flowtop.engine.events import REUSED_FROM_SOURCE, ErrorInfo
from flowtop.engine.final_states import RETURNED
from flowtop.engine.layers import Layer
from flowtop.engine.states import StateType
from flowtop.formats import (
    clock_time,
    cut_cells,
    cut_name,
    fmt_duration,
    moment,
    names_and_more,
)
from flowtop.head_tail import head_and_tail, head_and_tail_of_line
from flowtop.looks import (
    LOAD_ERROR_LOOK,
    NOT_STARTED,
    REUSED_LOOK,
    attempt_look,
    error_said,
    result_rejected,
    returned_states,
    run_error_text,
)
from flowtop.printable import as_left_on_screen, printable
from flowtop.tui.attempts_shown import earlier_said, shown_attempts
from flowtop.tui.file_rows import file_advice
from flowtop.tui.file_rows import file_problem as file_problem
from flowtop.tui.model import REUSED_FROM, AttemptView, TaskRow, store_full_waits
from flowtop.tui.widgets.column_fit import STATE_SHORT, TASK_KEEP, state_cell
from flowtop.tui.widgets.key_scroll import KeyScroll
from flowtop.tui.widgets.measured_static import MeasuredStatic
from flowtop.tui.widgets.run_header import MIN_NAME
from flowtop.tui.widgets.state_colors import LOOK_STYLE, looks
from flowtop.workspace.store_room import StoreRoom

#: Characters of one line of a running attempt's output shown (a finished attempt's
#: traceback and output show their head and tail: ``head_and_tail``).
MAX_BLOCK = 20_000
#: A running attempt's last lines of output shown under it: where it is now.
LIVE_LINES = 12


def _block(text: str) -> str:
    """A traceback or an attempt's output: its head and its tail, where a failure says why."""
    return head_and_tail(text.rstrip("\n"))


def _message(text: str) -> str:
    """A run's own error message, shown in full but for a long one: its head and tail,
    each line of them cut to a few rows (``head_and_tail_of_line``; a message of one line, the most
    common, with one count). A @flow's message of megabytes drew its 100,000 characters
    kept on every task's pane."""
    if "\n" not in text:
        return head_and_tail_of_line(text)
    return "\n".join(head_and_tail_of_line(line) for line in _block(text).split("\n"))


def title_text(
    row: TaskRow | None,
    now: float,
    styles: Mapping[str, str] = LOOK_STYLE,
    width: int = 0,
    *,
    all_busy: bool = False,
) -> Text:
    """The first line: changes every tick while a countdown or an attempt runs. In
    ``width`` cells (0: any) the task's name gives way first, as the run header's flow
    name does: a long one pushed the state and attempt off the line. A retry's due time
    goes before it (the countdown says when): `fetch…ders  ⟳ Retry in 1.9s  attempt 2/4
    (due 01:28:01)` at 80 columns. Short of room for the state beside a name of up to
    ``TASK_KEEP`` cells, the state shortens as STATE does (``state_cell``: `⟳ in 11.8s`)
    before the name is cut: at 40 columns `lon…it  ⟳ Retry in 11.8s` sat under the
    table's `long_wait ⟳ in 11.8s`. ``all_busy``: every worker of the run is busy
    (``RunModel.all_busy``), so a due retry awaits one."""
    if row is None:
        return Text("No task selected", style="dim")
    _, _, look = row.look()
    state = row.state_text(now, all_busy=all_busy)
    kept = min(cell_len(row.key), TASK_KEEP)  # kept as the table keeps it; longer gives way
    if width and kept + len("  ") + cell_len(state) > width:
        state = state_cell(state, STATE_SHORT)  # `⟳ in 11.8s`, as STATE shortens it
    text = Text("  ")
    text.append(state, style=styles[look])
    stated = len(text)  # what follows the state gives way before the name (rv408 §10)
    tries = row.attempt_text()  # "" for a result reused from the cache: no attempt made it
    if row.reused and not tries:
        text.append(f"  {reused_from(row.message)}")
    elif tries:
        text.append(f"  attempt {tries}")
    if row.state is StateType.RUNNING and row.started is not None:
        text.append(f"  running for {fmt_duration(now - row.started, live=True)}")
    if row.state is StateType.AWAITING_RETRY and row.retry_due is not None:
        due = f"  (due {moment(row.retry_due, now)})"
        day = due_day(row.retry_due, now)
        day = f"  (due {day})" if day else ""
        if not width or cell_len(row.key) + text.cell_len + cell_len(due) <= width:
            text.append(due, style="dim")
        elif day and MIN_NAME + text.cell_len + cell_len(day) <= width:
            # a day away, which the countdown does not say: the name gives way to it
            text.append(day, style="dim")
            kept = min(kept, width - text.cell_len)
    if width and kept + text.cell_len > width and len(text) > stated:
        # `ex…ct  ⟳ Retry in 0.4s  attemp…`: the attempt is cut first, the name whole
        after, text = text[stated:], text[:stated]
        room = width - kept - text.cell_len
        if room > len("  at…"):
            after.truncate(room, overflow="ellipsis")
            text.append_text(after)
    key = cut_name(row.key, max(MIN_NAME, width - text.cell_len)) if width else row.key
    title = Text(no_wrap=True, overflow="ellipsis")
    title.append(key, style="bold")
    return title.append_text(text)


def due_day(due: float, now: float) -> str:
    """A due time not today, short: ``Wed 00:06`` within a few days, else its date
    (``2027-10-02``); "" for one today. At 80 columns the whole (``moment``) did not fit
    after a long wait's countdown and attempt, and a retry 299 days away gave no date."""
    whole = moment(due, now)
    if whole == clock_time(due):
        return ""
    return (
        local_time("%a %H:%M", due) if abs(due - now) < 6 * 86400 else local_time("%Y-%m-%d", due)
    )


def reused_from(message: str) -> str:
    """Where a reused result that no attempt made came from, in a few words: the cache
    entry (``cached result of etl #3``, less the time the Why line gives), else the run
    whose attempt made it (``from run #1``, ``RunModel.reused_from``), else its source."""
    if message.startswith("cached result of "):
        return message.rpartition(", ")[0] or message
    if message.startswith(REUSED_FROM):  # where a rerun's was made, named (``RunModel``)
        return message.removeprefix("reused ")
    return "from the source run"


class Body:
    """Text in blocks by indent: a wrapped line keeps its block's indent (a traceback
    line that wraps stays under the traceback, not at the pane's left edge). A block of
    output has a ``│`` gutter on each of its rows (``Gutter``)."""

    def __init__(self) -> None:
        self.parts: list[tuple[int, bool, Text | PolicyLines]] = []

    def at(self, indent: int, *, gutter: bool = False) -> Text:
        """The text to append lines of ``indent`` to (each line ends in ``\\n``)."""
        last = self.parts[-1] if self.parts else None
        if last is None or last[:2] != (indent, gutter) or not isinstance(last[2], Text):
            self.parts.append((indent, gutter, Text()))
        text = self.parts[-1][2]
        assert isinstance(text, Text)
        return text

    def add_policy(self, indent: int, lines: PolicyLines) -> None:
        """The policy's lines, fitted to the pane's width as they are drawn."""
        self.parts.append((indent, False, lines))

    def renderable(self) -> Group:
        blocks: list[RenderableType] = []
        for indent, gutter, text in self.parts:
            if isinstance(text, Text):  # its last newline: the Group starts the next line
                text.rstrip()
            block: RenderableType = Gutter(text) if gutter and isinstance(text, Text) else text
            blocks.append(Padding(block, (0, 0, 0, indent)) if indent else block)
        return Group(*blocks)

    @property
    def plain(self) -> str:
        return "".join(
            " " * indent + (Gutter.plain(text) if gutter and isinstance(text, Text) else text.plain)
            for indent, gutter, text in self.parts
        )


#: What stands left of each row of an attempt's output.
GUTTER = "│ "


class Gutter:
    """Lines of output behind a dim ``│``, on each row they take: a long line folds to the
    width left of it, the gutter on every piece (wrapped as words, a line with no spaces
    left the gutter alone on a row, the text on the next)."""

    def __init__(self, text: Text) -> None:
        self.text = text

    @staticmethod
    def plain(text: Text) -> str:
        """``text``'s lines as drawn, each behind its gutter."""
        return "".join(GUTTER + line for line in text.plain.splitlines(keepends=True))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        inner = options.update_width(max(1, options.max_width - len(GUTTER)))
        mark = Segment(GUTTER, console.get_style("dim"))
        for line in console.render_lines(self.text, inner, pad=False):
            yield mark
            yield from line
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        inner = options.update_width(max(1, options.max_width - len(GUTTER)))
        text = Measurement.get(console, inner, self.text)
        return Measurement(text.minimum + len(GUTTER), text.maximum + len(GUTTER))


class PolicyLines:
    """The policy's lines, ``name  value  · layer``: a value too long for the pane is cut
    with ``…`` as drawn, so its layer stays on its line beside its ``·`` (wrapped, at 80
    columns `retry_on  ConnectionError, TooManyRequests  ·` left `task` alone below)."""

    def __init__(self, lines: Sequence[tuple[str, str, str, str]]) -> None:
        self.lines = lines  # (name padded and its gap, value, layer, the layer's style)

    @property
    def plain(self) -> str:
        return "".join(f"{head}{value}  · {layer}\n" for head, value, layer, _ in self.lines)

    def _texts(self, width: int) -> list[Text]:
        texts = []
        for head, value, layer, style in self.lines:
            tail = f"  · {layer}"
            room = width - cell_len(head) - cell_len(tail)
            if room >= MIN_NAME:  # else too narrow for a cut to help: it wraps
                value = cut_cells(value, room)
            texts.append(Text(head + value).append(tail, style=style))
        return texts

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self._texts(options.max_width)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max((text.cell_len for text in self._texts(0)), default=0)
        return Measurement(min(widest, options.max_width), widest)


def body_text(
    row: TaskRow,
    policy: Mapping[str, tuple[str, str]] | None,
    styles: Mapping[str, str] = LOOK_STYLE,
    links: tuple[Sequence[str], Sequence[str]] | None = None,
    flow_error: ErrorInfo | None = None,
    flow_output: str = "",
    waiting: str = "",
    now: float | None = None,
    this_run: str = "",
) -> Body:
    """What the ``@flow`` function raised (``flow_error``), why the task is in this state
    (and what a pending one waits for: ``waiting``), the countdown's arithmetic, the
    task's neighbours in the flow (``links``: upstream, downstream), its attempts (the
    last ``SHOWN_ATTEMPTS``, the earlier ones counted: ``attempts_shown``), the policy,
    and what the function's body printed (``flow_output``). ``this_run``: a live
    run's own policy when an edit saved mid-run made the next run's differ
    (``code_rows.edited_mid_run``): its TRY counts against that one, not the next's."""
    body = Body()
    out = body.at(0)
    if flow_error is not None and flow_error.type == NOT_STARTED:  # no task ran (list_unstarted)
        out.append("The run did not start: ", style="bold")
        out.append(f"{_message(flow_error.message)}\n", style=styles["error"])
    elif flow_error is not None:
        if returned_states(flow_error.type, flow_error.message):  # nothing raised it
            out.append("The flow function returned states: ", style="bold")
            out.append(f"{_message(flow_error.message)}\n", style=styles["error"])
        elif flow_error.type.startswith(RETURNED):  # ``returned Failed('1 rows bad')``
            out.append("The flow function ", style="bold")
            said = error_said(flow_error.type, _message(flow_error.message))
            out.append(f"{said}\n", style=styles["error"])
        else:
            out.append("The flow function raised ", style="bold")
            message = _message(flow_error.message)
            out.append(f"{flow_error.type}: {message}\n", style=styles["error"])
        if flow_error.traceback:
            body.at(2).append(_block(flow_error.traceback) + "\n\n", style="dim")
        out = body.at(0)
    if row.message:
        out.append("Why: ", style="bold")
        out.append(f"{row.message}\n")
    if waiting:
        out.append("Waiting for: ", style="bold")
        out.append(f"{waiting}\n")
    if row.state is StateType.AWAITING_RETRY and row.delay_explained:
        out.append("Delay: ", style="bold")
        out.append(f"{row.delay_explained}\n")
    if row.result is not None and row.state is StateType.COMPLETED:
        out.append("Result: ", style="bold")
        out.append(f"{row.result}\n")
    if links is not None:
        upstream, downstream = links
        out.append("Upstream: ", style="bold")
        out.append(f"{_names(upstream)}\n", style="" if upstream else "dim")
        out.append("Downstream: ", style="bold")
        out.append(f"{_names(downstream)}\n", style="" if downstream else "dim")
    out.append("\nAttempts\n", style="bold")
    if not row.attempts:
        body.at(2).append("none yet\n", style="dim")
    earlier, attempts = shown_attempts(row.attempts, row.attempts_dropped)
    if earlier:
        body.at(2).append(f"{earlier_said(earlier)}\n", style="dim")
    for attempt, after in zip(attempts, [*attempts[1:], None], strict=False):
        cut = row.interrupted and after is None and attempt.state is StateType.AWAITING_RETRY
        _attempt(body, attempt, after, styles, now, interrupted_wait=cut)
    if this_run:
        body.at(0).append("\nRetry policy for this run", style="bold")
        body.at(0).append("  as it started (edited since)\n", style="dim")
        body.at(2).append(f"{this_run}\n")
    if policy:
        out = body.at(0)
        out.append("\nRetry policy for the next run", style="bold")
        out.append("  value · layer\n", style="dim")
        width = max(len(name) for name in policy)
        lines = [
            (
                f"{name.ljust(width)}  ",
                value,
                layer,
                "dim" if layer == Layer.BUILTIN else styles["layer"],
            )
            for name, (value, layer) in policy.items()
        ]
        body.add_policy(2, PolicyLines(lines))
    if flow_output:
        body.at(0).append("\nFlow output", style="bold")
        body.at(0).append("  what the @flow body and its hooks printed\n", style="dim")
        body.at(2).append(flow_output.rstrip("\n") + "\n")
    return body


#: Neighbours listed by name in the detail pane; the rest are counted.
MAX_LINKS = 8


def _names(keys: Sequence[str]) -> str:
    if not keys:
        return "none"
    return names_and_more(keys, MAX_LINKS)


def _attempt(
    body: Body,
    a: AttemptView,
    after: AttemptView | None,
    styles: Mapping[str, str],
    now: float | None = None,
    *,
    interrupted_wait: bool = False,
) -> None:
    """One attempt's line; its start with the day when not ``now``'s (a run of days ago).
    ``interrupted_wait``: its run's process died during its wait, which no retry ends: it
    reads failed, its wait ``interrupted during the 1m00s wait``, as the history says it
    (it read ``retry after 1m00s`` under a run that was over).
    Its error's first line is cut to a few rows (``head_and_tail_of_line``): the whole
    message is in ``y``'s copy (the task's last error) and ``flowtop history --run``."""
    out = body.at(2)
    if a.reused:
        # reused from the source run, or a cached result (``cached result of etl #3, …``)
        number = f"#{a.number}  " if a.number else ""  # a cached result: no attempt, no #0
        symbol, _, look = REUSED_LOOK
        out.append(f"{number}{symbol} {a.message or REUSED_FROM_SOURCE}", style=styles[look])
        if a.result is not None:
            out.append(f"  → {a.result}")
        out.append("\n")
        return
    state = StateType.CANCELLED if interrupted_wait else a.state  # (read ✗ when it failed)
    symbol, look = attempt_look(state, a.retry_in, a.error, interrupted=a.interrupted)
    started = clock_time(a.started) if now is None else moment(a.started, now)
    out.append(f"#{a.number}  {started}  ")
    out.append(symbol, style=styles[look])
    out.append(f"  {fmt_duration(a.duration) or '…'}")
    if a.error is not None:
        out.append("  ")
        first = a.error.message.splitlines()[0] if a.error.message else ""
        out.append(error_said(a.error.type, head_and_tail_of_line(first)), style=styles["error"])
    elif result_rejected(a.state, a.retry_in, a.error):
        out.append(f"  {a.message or PREDICATE_ASKED}")  # why: the run's words when it has them
        out.append("" if a.result is None else f" → {a.result}")
    elif a.result is not None:
        out.append(f"  → {a.result}")
    out.append("\n")
    detail = body.at(6)
    if a.retry_in is not None:  # what became of its wait, as the history tells it
        story = interrupted_wait_story(a) if interrupted_wait else wait_story(a, after)
        detail.append(f"{story}: {a.delay_explained}\n", style="dim")
    if a.error is not None and a.error.traceback:
        # each line in a block of its own indent: one that wraps goes on under its own
        # text (a frame's ``File …`` line under ``File``), not at the traceback's edge
        for line in _block(a.error.traceback).splitlines():
            text = line.lstrip(" ")
            body.at(6 + len(line) - len(text)).append(f"{text}\n", style="dim")
        detail = body.at(6)
    if a.output:
        output = as_left_on_screen(a.output, carriage="␍")  # made printable
        if a.state is StateType.RUNNING:  # what it prints now matters most: its last lines
            lines = output.rstrip("\n").splitlines()
            label = "output so far"
            if len(lines) > LIVE_LINES:  # not "of N lines": what is kept of it is cut
                label += f" (last {LIVE_LINES} lines)"
            lines = [line[:MAX_BLOCK] for line in lines[-LIVE_LINES:]]
        else:
            label, lines = "output", _block(output).splitlines()
        detail.append(f"{label}:\n", style="dim")
        body.at(6, gutter=True).append("".join(f"{line}\n" for line in lines))


class TitleLine(Static):
    """The pane's first line, fitted to its width again when that changes: only a live
    task's is asked for each tick, so a finished one's, cut at 40 columns, stayed
    ``load  ✗ Failed  atte…`` at 120 until the selection changed."""

    def on_resize(self) -> None:
        if isinstance(self.parent, DetailPane):
            self.parent.refit_title()


class DetailPane(KeyScroll):
    """A live title line over a body that is rebuilt only when the task changes."""

    _title: Text | None = None  # what the title line shows now
    #: What ``show_title`` was last asked (None: a title not fitted, ``show_error``'s).
    _title_asked: tuple[TaskRow | None, float, bool] | None = None
    waiting = ""  # what the body says the task waits for (``show_task``)
    #: The task row the body shows (None: a run's own error; a file's error: its path):
    #: another one starts at the top (``show_task``).
    _shown: object = None

    def __init__(self, *, room: StoreRoom | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: The run store's folder, looked at when a due retry has not started (``show_task``).
        self._room = room
        # Held directly: the app may update the pane before it is mounted.
        self.title_line = TitleLine(id="detail-title")
        self.body = MeasuredStatic(id="detail-body")  # its height follows its content

    def compose(self) -> ComposeResult:
        yield self.title_line
        yield self.body

    @property
    def styles_now(self) -> Mapping[str, str]:
        """State styles for this terminal (plain under ``NO_COLOR``)."""
        try:
            return looks(self.app)
        except NoActiveAppError:  # no app yet (built outside one, before mounting): colours
            return LOOK_STYLE

    def show_title(self, row: TaskRow | None, now: float, *, all_busy: bool = False) -> None:
        width = self.title_line.size.width
        self._set_title(title_text(row, now, self.styles_now, width, all_busy=all_busy))
        self._title_asked = (row, now, all_busy)

    def refit_title(self) -> None:
        """The title ``show_title`` was last asked for, fitted to the line's width now."""
        if self._title_asked is not None:
            row, now, all_busy = self._title_asked
            self.show_title(row, now, all_busy=all_busy)

    def _set_title(self, title: Text) -> None:
        """Asked ten times a second for a live row: redrawn only when it reads differently
        (an update lays the screen out again)."""
        if title != self._title:
            self._title = title
            self.title_line.update(title)

    def show_task(
        self,
        row: TaskRow | None,
        policy: Mapping[str, tuple[str, str]] | None,
        now: float,
        links: tuple[Sequence[str], Sequence[str]] | None = None,
        flow_error: ErrorInfo | None = None,
        flow_output: str = "",
        waiting: str = "",
        *,
        all_busy: bool = False,
        this_run: str = "",
    ) -> None:
        """``links``: the task's upstream and downstream task keys in its flow;
        ``flow_error``: what the run's ``@flow`` function raised; ``flow_output``: what
        its body printed; ``waiting``: what a pending task, or a due retry, waits for;
        ``all_busy``: every worker of the run is busy; ``this_run``: the live run's own
        policy when it differs from the next run's (``body_text``). Another task than
        the one shown starts at its top: it showed where the last one was scrolled to
        (its end, its title out of sight); the same task's output growing keeps the place
        read in it."""
        flow_output = as_left_on_screen(flow_output, carriage="␍")  # as a task's: printable
        if row is not None:
            waiting = self.says_waiting(row, waiting, now)
        self.waiting = waiting
        self._showing(row)
        self.show_title(row, now, all_busy=all_busy)
        if row is None:  # a run's own error in full: its header has room for one line
            text = Text("") if flow_error is None else self._run_error(flow_error)
            if flow_output:
                text.append("\nFlow output\n", style="bold")
                text.append(flow_output.rstrip("\n") + "\n")
            self.body.update(text)
        else:
            body = body_text(
                row, policy, self.styles_now, links, flow_error, flow_output, waiting, now, this_run
            )
            self.body.update(body.renderable())

    def says_waiting(self, row: TaskRow, waiting: str, now: float) -> str:
        """What the body says ``row`` waits for, given ``waiting`` (``RunModel.waiting_for``):
        a due retry's, when the run store has no room, is that (``store_full_waits``).
        Cheap on every tick: the store's file system is looked at once a ``LOOK_EVERY``."""
        if waiting and self._room is not None:
            return store_full_waits(row, waiting, self._room.full(now))
        return waiting

    def _showing(self, shown: object) -> None:
        """``shown`` goes in the body: at the top, unless it is what the body showed."""
        if shown != self._shown:  # a row is itself only; a file's error is its path
            self._shown = shown
            self.scroll_home(animate=False, immediate=True)

    # Home, End, PgUp and PgDn jump, as the table's do (5 ms): Textual's glide there over
    # up to a second, the pane redrawn each frame (0.7–1.0 s with a long output). With
    # nothing to scroll the key is passed on (``SkipAction``), as Textual's are.

    def action_scroll_home(self) -> None:
        self._scrollable().scroll_home(animate=False, immediate=True)

    def action_scroll_end(self) -> None:
        self._scrollable().scroll_end(animate=False)

    def action_page_up(self) -> None:
        self._scrollable().scroll_page_up(animate=False)

    def action_page_down(self) -> None:
        self._scrollable().scroll_page_down(animate=False)

    def _scrollable(self) -> DetailPane:
        """The pane, when it has something to scroll; else the key goes on unused."""
        if not self.allow_vertical_scroll:
            raise SkipAction
        return self

    def _run_error(self, error: ErrorInfo) -> Text:
        text = Text(
            f"{run_error_text(error.type, _message(error.message))}\n",
            style=self.styles_now["error"],
        )
        if error.traceback:
            text.append(f"\n{_block(error.traceback.rstrip())}\n", style="dim")
        return text

    def show_error(self, where: str, error: object, *, flows_listed: bool = True) -> None:
        """A file shown in place of a flow (``file_problem``): its error, verbatim, and
        what is in use meanwhile. ``flows_listed``: a flow file's flows are listed, as
        they last loaded (a file that never loaded has none to speak of)."""
        styles = self.styles_now
        symbol, look = LOAD_ERROR_LOOK
        self._showing(where)
        title = Text.assemble(
            (f"{symbol} ", styles[look]),
            (where, "bold"),
            (f"  {file_problem(error)}", styles["error"]),
        )
        self._set_title(title)
        self._title_asked = None  # (not fitted: a resize keeps it)
        body = Text(printable("" if error is None else str(error)))
        after = file_advice(where, error, flows_listed=flows_listed)
        if after:
            body.append(f"\n\n{after}", style="dim")
        self.body.update(body)
