"""A human ``flowtop watch`` shows a ``@flow`` body's own output as it comes, each piece
after the lines of what happened before it, as ``flowtop run`` shows it on its terminal.

``watch --json`` streamed the body's pieces (``flow_output``) live, but the human watch
printed nothing of them until the run ended, then all of it under the run's last line
(``flow output:``): a loop printing ``step i`` between its tasks showed its steps at the
end only. Now each piece is printed as it is read, and of the whole output the run's end
carries only what the pieces left out is printed, before its line: nothing twice.
"""

from __future__ import annotations

import io
import re
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from flowtop.commands import watch
from flowtop.engine import live_output
from flowtop.engine.attempt_output import DROPPED_NOTE, MAX_CAPTURE, AttemptOutput
from flowtop.engine.body_output import covered, rest, skipped_gap
from flowtop.engine.events import (
    FLOW_BODY,
    Event,
    RunFinished,
    RunStarted,
    TaskOutput,
    replayed_step,
)
from flowtop.engine.live_output import skipped_note
from flowtop.engine.states import StateType
from flowtop.workspace.history import History
from waits import wait_until

RUN_ID = "b0b0b0b0b0b0"


def _start() -> RunStarted:
    return RunStarted(RUN_ID, "loop", 1, (), (), (), ts=1.0)


def _step(task: str, state: StateType, ts: float) -> Event:
    return replayed_step(
        run_id=RUN_ID, flow="loop", task=task, state=state, attempt=1, max_attempts=1, ts=ts
    )


def _piece(text: str, ts: float) -> TaskOutput:
    return TaskOutput(RUN_ID, "loop", FLOW_BODY, 0, text, ts)


def _end(output: str, ts: float) -> RunFinished:
    counts = {StateType.COMPLETED.value: 2}
    return RunFinished(RUN_ID, "loop", 1, StateType.COMPLETED, counts, 1.0, ts, output=output)


