"""One glance at the shown run: flow, run number, state, elapsed time and counts."""

from __future__ import annotations

from rich.text import Text
from textual.visual import VisualType
from textual.widgets import Static

from flowtop.engine.parameters import describe as describe_parameters
from flowtop.engine.states import StateType
from flowtop.formats import countdown, cut_cells, fmt_duration, plural
from flowtop.looks import STATE_LOOK, run_error_text
from flowtop.printable import printable
from flowtop.tui.model import RunModel
from flowtop.tui.row_views import counts_text
from flowtop.tui.widgets.state_colors import looks

#: The fewest cells a cut flow name keeps (`slow…`): it gives way before the run's
#: number, state and time, which the flows list does not show (at 16 it cut the time).
MIN_NAME = 5


class RunHeader(Static):
    #: What it shows now: the live tick asks again ten times a second, and an update
    #: lays the screen out again (an idle monitor at 9 % of a core through a retry wait).
    _shown: Text | None = None

    def show(
        self,
        flow: str | None,
        run: RunModel | None,
        now: float,
        *,
        extra: str = "",
        error: str = "",
        run_key: str = "r",
    ) -> None:
        """``run_key``: the key that runs now (after ``[keys]``), for the hint."""
        styles = looks(self.app)
        text = Text(no_wrap=True, overflow="ellipsis")
        tail = Text()  # what may be cut: a run's note and its flow's error
        run_shown = False  # its number, state and time are on the line: they stay whole
        if error:  # what is wrong with the file shown instead of a flow
            text.append(f"  ✗ {error}", style=styles["failed"])
        elif run is None or run.run_id is None:
            if flow is not None:
                text.append(f"  not run yet — press {run_key} to run", style="dim")
        else:
            run_shown = True
            text.append(f"  run #{run.number}")
            if run.run_name:  # already made printable
                text.append(f" {run.run_name}", style="italic")
            if run.body_due is not None:
                text.append(" (flow retry)", style="dim")
            elif run.rerun_of:
                text.append(" (rerun)", style="dim")
            if run.parent_run:
                text.append(
                    f" (child of run {run.parent_label})" if run.parent_label else " (child run)",
                    style="dim",
                )
            symbol, word, look = run.look
            waits = run.body_waits(now)
            if waits is not None:  # recorded and cancellable, its body not started yet
                symbol, _, look = STATE_LOOK[StateType.AWAITING_RETRY]
                word = f"Starts in {countdown(waits)}"
            text.append("  ")
            text.append(f"{symbol} {word}", style=styles[look])
            if waits is None:  # (a countdown beside a count-up read as two clocks)
                text.append(f"  {fmt_duration(run.elapsed(now), live=run.duration is None)}")
            if run.note:
                tail.append(f"  {run.note}", style="bold")
            if run.error is not None:
                tail.append(
                    f"  {run_error_text(run.error.type, run.error.message)}", style=styles["error"]
                )
        # The flow's name gives way first (the flows list shows it whole): a long one
        # pushed the run's number, state and time off the line. The tail is cut next.
        room = self.size.width - text.cell_len if self.size.width else len(flow or "")
        if flow is None:
            text = Text("No flow selected", style="dim").append_text(text)
        elif run_shown and room < min(MIN_NAME, len(flow)):
            text = text[len("  ") :]  # not even `etl` fits: the flows list beside shows it
        else:
            text = Text(cut_cells(flow, max(MIN_NAME, room)), style="bold").append_text(text)
        text.append_text(self._cut_tail(tail, self.size.width - text.cell_len))
        text.no_wrap, text.overflow = True, "ellipsis"
        line2 = Text(no_wrap=True, overflow="ellipsis")
        if run is not None and run.run_id is not None:
            line2.append(counts_text(run))
            failed = run.counts.get(StateType.FAILED, 0)
            if run.state is StateType.COMPLETED and failed:
                line2.append(
                    f"  ({failed} task{'s' if failed != 1 else ''} failed, handled by the flow)",
                    style="dim",
                )
        elif run is not None and run.order:
            line2.append(plural(len(run.order), "task"), style="dim")
        elif run is not None:  # a @flow's graph exists only while it runs
            line2.append("its tasks appear as the flow reaches them", style="dim")
        if run is not None and run.parameters:
            given = describe_parameters(run.parameters, limit=30)
            line2.append(("   " if line2 else "") + f"with {printable(given)}", style="dim")
        if extra:
            line2.append(("   " if line2 else "") + extra, style="dim")
        shown = Text("\n").join([text, line2])
        if shown != self._shown:  # redrawn when it reads differently: it is asked 10×/s
            self.update(shown)
            self._shown = shown

    def _cut_tail(self, tail: Text, room: int) -> Text:
        """``tail`` in ``room`` cells, ending in ``…`` when cut; left out when not even
        `  …` fits, so the line's ellipsis never falls on the time (`1.…`)."""
        if not self.size.width or tail.cell_len <= room:
            return tail
        if room < len("  …"):
            return Text()
        tail.truncate(room, overflow="ellipsis")
        return tail

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        self._shown = None  # a line set directly ("Loading flows…") is not ``show``'s
        super().update(content, layout=layout)
