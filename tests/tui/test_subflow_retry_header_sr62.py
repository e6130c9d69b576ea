"""A subflow whose own ``retries`` succeeded is not a failed subflow of its parent.

``kid`` (``@flow(retries=1)``) failed on its first try and completed on its retry, a run
of its own (``kid #2``, a rerun of ``kid #1``, a child of the same parent); the parent
caught nothing. The monitor's header said ``(1 subflow failed, handled by the flow)`` and
listed ``✗ kid #1`` first, where ``flowtop run`` / ``watch`` said nothing and ``f`` had
nothing to rerun. A subflow call counts as its last attempt (the run its retry became).
"""

from __future__ import annotations

from pathlib import Path

from flowtop import flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from flowtop.tui.widgets.no_rows import failed_subflows, no_rows_text, subflow_labels
from flowtop.tui.widgets.run_header import subflow_notes
from pilot_kit import wait_for, wait_for_text

from .conftest import FakeWorkspace


def _run(
    flow: str, number: int, state: StateType, rerun_of: str | None = None, keys: tuple = ()
) -> RunModel:
    run = RunModel(flow, list(keys), run_id=f"{flow}-{number}", number=number, rerun_of=rerun_of)
    run.state = state
    return run


def _mom(*children: RunModel, keys: tuple = ()) -> RunModel:
    mom = _run("mom", 1, StateType.COMPLETED, keys=keys)
    mom.children = list(children)
    return mom


def test_a_subflow_retried_to_completion_is_not_failed() -> None:
    kid1 = _run("kid", 1, StateType.FAILED)
    kid2 = _run("kid", 2, StateType.COMPLETED, rerun_of="kid-1")
    mom = _mom(kid1, kid2)
    assert failed_subflows(mom.subflow_calls()) == 0
    assert subflow_labels(mom.subflow_calls()) == ["✓ kid #2 (retry of #1)"]
    said = no_rows_text(mom).replace("\u00a0", " ")
    assert "✗" not in said and "kid #2 (retry of #1)" in said, said
    assert subflow_notes(mom) == []  # no task of its own: the list is in place of rows


def test_a_subflow_whose_retries_all_failed_counts_once_by_its_last_try() -> None:
    kid1 = _run("kid", 1, StateType.FAILED)
    kid2 = _run("kid", 2, StateType.FAILED, rerun_of="kid-1")
    kid3 = _run("kid", 3, StateType.FAILED, rerun_of="kid-2")
    other = _run("kid", 4, StateType.COMPLETED)
    mom = _mom(kid1, other, kid2, kid3, keys=("prep",))
    assert failed_subflows(mom.subflow_calls()) == 1
    assert subflow_labels(mom.subflow_calls()) == ["✗ kid #3 (retry of #1, #2)", "✓ kid #4"]
    notes = [note.wordings[0] for note in subflow_notes(mom)]
    assert notes[-1] == "(1 subflow failed, handled by the flow)", notes
    assert notes[0].startswith("subflows: ✗ kid #3"), notes


def test_the_header_counts_a_retried_subflow_once() -> None:
    kid1 = _run("kid", 1, StateType.FAILED)
    kid2 = _run("kid", 2, StateType.COMPLETED, rerun_of="kid-1")
    mom = _mom(kid1, kid2, keys=("prep",))
    notes = [note.wordings for note in subflow_notes(mom)]
    assert notes == [("subflows: ✓ kid #2 (retry of #1)", "subflows: ✓ 1", "")], notes


_TRIES: list[int] = []


@task(max_retries=0)
def _flaky() -> int:
    _TRIES.append(1)
    if len(_TRIES) == 1:
        raise RuntimeError("down on the first try")
    return 1


@flow(name="kid", retries=1)
def _kid() -> int:
    return _flaky()


@flow(name="mom")
def _mom_flow() -> int:
    return _kid() + 1


async def test_the_monitor_says_no_failed_subflow_for_a_retry_that_completed(
    tmp_path: Path,
) -> None:
    _TRIES.clear()
    app = FlowtopApp(FakeWorkspace(tmp_path, {"mom": _mom_flow, "kid": _kid}))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.flow_list.select_flow("mom")
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: (
                app.table.run is not None
                and app.table.run.flow == "mom"
                and app.table.run.state is StateType.COMPLETED
                and len(app.table.run.children) == 2
            ),
            "mom to complete with its two kid runs",
        )
        text = await wait_for_text(pilot, app, "✓ kid #2 (retry of #1)")
        assert "handled by the flow" not in text and "✗ kid" not in text, text
