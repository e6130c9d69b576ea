"""What the TUI needs from the workspace, as protocols.

``WorkspaceView`` is all ``flowtop`` needs: flows as shapes (plain data), never the
flows themselves, so ``flowtop.workspace.RemoteWorkspace`` — whose flows live in a flow
host process — implements it and the TUI's process runs no user code. ``LocalWorkspace``
adds the live flows and a runner (``FlowsHere``), for running flows in this process
(``InProcessControl``): ``flowtop.workspace.Workspace`` and the pilot tests' fake
(tests/tui/conftest.py, real flows and runner, fake files) implement both.
The app type-checks against these, never against ``Any``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from flowtop.engine.events import Sink
    from flowtop.engine.flow import Flow
    from flowtop.engine.parameters import ParameterProblem
    from flowtop.engine.runner import Runner
    from flowtop.workspace.flow_shapes import FlowShape
    from flowtop.workspace.history_records import RunDetail, RunRecord
    from flowtop.workspace.load_error import LoadError
    from flowtop.workspace.overrides import OverridesSaved
    from flowtop.workspace.settings import Settings


class HistoryView(Protocol):
    """The run history as the history screens read it."""

    def runs(self, flow: str | None = None, limit: int | None = 100) -> list[RunRecord]: ...

    def count(self, flow: str | None = None) -> int: ...

    def run_detail(self, run_id: str) -> RunDetail: ...


@runtime_checkable
class VersionedHistory(Protocol):
    """What a history that can tell whether it changed adds (``StoreReader.version``):
    the history screen reads its runs again only then. One that cannot (a test's) is read
    at every refresh."""

    def version(self) -> tuple[int, ...] | None:
        """The same while nothing changed, another after any change; None: not known."""
        ...


class Change(Protocol):
    """What one load or reload did (``WorkspaceChanged``)."""

    @property
    def flows(self) -> Sequence[str]: ...

    @property
    def errors(self) -> Sequence[object]: ...

    def summary(self) -> str: ...


class WorkspaceView(Protocol):
    """The workspace facade the app, the run keys and the retry editor use."""

    @property
    def root(self) -> Path: ...

    @property
    def state_dir(self) -> Path: ...

    @property
    def flow_files(self) -> Mapping[str, Path]: ...

    @property
    def shapes(self) -> Mapping[str, FlowShape]: ...

    @property
    def errors(self) -> Mapping[Path, object]: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def settings_errors(self) -> Sequence[LoadError]: ...

    @property
    def unread_prefect(self) -> Sequence[str]:
        """Flow files not read because they import prefect (drop-in mode off): after a
        whole load, beside the flows that loaded too (the first load's toast says them)."""
        ...

    @property
    def history_error(self) -> str | None: ...

    @property
    def history(self) -> HistoryView: ...

    def load(self) -> Change: ...

    def watch(self, stop_event: asyncio.Event) -> AsyncIterator[Change]: ...

    def override_for(self, flow: str, task: str) -> dict[str, Any]: ...

    def set_override(self, flow: str, task: str, **values: Any) -> OverridesSaved: ...

    def clear_override(self, flow: str, task: str) -> OverridesSaved: ...

    def check_retry_on(self, flow: str, names: Iterable[str]) -> str | None: ...

    def check_parameters(
        self, flow: str, parameters: Mapping[str, Any]
    ) -> ParameterProblem | None: ...

    def nothing_to_rerun(self, flow: str, run_id: str) -> str | None:
        """Why a rerun of the completed run ``run_id`` would run no task (the code's every
        task reused), "" when one would run, None when it cannot be asked now."""

    def stop_loading(self) -> None:
        """The app is quitting: end a load or reload in progress now, if that can be done."""


@runtime_checkable
class FlowsHere(Protocol):
    """What a workspace holding its flows in this process adds: the app tells such a
    workspace by ``isinstance``. A check against ``LocalWorkspace`` would read every
    property of ``WorkspaceView``, ``history`` (which opens the run store) included."""

    @property
    def flows(self) -> Mapping[str, Flow]: ...

    def make_runner(self, sinks: Iterable[Sink] = (), **kw: Any) -> Runner: ...


@runtime_checkable
class OneFile(Protocol):
    """What a workspace that can be opened on one flow file adds: that file (None for a
    folder). Its folder's run store holds its sibling files' runs too (a run records its
    flow, not its file): a monitor on the file lists only the file's flows
    (``RunStore.without_file``). Not part of ``WorkspaceView``: a workspace that does not
    say it (the in-process one, the pilot tests' fake) lists as a monitor on a folder."""

    @property
    def only(self) -> Path | None: ...


class LocalWorkspace(WorkspaceView, FlowsHere, Protocol):
    """A workspace holding its flows in this process: what ``InProcessControl`` runs."""
