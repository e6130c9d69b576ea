"""One glance at the shown run: flow, run number, state, elapsed time and counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from rich.cells import cell_len
from rich.text import Text
from textual.visual import VisualType
from textual.widgets import Static

from flowtop.engine.parameters import describe as describe_parameters
from flowtop.engine.states import StateType
from flowtop.formats import countdown, cut_cells, fmt_duration, plural
from flowtop.looks import LOAD_ERROR_LOOK, STARTING, STATE_LOOK, run_error_text
from flowtop.printable import printable
from flowtop.tui.model import RunModel
from flowtop.tui.row_views import counts_parts, drawn_counts
from flowtop.tui.run_reading import reading_of, reading_words
from flowtop.tui.widgets.no_rows import cancelled_subflows, failed_subflows, subflow_labels
from flowtop.tui.widgets.state_colors import looks
from flowtop.workspace.ownership import stopped_forms
from flowtop.workspace.subflow_runs import handled_words

#: What the header says of a flow whose runs were pruned (`flowtop history --prune`),
#: none shown since (``RunStore.pruned_away``): it read `not run yet`.
PRUNED_WORDS = "no runs in the history (pruned)"

#: The fewest cells a cut flow name keeps (`slow…`): it gives way before the run's
#: number, state and time, which the flows list does not show (at 16 it cut the time).
MIN_NAME = 5


@dataclass(frozen=True)
class Note:
    """A part of the header's second line (the counts, the sort, the filter …), in
    ``wordings`` from longest to shortest: on a line too narrow for them all, the parts
    take shorter ones in turn (``""`` leaves one out) before anything is cut. ``tail``
    follows any wording and is never cut or left out: the filter's ``(2 of 4)``, which
    the line's end cut away at 80 columns; its wording is cut instead (``filter: ex…``),
    after taking its ``short`` words (``/ex``, what was typed: ``filte…`` kept neither).
    ``sep``: the gap before it when a part precedes it."""

    wordings: tuple[str, ...]
    tail: str = ""
    short: str = ""
    style: str = "dim"
    sep: str = "   "
    #: It gives way first in each round: the counts' words (their symbols and numbers
    #: stay), which kept `completed` while the live runs' numbers went (rv403 §6).
    first: bool = False
    #: Rounds it keeps its words while the others give way: the run's parameters, left
    #: out while the counts kept their words and the live runs note its own.
    holds: int = 0
    #: Each of ``wordings`` drawn in its looks, shown in its place (the counts, each in
    #: its state's colour); a note without them is drawn in ``style``.
    drawn: tuple[Text, ...] = ()

    def text(self, words: str) -> Text:
        """``words``, one of its wordings as ``fit_notes`` chose it, as it is drawn."""
        if self.drawn and words in self.wordings:
            return self.drawn[self.wordings.index(words)].copy()
        return Text(words, style=self.style)


def fit_notes(notes: Sequence[Note], width: int) -> list[tuple[Note, str]]:
    """The notes shown in ``width`` cells (0: any), each with its words: every note a
    wording shorter per round, the last first, until the line fits; then a note with a
    ``tail`` has its wording cut. Notes that fit keep their longest words. (Shortening once waited for a filter:
    without one the line's end was cut, and ``✓ 1 completed … ▶ 1 runni…`` lost the
    counts ``✓ 1  ✗ 1  …  ⟳ 1  … 1`` keeps.) A note left out gives its room back: the notes
    that shortened take their longer words again where they fit, the last to shorten
    first (the live runs' numbers, gone though the run's parameters had been left out).
    So do the ``first`` notes' words, the first to go, where a note shortened after them
    made room: `✓ 1  subflows: ✓ 8` at 120 columns dropped `completed (1 reused)`, the
    subflows' list's short form leaving room for it. ``first`` and ``holds`` change whose
    turn it is. Pure, for tests."""
    levels = [0] * len(notes)

    def said() -> list[tuple[Note, str]]:
        texts = [(n, n.wordings[level] + n.tail) for n, level in zip(notes, levels, strict=True)]
        return [(n, text) for n, text in texts if text]

    def length(parts: list[tuple[Note, str]]) -> int:
        return sum(cell_len(text) for _, text in parts) + sum(cell_len(n.sep) for n, _ in parts[1:])

    order = sorted(reversed(range(len(notes))), key=lambda i: not notes[i].first)
    steps: list[int] = []  # the notes that gave way, a wording each, in turn
    shrinking, rounds = True, 0
    while width and shrinking and length(said()) > width:
        shrinking, rounds = False, rounds + 1
        for i in order:
            if rounds <= notes[i].holds:
                shrinking = True  # its turn comes
            elif levels[i] + 1 < len(notes[i].wordings):
                levels[i], shrinking = levels[i] + 1, True
                steps.append(i)
                if length(said()) <= width:
                    break
    # A note left out: its room goes back to the notes that shortened, the last first;
    # else the room a shorter wording made after them goes back to the counts' words.
    left_out = any(not notes[i].wordings[levels[i]] for i in steps)
    taken = set() if left_out else {i for i in steps if not notes[i].first}
    for i in reversed(steps):
        if i not in taken:
            levels[i] -= 1
            if length(said()) > width:
                levels[i] += 1
                taken.add(i)  # (its earlier wordings are longer still)
    parts = said()
    over = length(parts) - width if width else 0
    for i, (note, text) in enumerate(parts):
        if over > 0 and note.tail:
            words = text[: len(text) - len(note.tail)]
            if note.short and cell_len(note.short) < cell_len(words):
                over -= cell_len(words) - cell_len(note.short)
                words = note.short
            if over > 0:
                words = cut_cells(words, max(1, cell_len(words) - over))
            parts[i] = (note, words + note.tail)
            break
    return parts


def counts_note(run: RunModel, styles: Mapping[str, str]) -> Note:
    """The run's counts, with their words, then without (the symbols say them), each
    count in its state's look, as the table's State cells and the state beside the run's
    number (``✗ 1 failed`` in bold red, ``⊘ 1 upstream failed`` magenta): they were all
    the foreground's bright white. ``styles``: ``state_colors.looks``' (none under
    ``NO_COLOR``, where a failure stands out in reverse video instead)."""
    drawn = tuple(drawn_counts(counts_parts(run, short=short), styles) for short in (False, True))
    return Note(tuple(text.plain for text in drawn), style="", first=True, drawn=drawn)


def live_runs_note(numbers: Sequence[int], switch_key: str) -> Note:
    """The note that the flow has live runs beside the one shown, ``numbers`` all of
    them: `3 live runs (#1, #2, #3): w switches`, then `3 live runs: w switches`, then
    `3 live: w`; left out only when not even that fits. With its two longer wordings
    alone it was the first note left out, at 80 columns beside a sort and auto-rerun
    (and at 60 with nothing else), though no other line says a run is hidden."""
    count = f"{len(numbers)} live runs" if len(numbers) > 1 else "1 live run"
    listed = ", #".join(str(n) for n in sorted(numbers))
    switch = f"{switch_key} switches"
    return Note(
        (
            f"{count} (#{listed}): {switch}",
            f"{count}: {switch}",
            f"{len(numbers)} live: {switch_key}",
            "",
        )
    )


def starting_words(run: RunModel) -> str:
    """What the header says of a run launched whose process has not said anything yet
    (it imports the flow file first: seconds for a big one): `press r to run` stayed
    until then, and a user pressed `r` again. Past the import, what its process said it
    waits on instead (``RunModel.stage``: connecting to a Dask scheduler, up to 10 s),
    which read as a flow file that hangs."""
    return f"{_which(run)} starting: {printable(run.stage) or STARTING}…"


def starting_note(run: RunModel) -> Note:
    """``starting_words`` beside the flow's previous run, still shown until the new one
    says something: `run #4 starting…` when narrow."""
    return Note((starting_words(run), f"{_which(run)} starting…", ""))


def subflow_notes(run: RunModel) -> list[Note]:
    """What a run with tasks of its own says of the subflows it called (a run with none
    lists them in place of rows): `subflows: ✗ region #2, ✓ region #3`, those that did
    not complete first, then their counts; then the failures its body caught, its tasks'
    and its subflows' (``handled_note``). Only its `prep ✓` was on screen, beside `f Rerun
    failed` (rv408 §4). Its subflow calls are grouped once a tick, for all three."""
    calls = run.subflow_calls()
    notes: list[Note] = []
    if run.order and run.children:
        labels = ", ".join(subflow_labels(calls))
        symbols = Counter(last.called_look[0] for last, _ in calls)
        counted = "  ".join(f"{symbol} {n}" for symbol, n in symbols.most_common())
        notes.append(Note((f"subflows: {labels}", f"subflows: {counted}", ""), sep="  "))
    return notes if (note := handled_note(run, calls)) is None else [*notes, note]


def handled_note(run: RunModel, calls: Sequence[tuple[RunModel, list[RunModel]]]) -> Note | None:
    """`(1 task failed, handled by the flow) (1 subflow failed, handled by the flow)`, as
    `flowtop run`'s end line says a completed run's caught failures (``handled_words``),
    shorter when narrow, never left out: it alone says a `✓ Completed` hid failures. It
    gives way after the run's parameters (cut, then left out: it was left out at 80
    columns for `with regions=["r1", …`); a run with tasks of its own left out the
    subflows' part (the subflows' list had taken its room). ``calls``: its subflow calls
    (``RunModel.subflow_calls``)."""
    if run.state is not StateType.COMPLETED:
        return None
    failed = run.counts.get(StateType.FAILED, 0)
    words = handled_words(failed, failed_subflows(calls), cancelled_subflows(calls))
    holds = PARAMETER_LIMITS_ROUNDS if run.parameters else 0  # (none: shorter, the list kept)
    return Note(words, sep="  ", holds=holds) if words else None


#: The longest a parameter's value is said in the header, then shorter as it gives way
#: to the other notes (``fit_notes``), before it is left out.
PARAMETER_LIMITS = (30, 12, 5)
#: The rounds of ``fit_notes`` the parameters take to give way wholly (they hold one).
PARAMETER_LIMITS_ROUNDS = len(PARAMETER_LIMITS) + 1


def parameters_note(parameters: Mapping[str, object]) -> Note:
    """`with regions=["r1", "r2", …`, its values cut shorter as the line narrows."""
    wordings = (
        f"with {printable(describe_parameters(parameters, limit=n))}" for n in PARAMETER_LIMITS
    )
    return Note((*dict.fromkeys(wordings), ""), holds=1)  # which run it is


def _which(run: RunModel) -> str:
    return f"run #{run.number}" if run.number else "a run"


class RunHeader(Static):
    #: What it shows now: the live tick asks again ten times a second, and an update
    #: lays the screen out again (an idle monitor at 9 % of a core through a retry wait).
    _shown: Text | None = None
    #: What ``show`` was last asked, to fit it again after a resize.
    _asked: (
        tuple[
            str | None,
            RunModel | None,
            float,
            Sequence[Note],
            str,
            str,
            RunModel | None,
            bool,
            tuple[str, ...],
        ]
        | None
    ) = None

    def show(
        self,
        flow: str | None,
        run: RunModel | None,
        now: float,
        *,
        notes: Sequence[Note] = (),
        error: str = "",
        run_key: str = "r",
        starting: RunModel | None = None,
        pruned: bool = False,
        cannot_run: tuple[str, ...] = (),
    ) -> None:
        """``notes``: what the view adds to the second line (sort, filter, live runs),
        after the run's counts; ``run_key``: the key that runs now (after ``[keys]``),
        for the hint; ``starting``: the flow's run launched from here that has not said
        anything yet (its process imports the flow), said instead of the hint, or after
        the counts of the run shown before it; ``pruned``: the flow's runs were pruned,
        none shown since (``RunStore.pruned_away``). A newer run of the flow being read
        from the store (``run_reading``) is said as ``starting`` is. ``cannot_run``: why no
        run of the flow can start here (a run store that cannot be read, its file failed
        to load), the ways to say it longest first, said in place of the hint: it said
        `press r to run`, and only a toast that went said otherwise."""
        styles = looks(self.app)
        reading = None if error else reading_of(self.app, flow)
        text = Text(no_wrap=True, overflow="ellipsis")
        marks = (0, 0)  # where the run's notes are on the line: cut first
        tail = Text()  # what may be cut: a run's note and its flow's error
        run_shown = False  # its number, state and time are on the line: they stay whole
        word_at = (0, 0)  # where the state's word is on the line, and its length
        hints: tuple[str, ...] = ()  # what is said of a flow with no run shown, longest first
        paused: tuple[str, ...] = ()  # its process stopped: ways to say it, longest first
        if error:  # what is wrong with the file shown instead of a flow
            symbol, look = LOAD_ERROR_LOOK
            text.append(f"  {symbol} {error}", style=styles[look])
        elif run is None or run.run_id is None:
            if flow is not None and starting is not None:
                hints = (f"  {starting_words(starting)}", f"  {_which(starting)} starting…")
            elif flow is not None and reading is not None:  # read back, not shown yet
                hints = tuple(f"  {words}" for words in reading_words(reading))
            elif flow is not None and cannot_run:
                hints = tuple(f"  {said}" for said in cannot_run)
            elif flow is not None and pruned:  # ran, then pruned
                hints = (f"  {PRUNED_WORDS} — press {run_key} to run",)
            elif flow is not None:
                hints = (f"  not run yet — press {run_key} to run",)
        else:
            run_shown = True
            text.append(f"  run #{run.number}")
            if run.run_name:  # already made printable
                text.append(f" {run.run_name}", style="italic")
            noted = len(text)  # where its notes start: `(rerun of #3) (child of daily #8)`
            if run.body_due is not None:
                text.append(" (flow retry)", style="dim")
            elif run.rerun_of:
                source = f" of {run.rerun_source}" if run.rerun_source else ""
                text.append(f" (rerun{source})", style="dim")
            if run.parent_run:
                text.append(
                    f" (child of {run.parent_label})" if run.parent_label else " (child run)",
                    style="dim",
                )
            marks = (noted, len(text))
            symbol, word, look = run.look
            waits = run.body_waits(now)
            if waits is not None:  # recorded and cancellable, its body not started yet
                symbol, _, look = STATE_LOOK[StateType.AWAITING_RETRY]
                word = f"Starts in {countdown(waits)}"
            text.append("  ")
            word_at = (len(text) + len(symbol), len(f" {word}"))  # (characters, as sliced)
            text.append(f"{symbol} {word}", style=styles[look])
            if waits is None:  # (a countdown beside a count-up read as two clocks)
                text.append(f"  {fmt_duration(run.elapsed(now), live=run.duration is None)}")
            # its process stopped (``kill -STOP``): its retries read overdue, and no word why;
            # said before the rest, which is cut first (nothing moves while it is stopped)
            paused = stopped_forms(run.run_id) if run.is_live else ()
            stage = printable(run.stage) if run.is_live else ""  # (a Dask worker to join)
            for own in (stage, run.note, run.read_note):  # (``read_note``: reading found)
                if own:
                    tail.append(f"  {own}", style="bold")
            if run.error is not None:
                tail.append(
                    f"  {run_error_text(run.error.type, run.error.message)}", style=styles["error"]
                )
            if run.result is not None:  # what its @flow returned, as `flowtop run` says it
                tail.append(f"  → {' '.join(run.result.split())}")
        # The flow's name gives way first (the flows list shows it whole): a long one
        # pushed the run's number, state and time off the line. The tail is cut next.
        room = self.size.width - text.cell_len if self.size.width else len(flow or "")
        room -= cell_len(f"  {paused[-2]}") if len(paused) > 1 else 0  # kept with its hint
        if run_shown and room < min(MIN_NAME, len(flow or "")) and marks[1] > marks[0]:
            # its notes go before its number, state and time: `(child of …)` pushed them off
            start, end = marks
            cut = text[start:end]
            kept = max(0, cut.cell_len - (min(MIN_NAME, len(flow or "")) - room))
            said = cut_cells(cut.plain, kept) if kept > len(" (…") else ""
            text = text[:start] + Text(said, style="dim") + text[end:]
            word_at = (word_at[0] - (end - start) + len(said), word_at[1])
            room = self.size.width - text.cell_len
        if flow is None:
            text = Text("No flow selected", style="dim").append_text(text)
        elif hints:
            text = self._name_and_hint(flow, hints)
        elif run_shown and room < min(MIN_NAME, len(flow)):
            text = text[len("  ") :]  # not even `etl` fits: the flows list beside shows it
            if text.cell_len > self.size.width:  # then the state's word: its symbol stays
                start = word_at[0] - len("  ")
                text = text[:start] + text[start + word_at[1] :]
        else:
            text = Text(cut_cells(flow, max(MIN_NAME, room)), style="bold").append_text(text)
        if paused:  # the longest way to say it that fits, the rest of the tail cut first
            left = self.size.width - text.cell_len
            fits = [said for said in paused if not self.size.width or cell_len(said) + 2 <= left]
            text.append(f"  {(fits or paused[-1:])[0]}", style="bold")
        text.append_text(self._cut_tail(tail, self.size.width - text.cell_len))
        text.no_wrap, text.overflow = True, "ellipsis"
        parts: list[Note] = []
        if run is not None and run.run_id is not None:
            parts.append(counts_note(run, styles))
            parts += subflow_notes(run)
            if starting is not None:  # the run before it stays shown meanwhile
                parts.append(starting_note(starting))
            elif reading is not None:
                parts.append(Note((*reading_words(reading), "")))
        elif run is not None and run.order:
            parts.append(Note((plural(len(run.order), "task"),)))
        elif run is not None:  # a @flow's graph exists only while it runs
            parts.append(Note(("its tasks appear as the flow reaches them", "")))
        if run is not None and run.parameters:
            parts.append(parameters_note(run.parameters))
        parts += [replace(note, sep="  ") if i else note for i, note in enumerate(notes)]
        line2 = Text(no_wrap=True, overflow="ellipsis")
        for note, words in fit_notes(parts, self.size.width):
            line2.append(note.sep if line2 else "", style=note.style)
            line2.append_text(note.text(words))
        shown = Text("\n").join([text, line2])
        if shown != self._shown:  # redrawn when it reads differently: it is asked 10×/s
            self.update(shown)
            self._shown = shown
        self._asked = (flow, run, now, notes, error, run_key, starting, pruned, cannot_run)

    def on_resize(self) -> None:
        """Fitted again to its new width: a run that ended is not asked for again, and
        its filter count, cut by a narrower terminal, stayed cut."""
        if self._asked is not None:
            flow, run, now, notes, error, run_key, starting, pruned, cannot_run = self._asked
            self.show(
                flow,
                run,
                now,
                notes=notes,
                error=error,
                run_key=run_key,
                starting=starting,
                pruned=pruned,  # (a resize read `not run yet` of a flow whose runs were pruned)
                cannot_run=cannot_run,
            )

    def _name_and_hint(self, flow: str, hints: Sequence[str]) -> Text:
        """The flow's name and what is said of it with no run shown (``hints``, longest
        first), by the rule of a run's line: the longest that fits beside the whole name,
        as a run's note and error give way before its name; else the shortest, kept whole
        as a run's number, state and time are, the name cut to what it leaves, down to
        ``MIN_NAME`` cells (`slowi…  run #1 starting…`); then the name left out (the
        flows list shows it) and the hint cut. The hint gave way before the name: an
        80-character name left `not r…` of `not run yet — press r to run` at 120 columns."""
        flow = printable(flow)  # (`⛈️` one cell, as the run's line draws it: ``cut_cells``)
        width = self.size.width
        said = next((h for h in hints if not width or cell_len(flow) + cell_len(h) <= width), "")
        if said:
            return Text.assemble((flow, "bold"), (said, "dim"))
        room = width - cell_len(hints[-1])
        if room >= min(MIN_NAME, cell_len(flow)):
            return Text.assemble((cut_cells(flow, room), "bold"), (hints[-1], "dim"))
        return Text(cut_cells(hints[-1].lstrip(), width), style="dim")

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
        self._shown = self._asked = None  # a line set directly ("Loading flows…") is not ``show``'s
        super().update(content, layout=layout)
