"""A human ``flowtop watch``'s lines of a ``@flow`` body's own output, as it comes.

``watch`` shows the pieces its run's process logs (``live_output``) after the lines of the
events before them, as ``flowtop run`` shows them; of the whole output its run's end
carries, only what they left out (``body_output.covered``, ``rest``). On a terminal a
piece goes out as it came, its ``\\r``s redrawing its row; into a file or a pipe, which
redraws nothing, each line goes out as a terminal leaves it once it ends (every version of
a progress bar was written raw, one line of them all), as ``history --run`` shows it.
"""

from __future__ import annotations

from typing import TextIO, cast

from ..engine import status_line
from ..engine.body_output import body_shown, covered, rest, skipped_gap
from ..engine.events import FLOW_BODY, Event, RunFinished, TaskOutput
from ..printable import as_left_on_screen
from .printers import HumanPrinter

#: How many runs ``ended`` last a watch remembers: a piece or an end of one read after it
#: is not its body's text any more (its interruption was said).
ENDED_KEPT = 1024


class _Followed:
    """How far a run's body's pieces went: how much of all it wrote (as
    ``AttemptOutput.size``) they stood for, how much of that their notes skipped, and
    whether the last ended its line (a next piece's note then starts a line of its own)."""

    __slots__ = ("shown", "skipped", "line_start")

    def __init__(self) -> None:
        self.shown = 0
        self.skipped = 0
        self.line_start = True

    def see(self, text: str) -> None:
        at, skipped, line_start = self.shown, self.skipped, self.line_start
        self.shown += covered(text, at, skipped, line_start=line_start)
        self.skipped += skipped_gap(text, at, skipped, line_start=line_start)
        self.line_start = text.endswith("\n")


class BodyLines:
    """A human watch's printer, with each run's ``@flow`` body's output as it comes (its
    pieces, ``live_output``) after the lines of the events before it, as ``flowtop run``
    shows it (it came under the run's last line alone, once the run ended); a row it leaves
    half-written stays open (``status_line.row_open``). Of the whole its run's end carries,
    what the pieces left out comes before its line; a body none showed, under it (``flow
    output:``: a quick body's, a run's of an older flowtop). Not on a terminal (the
    printer not ``live``), each line as a terminal leaves it, once it ended (``held``)."""

    def __init__(self, printer: HumanPrinter) -> None:
        self.printer = printer
        #: By run: how far its body's pieces went.
        self.followed: dict[str, _Followed] = {}
        self.line_start = True  # whether the body's text shown last ended its row
        #: Into a file or pipe: by run, its body's line not ended yet, held until it ends
        #: (or the run does). None: a terminal, which redraws a line at each ``\r``.
        self.held: dict[str, str] | None = None if printer.live else {}
        #: The runs ``ended`` last (``ENDED_KEPT``, oldest first), no longer followed.
        self.over: dict[str, None] = {}

    def __call__(self, events: list[Event]) -> None:
        batch: list[Event] = []
        for event in events:
            text = ""
            if event.run_id in self.over:  # a late one: its body's text is over
                if type(event) is RunFinished:
                    event = event._replace(output="")
            elif type(event) is TaskOutput and event.task == FLOW_BODY:
                self.followed.setdefault(event.run_id, _Followed()).see(event.text)
                text = self._settled(event.run_id, event.text)
            elif type(event) is RunFinished and event.run_id in self.followed:
                text = rest(event.output, self.followed.pop(event.run_id).shown)
                text = self._settled(event.run_id, text, ended=True)
                event = event._replace(output="")
            if text:
                if batch:
                    self.printer(batch)
                batch = [event]
                self._write(text)
            else:
                batch.append(event)
        self.printer(batch)  # (only body text: the status line drawn again below it)

    def ended(self, run_id: str) -> None:
        """Run ``run_id`` ended with no end of its own (interrupted): the line its body
        left unended, as it is (a terminal showed it as it came). It is followed no more:
        what of it comes later is not shown as its body's (``over``)."""
        if text := self._settled(run_id, "", ended=True):
            self._write(text)
        self.followed.pop(run_id, None)
        self.over[run_id] = None
        if len(self.over) > ENDED_KEPT:
            del self.over[next(iter(self.over))]

    def ended_all(self) -> None:
        """The watch stops (Ctrl+C): every run's line left unended, as it is."""
        for run_id in list(self.held or ()):
            self.ended(run_id)

    def _settled(self, run_id: str, text: str, *, ended: bool = False) -> str:
        """What of ``text`` goes out now: all of it on a terminal; else its ended lines,
        after the run's held one, as a terminal leaves them (all of them once it ``ended``)."""
        if self.held is None:
            return text
        text = self.held.pop(run_id, "") + text
        if ended:
            whole = text if not text or text.endswith("\n") else text + "\n"
        else:
            whole, newline, unended = text.rpartition("\n")
            whole += newline
            if unended:
                self.held[run_id] = unended
        return as_left_on_screen(whole)

    def _write(self, text: str) -> None:
        ended, self.line_start = not self.line_start and not status_line.row_open, text[-1] == "\n"
        text = text.removeprefix("\n") if ended else text  # the printer's line ended its row
        if text:  # printable, as the body's tasks' output is; its ``\r``s redraw its row
            self.printer.make_room()  # (``write_marked`` calls only its ``write``)
            status_line.write_marked(cast("TextIO", self.printer.output), body_shown(text))
