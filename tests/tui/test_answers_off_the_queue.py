"""`n` and `x` on a run in its own process hold no store write behind their answer.

`n` writes a command to the run store, then waits up to ``ANSWER_WAIT`` for the run
process's answer. That wait was made on the queue of store writes (``launch_queue``): a
`c`, `r` or `f` pressed meanwhile waited behind it, and a process that never answered
(stuck, or ended) held the queue that long for each `n`. The command is still written in
its turn; its answer is now waited for apart, and said as before once it comes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from flowtop.engine.states import StateType
from flowtop.tui import run_control
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.confirm import ConfirmScreen
from flowtop.workspace import Workspace, owner_agent
from pilot_kit import toasts_said, wait_for

S = StateType
SIZE = (120, 36)

#: ``waiter`` fails every attempt and waits a minute before the next: a run that stays live.
FLOW = """
from flowtop import Flow, task

@task(max_retries=5, retry_delay=60)
def waiter():
    raise ConnectionError("down")

with Flow("slow") as flow:
    waiter()
"""


@pytest.fixture
def slow(tmp_path: Path) -> Iterator[Workspace]:
    (tmp_path / "slow.py").write_text(FLOW)
    workspace = Workspace(tmp_path)
    workspace.load()
    yield workspace
    workspace.close()


class Unanswered:
    """The run process's answers as this process reads them (``owner_agent.outcome``):
    none while ``gate`` is shut, as from a process that does not answer; then what the
    store says, or ``then`` in its place."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, then: str | None = None) -> None:
        self.gate = threading.Event()
        self.awaited = threading.Event()  # an answer is being waited for
        self.said: list[str | None] = []  # what was read once the gate opened
        real = owner_agent.outcome

        def outcome(path: Path, command_id: int) -> str | None:
            self.awaited.set()
            if not self.gate.is_set():
                return None
            said = real(path, command_id) if then is None else then
            self.said.append(said)
            return said

        monkeypatch.setattr(owner_agent, "outcome", outcome)


def commands(workspace: Workspace) -> list[str]:
    """The kinds of the commands written to the run store, in the order written."""
    uri = f"file:{workspace.state_dir / 'history.db'}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as conn:
        return [kind for (kind,) in conn.execute("SELECT kind FROM commands ORDER BY id")]


def waiting_for_retry(app: FlowtopApp) -> bool:
    run = app.table.run
    row = run.rows.get("waiter") if run is not None else None
    return row is not None and row.state is S.AWAITING_RETRY


async def start_and_wait_for_the_retry(pilot: Any, app: FlowtopApp) -> None:
    await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
    app.flow_list.select_flow("slow")
    await pilot.press("r")
    await wait_for(pilot, lambda: waiting_for_retry(app), "waiter to await its retry", 30)


async def test_a_cancel_after_n_is_written_while_n_still_waits_for_its_answer(
    slow: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_control, "ANSWER_WAIT", 60.0)  # a guard, no timing check
    answers = Unanswered(monkeypatch)
    app = FlowtopApp(slow, watch=False, run_processes=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start_and_wait_for_the_retry(pilot, app)
        with toasts_said(app) as said:
            await pilot.press("n")
            await wait_for(pilot, answers.awaited.is_set, "n written, its answer awaited")
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "c's ask")
            await pilot.press("y")
            # old: the cancel waited on the queue until n's answer window was over
            await wait_for(pilot, lambda: commands(slow) == ["retry_now", "cancel"], "c written")
            assert answers.said == [], "n's answer came before the cancel was written"
            answers.gate.set()  # the run's process answers now
            await wait_for(pilot, lambda: answers.said, "n's answer")
            await wait_for(
                pilot,
                lambda: app.table.run is not None and app.table.run.state is S.CANCELLED,
                "the run to end cancelled",
                30,
            )
        # n's answer, and c's: its run process's answer is waited for too (``CancelAnswer``)
        assert answers.said and set(answers.said) == {"applied"}, answers.said
        assert not [text for text in said if "Could not" in text or "over" in text], said


@pytest.mark.parametrize(
    ("key", "answer", "toast"),
    [
        ("n", "ignored: nothing to do", "The wait of attempt 1 of waiter was already cut"),
        ("x", "failed: ValueError: boom", "The run's process failed to do it: ValueError: boom"),
    ],
)
async def test_an_answer_waited_for_apart_is_still_said(
    slow: Workspace, monkeypatch: pytest.MonkeyPatch, key: str, answer: str, toast: str
) -> None:
    """What the run's process answers reaches the screen as before: a wait over (another
    window's key cut it), or a command it failed to apply."""
    monkeypatch.setattr(run_control, "ANSWER_WAIT", 60.0)  # a guard, no timing check
    answers = Unanswered(monkeypatch, then=answer)
    app = FlowtopApp(slow, watch=False, run_processes=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start_and_wait_for_the_retry(pilot, app)
        with toasts_said(app) as said:
            await pilot.press(key)
            await wait_for(pilot, answers.awaited.is_set, f"{key} written, its answer awaited")
            answers.gate.set()
            await wait_for(pilot, lambda: any(toast in text for text in said), repr(toast))
        app.shutdown(cancel=True)