def test_a_piece_shows_while_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run is live (its store open in this process): the body's first line shows
    before its end is even written."""
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    db = tmp_path / "history.db"
    history = History(db)
    codes: list[int] = []
    watcher = threading.Thread(
        target=lambda: codes.append(watch.follow(db, RUN_ID, json_lines=False))
    )
    try:
        history.next_number("loop")
        history.sink([_start(), _piece("step 0\n", 1.2), _step("work", StateType.RUNNING, 1.3)])
        assert history.flush(10)
        watcher.start()
        wait_until(lambda: "loop/work ▶ running" in out.getvalue(), "the task's line", 30)
        assert "step 0\n" in out.getvalue()  # shown live, before the run ended
        history.sink([_step("work", StateType.COMPLETED, 1.4), _end("step 0\nstep 1\n", 2.0)])
        assert history.flush(10)
        watcher.join(30)
    finally:
        history.close()
    assert codes == [0]
    said = out.getvalue()
    assert said.count("step 0") == 1 and said.count("step 1") == 1, said
    assert "flow output:" not in said
    rows = said.splitlines()
    assert rows.index("step 0") < next(i for i, r in enumerate(rows) if "▶ running" in r)
    assert "loop #1 COMPLETED" in rows[-1] and rows[-2] == "step 1", rows


def _watched(tmp_path: Path, capsys: pytest.CaptureFixture[str], *events: Event) -> str:
    """What a watch of the ended run ``events`` make prints."""
    db = tmp_path / "history.db"
    history = History(db)
    try:
        history.next_number("loop")
        history.sink([_start(), *events])
        assert history.flush(10)
        assert watch.follow(db, RUN_ID, json_lines=False) == 0
    finally:
        history.close()
    return capsys.readouterr().out


def test_each_piece_comes_after_the_lines_before_it_and_nothing_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    said = _watched(
        tmp_path,
        capsys,
        _piece("loading\n", 1.1),
        _step("load", StateType.RUNNING, 1.2),
        _step("load", StateType.COMPLETED, 1.3),
        _piece("calling b... ", 1.4),  # a row left half-written: the lines go below it
        _step("b", StateType.RUNNING, 1.5),
        _step("b", StateType.COMPLETED, 1.6),
        _end("loading\ncalling b... done\n", 2.0),  # "done" came with the end alone
    )
    rows = [row.split(" ", 1)[1] if row[:2].isdigit() else row for row in said.splitlines()]
    assert rows[1:] == [
        "loading",
        "loop/load ▶ running (attempt 1/1)",
        "loop/load ✓ completed (attempt 1/1) → ",
        "loop/b ▶ running (attempt 1/1)",  # (a terminal: below ``calling b... ``)
        "loop/b ✓ completed (attempt 1/1) → ",
        "calling b... done",  # into a file, a line once it ended (a ``\r`` may follow)
        "loop #1 COMPLETED: 2 completed in 1.0s",
    ], said


def test_what_the_pieces_left_out_of_a_cut_output_is_its_tail_s_end() -> None:
    """Past the capture's cap the end's output lost its middle, and a piece may have
    skipped some: the counts of all that was written still tell where the rest starts."""
    half = MAX_CAPTURE // 2
    head, tail = "h" * (half - 1) + "\n", "t" * (half - 3) + "\nend\n"
    output = f"{head}… 1,000 characters of output dropped …\n{tail}"
    written = len(head) + 1_000 + len(tail)
    gap = skipped_note(500, 0) + "\n"
    pieces = [head, gap + "x" * 100, "y" * (written - len(head) - 600 - 4)]
    shown = _followed(pieces)
    assert shown == written - 4
    assert rest(output, shown) == "end\n"
    assert rest(output, written) == ""
    assert rest("all of it\n", 4) == "of it\n"
    assert rest(output, 10).startswith(f"… {written - 10 - len(tail):,} characters of output")


def _followed(pieces: list[str]) -> int:
    """How much of all a body wrote its ``pieces`` stand for, as the watch counts them."""
    shown = skipped = 0
    line_start = True
    for piece in pieces:
        at = shown
        shown += covered(piece, at, skipped, line_start=line_start)
        skipped += skipped_gap(piece, at, skipped, line_start=line_start)
        line_start = piece.endswith("\n")
    return shown


def test_a_note_the_body_printed_itself_is_its_text() -> None:
    """A body printing ``… N characters of output skipped …`` or ``… dropped …`` lines of
    its own: only the note ``live_output`` starts a piece with, and the one the capture
    put after its head, are counted as such."""
    real = skipped_note(500, 0) + "\n"
    assert covered(real) == len(real)  # nothing dropped yet: no piece skips any
    assert _followed(["x" * 100 + "\n", real]) == 101 + len(real)  # nor before the cap
    assert _followed(["x" * MAX_CAPTURE + "\n", real + "y\n"]) == MAX_CAPTURE + 1 + 500 + 2
    # a later note says all skipped so far: one that does not is the body's
    later = skipped_note(70, 500) + "\n"
    pieces = ["x" * MAX_CAPTURE + "\n", real, later]
    assert _followed(pieces) == MAX_CAPTURE + 1 + 570
    assert _followed([*pieces[:2], real]) == MAX_CAPTURE + 1 + 500 + len(real)
    # mid-piece, or after a line the piece before ended, it is the body's
    assert _followed(["x" * MAX_CAPTURE + "\n", "y\n" + real]) == MAX_CAPTURE + 3 + len(real)
    assert _followed(["x" * MAX_CAPTURE + "\n", "\n" + real]) == MAX_CAPTURE + 2 + len(real)
    half = MAX_CAPTURE // 2
    dropped = "… 9 characters of output dropped …\n"
    body = "said\n" + dropped + "h" * (half - 6 - len(dropped)) + "\n"
    output = f"{body}… 1,000 characters of output dropped …\n{dropped}tail\n"
    written = len(body) + 1_000 + len(dropped) + 5
    assert rest(output, written - 5) == "tail\n"
    assert rest(output, written - 5 - len(dropped)) == dropped + "tail\n"
    assert rest(dropped + "tail\n", len(dropped)) == "tail\n"  # none dropped: all its own


#: A body's writes: a line's text (``\r``s redrawing it), repeated to a length.
_WRITES = st.lists(
    st.tuples(
        st.text(alphabet="ab\n\r", min_size=1, max_size=40),
        st.sampled_from([1, 10, 100, 5_000, 50_000, 200_000]),
        st.booleans(),  # a look at it (a piece) after this write
    ),
    min_size=1,
    max_size=30,
)
#: A skip note, or the rest's own (``rest``), read back.
_NOTE = re.compile(r"… ([\d,]+) characters of output skipped(?: \([\d,]+ so far\))? …\n")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_WRITES)
def test_the_pieces_and_the_rest_make_all_the_body_wrote(
    writes: list[tuple[str, int, bool]],
) -> None:
    """Whatever a body wrote, and whenever its pieces were taken: the rest the watch adds
    at its end is what came after them, each character once (the capture's head ended at
    a ``\r``, or mid-line, it wrote one more: a blank row before the run's last line)."""
    captured = AttemptOutput()
    written: list[str] = []
    pieces: list[str] = []
    start, line_start, skipped = 0, True, 0
    for pattern, size, look in writes:
        text = (pattern * (size // len(pattern) + 1))[:size]
        captured.write(text)
        written.append(text)
        if look:
            piece, start, gap = live_output._piece(captured, start, line_start, skipped)
            if piece:
                pieces.append(piece)
                line_start, skipped = piece.endswith("\n"), skipped + gap
    whole, output = "".join(written), captured.getvalue()
    shown = _followed(pieces)
    assert shown == start
    cut = DROPPED_NOTE.search(output)
    # a head ending in a ``\r\n`` of its own reads as one ``_told`` cut at a ``\r``
    assume(
        cut is None
        or not whole.startswith(output[: cut.start()])
        or not output[: cut.start()].endswith("\r\n")
    )
    left = rest(output, shown)
    seen = _NOTE.sub("", left)
    told = sum(int(note[1].replace(",", "")) for note in _NOTE.finditer(left))
    assert whole.endswith(seen)
    assert len(seen) + told == len(whole) - start
