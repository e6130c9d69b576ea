"""Whether `f` on a completed run would rerun a task, as the process holding the code says.

The footer offers `f` only where pressing it acts (``keymap.idle_actions``). On a run of a
``with Flow`` flow that completed, `f` acts when the code changed since: a task added (the
table sees it: ``code_rows.added_since``), or a task's call changed (``extract("/orders")``
saved as ``extract("/customers")``), which only the process holding the code can tell
(``WorkspaceView.nothing_to_rerun``: the flow host plans the rerun, up to a second or so
while it is busy or reads the run's stored results). The footer is worked out on the
screen's thread every tick and every redraw, so it never asks: the first look at a run
asks on a thread, one question at a time, and the answer is kept per flow, run and code
generation (each load or reload of the flow files the app hears of begins one: the code
may have changed). Until the answer comes, or when the host could not say, an added task
decides, as it did before the host was asked at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message

if TYPE_CHECKING:
    from textual.app import App

    from flowtop.tui.messages import WorkspaceLoaded, WorkspaceReloaded
    from flowtop.tui.model import RunModel
    from flowtop.tui.workspace_view import WorkspaceView

    # As in ``keymap``: the checker sees the mixin as the App it is mixed into; at run
    # time it is a plain class, so it shadows none of the App's methods.
    _AppBase = App[int]
else:
    _AppBase = object


@dataclass
class RerunAnswered(Message):
    """The host's word on ``flow``'s run ``run_id`` by the code of ``generation``: why a
    rerun would run no task, "" when one would run, None when it could not say."""

    flow: str
    run_id: str
    generation: int
    nothing: str | None


@dataclass
class _Answers:
    #: Counts the loads and reloads heard of: an answer is for the code of one of them.
    generation: int = 0
    #: Whether `f` would run a task, by (flow, run id), for ``generation``; None: the host
    #: could not say (busy or gone), not asked again until the code changes.
    said: dict[tuple[str, str], bool | None] = field(default_factory=dict)
    #: The (flow, run id) being asked about: one question at a time, so arrowing down a
    #: long flows list leaves no queue of threads waiting on a busy host.
    asking: tuple[str, str] | None = None


class RerunAnswers(_AppBase):
    """Mixed into ``FlowtopApp`` (through ``KeyActions``, whose ``key_context`` asks)."""

    # Provided by FlowtopApp:
    workspace: WorkspaceView

    if TYPE_CHECKING:  # FooterKeys' method

        def _footer_follows(self) -> None: ...

    @cached_property
    def _rerun_answers(self) -> _Answers:
        return _Answers()

    def rerun_would_run(self, run: RunModel) -> bool | None:
        """Whether `f` on the completed ``run`` would run a task, by the code loaded now,
        as the host said; None until it has said (asked now, on a thread, if no other
        question is under way) or when it could not."""
        if run.run_id is None:  # (a run not recorded yet: nothing to ask about)
            return None
        answers, key = self._rerun_answers, (run.flow, run.run_id)
        if key in answers.said:
            return answers.said[key]
        if answers.asking is None:
            answers.asking = key
            self._ask_about_rerun(run.flow, run.run_id, answers.generation)
        return None

    @work(thread=True, group="rerun-answers", exit_on_error=False)
    def _ask_about_rerun(self, flow: str, run_id: str, generation: int) -> None:
        """Answered even when the question raises (as not known): else ``asking`` would
        stay set, and the footer would never ask about a run again."""
        nothing: str | None = None
        try:
            nothing = self.workspace.nothing_to_rerun(flow, run_id)
        finally:
            self.post_message(RerunAnswered(flow, run_id, generation, nothing))

    def on_rerun_answered(self, message: RerunAnswered) -> None:
        """Kept if still for the code loaded now; the footer then follows, and asks about
        the run selected meanwhile, if another."""
        answers = self._rerun_answers
        answers.asking = None
        if message.generation == answers.generation:
            nothing = message.nothing
            answers.said[message.flow, message.run_id] = None if nothing is None else not nothing
        self._footer_follows()

    def on_workspace_loaded(self, message: WorkspaceLoaded) -> None:
        """(Beside ``FirstLoad``'s: Textual calls each class's handler.)"""
        self._code_changed()

    def on_workspace_reloaded(self, message: WorkspaceReloaded) -> None:
        """(Beside ``ReloadActions``', called before this one: the selection is the
        reload's already.)"""
        self._code_changed()

    def _code_changed(self) -> None:
        """The answers were for the code as it was: the footer falls back on added tasks,
        and the selected run is asked about again at once."""
        answers = self._rerun_answers
        answers.generation += 1
        answers.said.clear()
        self._footer_follows()
