"""One sentence in one place, what a function needs passed to it, not left beside it.

``flowtop run``'s end line built the failures a ``@flow`` body caught from words of its
own beside ``subflow_runs.handled_words`` (which says it is that line's); the monitor's
header grouped a run's subflow calls once by stashing them on the shared ``RunModel``;
a run's page drew a reused subflow run by passing ``"reused"`` where a stored state goes
(a stored state named ``reused`` read ``↺ Reused``); the page and ``PageReads`` each
asked whether the history was a store; ``--prune N --json``'s keys were a tuple to keep
in ``pruning.WHYS``' order.
"""

from __future__ import annotations

import io

from flowtop import formats
from flowtop.commands.history_prune import _as_json
from flowtop.commands.history_subflows import print_subflows
from flowtop.commands.run_lines import finished_line
from flowtop.engine.events import RunFinished
from flowtop.engine.states import StateType
from flowtop.looks import REUSED_LOOK, STATE_LOOK
from flowtop.tui.model import RunModel
from flowtop.tui.screens.run_detail import state_text
from flowtop.tui.screens.run_pruned import PageReads
from flowtop.tui.screens.run_subflows import subflows_text
from flowtop.tui.widgets.no_rows import failed_subflows, subflow_labels
from flowtop.tui.widgets.run_header import handled_note
from flowtop.workspace.pruning import CALLED, LIVE, RERUNNING, STOOD_FOR, WHY_KEYS, WHYS
from flowtop.workspace.store_reader import StoreReader
from flowtop.workspace.subflow_runs import SubflowRun, handled_words


def test_flowtop_run_s_end_line_says_the_caught_failures_in_handled_words_s_words() -> None:
    assert not hasattr(formats, "handled_failures")  # old: its own words for the tasks'
    counts = {StateType.COMPLETED.value: 2, StateType.FAILED.value: 1}
    done = RunFinished("r1", "mom", 3, StateType.COMPLETED, counts, 1.5, ts=0.0)
    line = finished_line(done, run_output=False, failed_subflows=2)
    assert line.endswith(f" in 1.5s {handled_words(1, 2)[0]}"), line
    assert line.endswith(
        " (1 task failed, handled by the flow) (2 subflows failed, handled by the flow)"
    )
    failed = done._replace(state=StateType.FAILED)
    assert "handled" not in finished_line(failed, run_output=False, failed_subflows=2)


def _kid(number: int, state: StateType) -> RunModel:
    run = RunModel("kid", [], run_id=f"kid-{number}", number=number)
    run.state = state
    return run


def test_the_header_s_helpers_say_the_calls_they_are_given() -> None:
    mom = RunModel("mom", ["prep"], run_id="mom-1", number=1)
    mom.state = StateType.COMPLETED
    calls = [(_kid(2, StateType.FAILED), [_kid(1, StateType.FAILED)])]  # none of mom's own
    assert subflow_labels(calls) == ["✗ kid #2 (retry of #1)"]
    assert failed_subflows(calls) == 1
    note = handled_note(mom, calls)
    assert note is not None and note.wordings[0] == "(1 subflow failed, handled by the flow)"
    assert handled_note(mom, []) is None
    assert not hasattr(mom, "subflow_calls_once")  # nothing held on the shared run


def test_a_subflow_run_s_look_is_its_own_and_a_state_named_reused_is_not_reused() -> None:
    reused = SubflowRun("a", "kid", 1, "COMPLETED", reused=True)
    done = SubflowRun("b", "kid", 2, "COMPLETED")
    odd = SubflowRun("c", "kid", 3, "reused")  # a crafted (or newer) store's state
    assert reused.look == REUSED_LOOK
    assert done.look == STATE_LOOK[StateType.COMPLETED]
    assert odd.look is None
    assert state_text("reused").plain == "? Reused"  # old: ↺ Reused
    assert state_text("COMPLETED", look=REUSED_LOOK).plain == "↺ Reused"
    page = subflows_text(
        [reused, done, odd],
        lambda run: state_text(run.state, look=run.look),
        own_tasks=False,
        run_state="COMPLETED",
    ).plain
    assert "kid #1 · ↺ Reused" in page and "kid #2 · ✓ Completed" in page, page
    assert "kid #3 · ? Reused" in page, page
    out = io.StringIO()
    print_subflows([reused, odd], out)
    assert "  ↺ kid #1  COMPLETED (every task reused)" in out.getvalue()
    assert "  ? kid #3  reused" in out.getvalue()


def test_a_page_s_reads_say_whether_they_watch_a_store() -> None:
    assert PageReads(StoreReader("flowtop.db")).watches_store  # (not opened until read)
    assert not PageReads(object()).watches_store  # type: ignore[arg-type] # a test's history


def test_prune_json_keys_follow_the_whys_from_one_map() -> None:
    assert WHYS == tuple(WHY_KEYS) == (LIVE, CALLED, STOOD_FOR, RERUNNING)
    said = _as_json({CALLED: 2, LIVE: 1})
    assert list(said.items()) == [("live", 1), ("called", 2), ("stood_for", 0), ("rerunning", 0)]
