"""A ``@flow`` body's output past the capture's cap, read back by ``flowtop watch``; and a
body's lines of a run the watch saw interrupted.

A head that ended in a ``\\r\\n`` of its own read back as one the capture cut at a ``\\r``
(the ``\\n`` its own): the watch's rest of a body printing ``end`` after a capped output
of ``\\r\\n`` lines came out ``nd``. The note's line now ends in ``\\r\\n`` after such a
head. And ``BodyLines.ended`` kept following the interrupted run: its record grew with
each run a long watch saw interrupted, and a piece of it read later was printed.
"""

from __future__ import annotations

import io
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowtop.commands.body_lines import ENDED_KEPT, BodyLines
from flowtop.commands.printers import HumanPrinter
from flowtop.engine.attempt_output import DROPPED_NOTE, MAX_CAPTURE, AttemptOutput
from flowtop.engine.body_output import rest
from flowtop.engine.events import FLOW_BODY, RunFinished, RunStarted, TaskOutput
from flowtop.engine.states import StateType

#: The note ``rest`` puts before what it gives of a tail past what the pieces showed.
_SKIPPED = re.compile(r"… ([\d,]+) characters of output skipped …\n")


def _captured(*writes: str) -> tuple[str, str]:
    """All that ``writes`` wrote, and what the capture kept of it."""
    output = AttemptOutput()
    for text in writes:
        output.write(text)
    return "".join(writes), output.getvalue()


def _read_back(whole: str, output: str) -> None:
    """``output``, the capture of ``whole``, read back as the watch reads a run's end:
    its head is ``whole``'s start, its tail ``whole``'s end, and with what its note says
    was dropped they count all of ``whole``."""
    note = DROPPED_NOTE.search(output)
    if note is None:
        assert output == whole
        return
    dropped = int(note[1].replace(",", ""))
    tail = output[note.end() + 1 :]  # (past the note's line end)
    everything = rest(output, 0)  # none shown: the tail, after a count of all before it
    skipped = _SKIPPED.match(everything)
    assert skipped is not None and everything[skipped.end() :] == tail, everything[:80]
    head = int(skipped[1].replace(",", "")) - dropped  # the head's characters, as read
    assert head + dropped + len(tail) == len(whole)
    assert output[:head] == whole[:head]
    assert output[head : note.start()] in ("", "\n")  # a line end ``_told`` added
    assert whole.endswith(tail)


def test_a_head_ending_in_its_own_crlf_reads_back_whole() -> None:
    line = "x" * 98 + "\r\n"
    whole, output = _captured(line * (MAX_CAPTURE // len(line) + 50), "end\n")
    note = DROPPED_NOTE.search(output)
    assert note is not None and output[: note.start()].endswith(line)
    assert rest(output, len(whole) - 4) == "end\n"  # was "nd\n"
    assert rest(output, len(whole) - 5) == "\nend\n"
    _read_back(whole, output)


#: A body's writes: a line's text (``\r``s redrawing it, ``\r\n``s ending it), repeated.
_WRITES = st.lists(
    st.tuples(
        st.text(alphabet="ab\n\r", min_size=1, max_size=40),
        st.sampled_from([1, 2, 10, 100, 5_000, 50_000, 200_000]),
    ),
    min_size=1,
    max_size=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_WRITES)
def test_any_capped_output_reads_back_its_head_and_tail_exactly(
    writes: list[tuple[str, int]],
) -> None:
    """Its head cut at a bar's ``\r`` (the ``\n`` after it ``_told``'s), mid-line, or at a
    line's end of its own, ``\r\n`` or ``\n``: read back, it is what was written."""
    texts = [(pattern * (size // len(pattern) + 1))[:size] for pattern, size in writes]
    _read_back(*_captured(*texts))


RUN_ID = "c0c0c0c0c0c0"


def _body_lines() -> tuple[BodyLines, io.StringIO]:
    out = io.StringIO()
    printer = HumanPrinter(out, live=False, verbose=True, run_output=True)
    return BodyLines(printer), out


def _start(run_id: str) -> RunStarted:
    return RunStarted(run_id, "loop", 1, (), (), (), ts=1.0)


def _piece(run_id: str, text: str) -> TaskOutput:
    return TaskOutput(run_id, "loop", FLOW_BODY, 0, text, 1.5)


def test_an_interrupted_run_s_late_piece_and_end_are_not_its_body_s_lines() -> None:
    lines, out = _body_lines()
    lines([_start(RUN_ID), _piece(RUN_ID, "step 0\nhalf")])
    lines.ended(RUN_ID)
    assert RUN_ID not in lines.followed
    said = out.getvalue()
    assert said.endswith("step 0\nhalf\n"), said
    lines([_piece(RUN_ID, " late\n")])
    counts = {StateType.COMPLETED.value: 1}
    end = RunFinished(
        RUN_ID, "loop", 1, StateType.COMPLETED, counts, 1.0, 2.0, output="step 0\nhalf late\n"
    )
    lines([end])
    later = out.getvalue()[len(said) :]
    assert "late" not in later and "flow output" not in later, later


def test_a_long_watch_of_many_interrupted_runs_keeps_no_record_of_each() -> None:
    lines, _ = _body_lines()
    for number in range(2 * ENDED_KEPT):
        run_id = f"{number:012x}"
        lines([_start(run_id), _piece(run_id, f"run {number}\n")])
        lines.ended(run_id)
    assert not lines.followed
    assert len(lines.over) == ENDED_KEPT
