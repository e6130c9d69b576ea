"""`Upstream: leaf, … leaf-8 and 1992 more`: the detail pane counted the neighbours it
left out without the thousands mark every other count of the monitor has (`2,000
tasks`). So did each list of the monitor that names a few and counts the rest."""

from __future__ import annotations

from flowtop.engine.events import RunStarted
from flowtop.engine.states import StateType
from flowtop.tui.launch_notes import _told
from flowtop.tui.model import TaskRow
from flowtop.tui.run_store import RunStore
from flowtop.tui.screens.quit import QuitScreen
from flowtop.tui.widgets.detail_pane import body_text
from flowtop.tui.widgets.no_rows import listing, wrapped

LEAVES = [f"leaf-{i}" for i in range(1, 2001)]


def test_the_detail_pane_counts_the_neighbours_it_does_not_name() -> None:
    row = TaskRow("root", StateType.PENDING)
    plain = body_text(row, None, links=(LEAVES, ["sink"])).plain
    assert "Upstream: leaf-1, leaf-2" in plain
    assert "leaf-8 and 1,992 more\n" in plain


def test_a_pending_task_counts_the_upstream_tasks_it_waits_for() -> None:
    store = RunStore()
    keys = ("root", *LEAVES)
    store.apply_batch(
        [RunStarted("r1", "fan", 1, keys, (1,) * len(keys), ("",) * len(keys), None, 1.0)]
    )
    run = store.latest_for("fan")
    assert run is not None
    said = run.waiting_for("root", LEAVES)
    assert said == "upstream leaf-1, leaf-2, leaf-3 and 1,997 more to finish"


def test_the_quit_question_counts_the_live_runs() -> None:
    live = [f"etl #{n}" for n in range(1, 1206)]
    said = QuitScreen(live)._question()
    assert said.startswith("1,205 runs started here are still running: etl #1, etl #2")
    assert "etl #5 and 1,200 more." in said


def test_a_toast_of_launch_notes_counts_those_it_leaves_out() -> None:
    told = _told("etl", [f"note {n}" for n in range(1004)])
    assert told.endswith("  … and 1,000 more")


def test_a_list_of_subflows_cut_counts_those_left_out() -> None:
    entries = [f"✓\u00a0leaf\u00a0#{n}," for n in range(1, 1501)]
    lines = wrapped(listing(" ".join(["subflows:", *entries]), len(entries)), 40)
    assert lines[-1].endswith(", +1,490 more"), lines
