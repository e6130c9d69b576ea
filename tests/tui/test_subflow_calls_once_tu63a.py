"""The monitor groups a run's subflow calls as the history does, and its header once a tick.

``RunModel.subflow_calls`` grouped a parent's subflow runs its own way beside
``subflow_runs.subflow_calls`` (a run's page, ``history --run``, a rerun's plan): a
crafted loop of reruns (``a`` reruns ``b``, ``b`` reruns ``a``) left the monitor listing
neither run. And the header grouped them three times at each of its ten ticks a second
(its labels, their symbols, how many failed): once now (``subflow_notes`` passes them on).
"""

from __future__ import annotations

import pytest

from flowtop.engine.states import StateType
from flowtop.tui import model
from flowtop.tui.model import RunModel
from flowtop.tui.widgets.no_rows import failed_subflows, subflow_labels
from flowtop.tui.widgets.run_header import subflow_notes
from flowtop.workspace.subflow_runs import subflow_calls


def _run(number: int, state: StateType, rerun_of: str | None = None) -> RunModel:
    run = RunModel("kid", [], run_id=f"kid-{number}", number=number, rerun_of=rerun_of)
    run.state = state
    return run


def _mom(*children: RunModel) -> RunModel:
    mom = RunModel("mom", ["prep"], run_id="mom-1", number=1)
    mom.state = StateType.COMPLETED
    mom.children = list(children)
    return mom


def test_the_header_groups_the_calls_once(monkeypatch: pytest.MonkeyPatch) -> None:
    grouped: list[int] = []

    def counted(runs: list[RunModel]) -> list[tuple[RunModel, list[RunModel]]]:
        grouped.append(len(runs))
        return subflow_calls(runs)

    monkeypatch.setattr(model, "subflow_calls", counted, raising=False)
    kid1 = _run(1, StateType.FAILED)
    mom = _mom(kid1, _run(2, StateType.FAILED, "kid-1"), _run(3, StateType.COMPLETED))
    notes = [note.wordings[0] for note in subflow_notes(mom)]
    assert notes == [
        "subflows: ✗ kid #2 (retry of #1), ✓ kid #3",
        "(1 subflow failed, handled by the flow)",
    ], notes
    assert grouped == [3]  # old: 3 times
    assert mom.subflow_calls() == subflow_calls(mom.children)  # grouped anew each time
    assert len(grouped) == 2


def test_a_crafted_loop_of_reruns_lists_each_run_as_the_history_does() -> None:
    a = _run(1, StateType.FAILED, "kid-2")
    b = _run(2, StateType.COMPLETED, "kid-1")
    mom = _mom(a, b)
    assert mom.subflow_calls() == subflow_calls(mom.children) == [(a, []), (b, [])]
    assert subflow_labels(mom.subflow_calls()) == ["✗ kid #1", "✓ kid #2"]  # old: none
    assert failed_subflows(mom.subflow_calls()) == 1


def test_the_monitor_s_calls_are_the_history_s() -> None:
    kid1 = _run(1, StateType.FAILED)
    kid2 = _run(2, StateType.FAILED, "kid-1")
    kid3 = _run(3, StateType.COMPLETED, "kid-2")
    other = _run(4, StateType.COMPLETED, "elsewhere")  # a rerun of another parent's run
    mom = _mom(kid1, other, kid2, kid3)
    assert mom.subflow_calls() == subflow_calls(mom.children) == [(kid3, [kid1, kid2]), (other, [])]
