"""A long task output in the monitor: its end in reach, its live label true, its gutter
on every row (``head_tail``, ``detail_pane``, ``screens.history``)."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from flowtop.engine.events import ErrorInfo, TaskOutput, TaskStateChanged
from flowtop.engine.states import StateType as S
from flowtop.head_tail import HEAD, TAIL, head_and_tail
from flowtop.tui.model import AttemptView, RunModel, TaskRow
from flowtop.tui.widgets.detail_pane import LIVE_LINES, body_text

#: What tailfail.py printed: 3,000 lines, then the one that says what it was about to do.
LOADED = "".join(f"loaded row {i}\n" for i in range(3000))
LAST = "LAST LINE: about to write to warehouse"


def failed_row(output: str) -> TaskRow:
    row = TaskRow("load_rows", 0, S.FAILED, 1)
    error = ErrorInfo("RuntimeError", "warehouse rejected batch", "Traceback …\nRuntimeError\n")
    row.add_attempt(AttemptView(1, 0.0, state=S.FAILED, duration=1.0, error=error, output=output))
    return row


def test_a_long_text_shows_its_head_and_its_tail_and_counts_the_middle() -> None:
    text = LOADED + LAST + "\n"
    shown = head_and_tail(text)
    head, note, tail = shown.partition(" characters not shown …\n")
    head, _, hidden = head.rpartition("… ")
    assert note and text.startswith(head) and text.endswith(tail)
    assert len(head) + int(hidden.replace(",", "")) + len(tail) == len(text)  # counted true
    assert head.endswith("\n") and tail.startswith("loaded row ")  # whole lines each side
    assert HEAD // 2 < len(head) <= HEAD and TAIL // 2 < len(tail) <= TAIL
    assert head_and_tail("short\n") == "short\n"
    one_line = "x" * 50_000  # no line end to cut at: cut where the counts say
    assert (
        head_and_tail(one_line)
        == "x" * HEAD + f"\n… {50_000 - HEAD - TAIL:,} characters not shown …\n" + "x" * TAIL
    )


def test_the_detail_pane_shows_the_end_of_a_long_failed_attempt() -> None:
    """tailfail.py: the pane ended at "loaded row 1318 … (26928 more characters)"."""
    text = body_text(failed_row(LOADED + LAST + "\n"), None).plain
    assert f"│ {LAST}\n" in text and "│ loaded row 0\n" in text
    assert "characters not shown" in text and len(text) < HEAD + TAIL + 5_000


def test_the_history_screen_shows_the_end_of_a_long_failed_attempt(tmp_path: Path) -> None:
    from flowtop import Flow, task
    from flowtop.engine import Runner
    from flowtop.tui.screens.run_detail import attempts_text
    from flowtop.workspace.history import History

    @task(max_retries=0)
    def load_rows() -> None:
        print(LOADED + LAST)
        raise RuntimeError("warehouse rejected batch")

    flow = Flow("tailfail")
    flow.add_task(load_rows)
    with History(tmp_path / "history.db") as history:
        runner = Runner(2, sinks=[history.sink], next_number=history.next_number)
        try:
            run = runner.start(flow)
            run.final_result(10)
            assert runner.bus.flush(10) and history.flush(10)
        finally:
            runner.shutdown()
        text = attempts_text(history.run_detail(run.run_id).task("load_rows")).plain
    assert f"{LAST}\n" in text and "loaded row 0\n" in text and "characters not shown" in text
    assert "RuntimeError: warehouse rejected batch" in text


def test_a_running_attempt_s_label_claims_no_count_its_kept_tail_cannot_know() -> None:
    """It said "(last 12 of 625 lines)" of 2,000 lines: 625 was what the model kept."""
    run = RunModel("liveprint", ["chatty"], run_id="r1")
    run.apply(TaskStateChanged("r1", "liveprint", "chatty", S.RUNNING, 1, 1, 1.0))
    for i in range(2000):
        run.apply(TaskOutput("r1", "liveprint", "chatty", 1, f"progress {i} {'p' * 90}\n", 2.0))
    text = body_text(run.rows["chatty"], None).plain
    assert f"output so far (last {LIVE_LINES} lines):" in text
    assert " of 625 lines" not in text and "│ progress 1999 " in text


def rows_of(row: TaskRow, width: int) -> list[str]:
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(body_text(row, None, now=0.0).renderable())
    return console.export_text().splitlines()


def test_a_long_line_with_no_spaces_keeps_the_gutter_on_each_of_its_rows() -> None:
    """Wrapped as a word, it left "│" alone on a row and its text on the next, unmarked."""
    row = TaskRow("etl", 0, S.COMPLETED, 1)
    output = "short\n" + "x" * 100 + "\nend\n"
    row.add_attempt(AttemptView(1, 0.0, state=S.COMPLETED, duration=1.0, output=output))
    rows = rows_of(row, 40)
    shown = rows[rows.index("      output:".ljust(40)) + 1 :]
    assert [r[:8] for r in shown] == ["      │ "] * 6  # short, 100 x's in 4 pieces, end
    assert "".join(r[8:].rstrip() for r in shown) == "short" + "x" * 100 + "end"
