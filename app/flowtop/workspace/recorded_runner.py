"""A runner that records its runs in the run store, and acts on the commands left there.

Three parts make a recorded run: the history's sink (every event goes into the store),
the result keeper (completed tasks' values, for reruns) and the owner agent (heartbeats,
and the cancels other processes queue). The agent opens the store on a connection of its
own, a moment after the history did: a symbolic link put at ``.flowtop`` or at the store
in between (a shared workspace's member, a race), or a hard link, is refused there with a
``FolderError``, and ``flowtop run`` ended with its traceback. Made here agent first, the
parts come together or not at all: nothing is left running when the agent is refused, and
the caller runs nothing unrecorded (``Workspace.make_runner`` says why: ``history_error``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ..engine.runner import Runner
from . import last_words
from .copies_recorder import CopiesRecorder
from .history_records import HistoryError
from .load_error import display_path
from .owner_agent import NO_FILE, OwnerAgent, apply_command, store_file_id
from .results import LiveValues, ResultKeeper
from .store_errors import store_advice

if TYPE_CHECKING:
    from .history import History


class Closable(Protocol):
    """What the workspace closes before its history: the agent, the keeper."""

    def close(self) -> None: ...


class _RunnerToBe:
    """The agent's ``apply`` for a runner made after the agent: until then no run of this
    process exists, so none is started here (None, as ``apply_command`` says of one)."""

    def __init__(self) -> None:
        self.runner: Runner | None = None

    def __call__(self, run_id: str, kind: str, task: str | None) -> bool | None:
        runner = self.runner
        return None if runner is None else apply_command(runner, run_id, kind, task)


def recorded_runner(
    history: History,
    sinks: Sequence[Callable[[list[Any]], None]],
    *,
    max_result_bytes: int,
    **runner_options: Any,
) -> tuple[Runner, list[Closable]]:
    """A ``Runner`` whose runs ``history`` records, with what must be closed before the
    history (its agent, its keeper). A store the owner agent may not open (a link took its
    place since the history opened it, or SQLite refused it) is a ``HistoryError`` of one
    line naming the store, and nothing is left started."""
    apply = _RunnerToBe()
    try:
        agent = OwnerAgent.for_history(history, apply)
    except sqlite3.Error as exc:  # (a ``FolderError`` is a ``HistoryError``: raised as it is)
        gone = store_file_id(history.path) == NO_FILE
        raise HistoryError(
            f"cannot open {display_path(history.path)} for this run's heartbeats ({exc}): "
            + (
                "it was deleted as the run started"
                if gone
                else store_advice(exc, history.path, writing=True)
            )
        ) from None
    values = LiveValues()
    state_dir = runner_options.get("state_dir")
    copies = CopiesRecorder(state_dir) if state_dir is not None else None  # (``task_copies``)
    try:  # the agent's thread runs: a runner refused (``workers=0``) must not leave it
        keeper = ResultKeeper(history.keep_results, values, cap=max_result_bytes)
        runner = Runner(
            sinks=[
                history.subscription(before=keeper),
                *sinks,
                *([] if copies is None else [copies.subscription()]),
            ],
            next_number=history.next_number,
            **runner_options,
        )
    except BaseException:
        agent.close()
        raise
    values.runner, runner.keep_results = runner, True  # stored a moment after completion
    apply.runner = runner
    runner.before_begin = agent.before_begin  # a cancel queued meanwhile: no attempt
    if copies is not None:
        copies.attach(runner)
    # ``os._exit`` in a task: what the run did so far reaches the store first
    kept = _LastWords(last_words.keep(runner.bus.flush, history.flush))
    return runner, [kept, agent, keeper]


class _LastWords:
    """``last_words.keep``'s hold on the runner and its store, let go as they close."""

    def __init__(self, token: object) -> None:
        self.token = token

    def close(self) -> None:
        last_words.forget(self.token)
