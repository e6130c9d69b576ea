"""Pilot-test kit: a small fake workspace over real engine flows, and a wait helper.

The app only needs the workspace facade (``flowtop.tui.workspace_view.WorkspaceView``:
flows, errors, settings, policy_for, overrides, watch, history, make_runner), so the fake
keeps the real ``Runner`` and real flows and fakes only the file system side. Changes are
pushed into ``watch`` by the test. mypy checks the fake against the protocol (see the end).
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import gc
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from flowtop.engine import Flow, Retry, Runner, task
from flowtop.engine.events import Sink
from flowtop.engine.flow import Node
from flowtop.engine.layers import Layer
from flowtop.engine.parameters import ParameterProblem
from flowtop.engine.policy import RetryPolicy
from flowtop.engine.states import StateType
from flowtop.workspace.flow_shapes import FlowShape, ShapeMaker
from flowtop.workspace.history_records import RunDetail, RunRecord
from flowtop.workspace.load_error import LoadError
from flowtop.workspace.overrides import OverridesSaved, has_comments
from flowtop.workspace.places import OVERRIDES_FILE
from flowtop.workspace.remote_workspace import RemoteWorkspace
from flowtop.workspace.settings import Settings
from pilot_kit import toasts_said, wait_for
from shipped_flows import bundled_flows

if TYPE_CHECKING:
    from flowtop.tui.run_control import InProcessControl
    from flowtop.workspace.workspace import Workspace

#: A run control of a test's, in place of the app's own (``controls_made_as``).
ControlT = TypeVar("ControlT", bound="InProcessControl")


@dataclass
class FakeLoadError:
    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.path.name}:{self.line}: {self.message}"


@dataclass
class FakeChange:
    text: str
    flows: list[str] = field(default_factory=list)
    errors: list[Any] = field(default_factory=list)

    def summary(self) -> str:
        return self.text


class FakeHistory:
    def runs(self, flow: str | None = None, limit: int | None = 100) -> list[RunRecord]:
        return []

    def count(self, flow: str | None = None) -> int:
        return 0

    def run_detail(self, run_id: str) -> RunDetail:
        raise KeyError(f"no run with id {run_id!r}")

    def close(self) -> None:
        pass


class FakeWorkspace:
    def __init__(
        self, root: Path, flows: dict[str, Flow], errors: dict[Path, Any] | None = None
    ) -> None:
        self.root = root
        self.flows = flows
        self.flow_files = {name: root / f"{name}.py" for name in flows}
        self.state_dir = root / ".flowtop"
        self.errors = errors or {}
        self.settings = Settings()
        self.settings_errors: list[LoadError] = []
        self.unread_prefect: list[str] = []
        self.history_error: str | None = None
        self.overrides: dict[tuple[str, str], dict[str, Any]] = {}
        self.history = FakeHistory()
        self.runners: list[Runner] = []
        self.changes: asyncio.Queue[FakeChange] | None = None
        self.loads = 0

    def load(self) -> FakeChange:
        self.loads += 1
        return FakeChange(f"Loaded {len(self.flows)} flows", flows=list(self.flows))

    @property
    def shapes(self) -> dict[str, FlowShape]:
        """Built afresh on each read: the overrides change them, and the flows are small."""
        maker = ShapeMaker(
            self.policy_for, lambda flow: [k for f, k in self.overrides if f == flow]
        )
        return {name: maker.shape(flow) for name, flow in self.flows.items()}

    def stop_loading(self) -> None:
        pass

    def check_retry_on(self, flow: str, names: Iterable[str]) -> str | None:
        unknown = [n for n in names if not isinstance(getattr(builtins, n, None), type)]
        return f"[flows.{flow}]: retry_on: unknown exception {unknown[0]!r}" if unknown else None

    def check_parameters(self, flow: str, parameters: Mapping[str, Any]) -> ParameterProblem | None:
        loaded = self.flows.get(flow)
        return loaded.parameter_problem(parameters) if loaded is not None else None

    def nothing_to_rerun(self, flow: str, run_id: str) -> str | None:
        """As ``Workspace.nothing_to_rerun``, by the runs of this process (no store here):
        None for a run none of its runners holds (the monitor then checks added tasks)."""
        from flowtop.tui.run_control import reruns_nothing

        loaded = self.flows.get(flow)
        handle = next((h for r in self.runners if (h := r.find(run_id)) is not None), None)
        if loaded is None or handle is None:
            return None
        if not reruns_nothing(loaded, handle):
            return ""
        return f"Run #{handle.number} of {flow} has nothing to rerun"

    def policy_for(self, flow: Flow, node: Node) -> RetryPolicy:
        policy = node.task.policy
        values = self.overrides.get((flow.name, node.key))
        return policy.with_values(Layer.OVERRIDES, **values) if values else policy

    def set_override(self, flow: str, task: str, **values: Any) -> OverridesSaved:
        self.overrides.setdefault((flow, task), {}).update(values)
        return self._saved()

    def clear_override(self, flow: str, task: str) -> OverridesSaved:
        self.overrides.pop((flow, task), None)
        return self._saved()

    def _saved(self) -> OverridesSaved:
        """What a workspace says of a save: whether the overrides file it rewrote (here,
        a test's file in ``state_dir``, if any) held comments the rewrite drops."""
        path = self.state_dir / OVERRIDES_FILE
        return OverridesSaved(path.exists() and has_comments(path.read_text(encoding="utf-8")))

    def override_for(self, flow: str, task: str) -> dict[str, Any]:
        return dict(self.overrides.get((flow, task), {}))

    async def watch(self, stop_event: asyncio.Event) -> AsyncIterator[FakeChange]:
        self.changes = asyncio.Queue()
        while not stop_event.is_set():
            get = asyncio.ensure_future(self.changes.get())
            stop = asyncio.ensure_future(stop_event.wait())
            done, pending = await asyncio.wait({get, stop}, return_when=asyncio.FIRST_COMPLETED)
            for future in pending:
                future.cancel()
            if get in done:
                yield get.result()

    def make_runner(self, sinks: Iterable[Sink] = (), **kwargs: Any) -> Runner:
        runner = Runner(4, sinks=sinks, policy_for=self.policy_for, rng=lambda: 0.5, **kwargs)
        self.runners.append(runner)
        return runner


class Calls:
    """How many times each test task ran; fresh per test."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()

    def bump(self, name: str) -> int:
        with self.lock:
            self.counts[name] = self.counts.get(name, 0) + 1
            return self.counts[name]


def demo_flow(calls: Calls) -> Flow:
    """extract ✓, flaky fails once then ✓, load ✓, broken ✗ (markup in its message), report ⊘."""

    @task
    def extract() -> int:
        calls.bump("extract")
        return 1

    @task(max_retries=2, retry_delay=0.05, retry_on=[ConnectionError])
    def flaky() -> str:
        if calls.bump("flaky") == 1:
            raise ConnectionError("connection reset")
        return "ok"

    @task
    def load(a: int, b: str) -> str:
        calls.bump("load")
        return f"{a}{b}"

    @task(max_retries=0)
    def broken() -> None:
        calls.bump("broken")
        print("about to fail")
        raise ValueError("[bold]oops[/ [red]unclosed")

    @task
    def report(x: Any) -> None:
        calls.bump("report")

    with Flow("demo") as flow:
        load(extract(), flaky())
        report(broken())
    return flow


def waiting_flow(calls: Calls) -> Flow:
    """``waiter`` fails its first attempt and waits a minute for the retry; then succeeds."""

    @task(max_retries=3, retry_delay=60)
    def waiter() -> str:
        if calls.bump("waiter") == 1:
            raise Retry("rate limited [429]")
        return "done"

    flow = Flow("waiting")
    flow.add_task(waiter)
    return flow


#: The young generation's collection threshold during a TUI test. Each test's app makes
#: and drops thousands of objects a frame; at Python's 700 the collector ran every few
#: allocations (a sixth of the CPU of ``test_screens.py`` and ``test_app.py``, most of
#: it in full collections). Nothing here tests the collector's timing; the app's own
#: ``gc.freeze`` (``test_app.py``) is unchanged.
GC_YOUNG = 50_000


@pytest.fixture(autouse=True)
def _fewer_young_collections() -> Iterator[None]:
    """``GC_YOUNG`` for the test, Python's threshold back after it (other suites share
    the worker)."""
    before = gc.get_threshold()
    gc.set_threshold(GC_YOUNG, *before[1:])
    yield
    gc.set_threshold(*before)


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
def workspace(tmp_path: Path, calls: Calls) -> Iterator[FakeWorkspace]:
    broken_file = tmp_path / "broken.py"
    errors = {broken_file: FakeLoadError(broken_file, 3, "SyntaxError: invalid syntax [unclosed")}
    ws = FakeWorkspace(tmp_path, {"demo": demo_flow(calls), "waiting": waiting_flow(calls)}, errors)
    yield ws
    for runner in ws.runners:
        runner.shutdown(wait=True)


def load_flow_files(folder: Path, files: Mapping[str, str]) -> Workspace:
    """A real workspace on ``files`` (name → text) written in ``folder``, loaded; every
    one of them must load (a test of a screen on a broken file tests the wrong thing)."""
    from flowtop.workspace.workspace import Workspace

    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    workspace = Workspace(folder)
    workspace.load()
    assert not workspace.errors, workspace.errors
    return workspace


@pytest.fixture
def bundled_workspace(tmp_path: Path) -> Iterator[Workspace]:
    """A loaded workspace on a copy of the bundled ``flows/`` as committed
    (``bundled_flows``), as a user's first ``flowtop flows`` shows them (on a copy:
    loading them writes ``.flowtop``)."""
    from flowtop.workspace.workspace import Workspace

    workspace = Workspace(bundled_flows(tmp_path))
    workspace.load()
    yield workspace
    workspace.close()


#: The ``load_workspace`` fixture: flow files (name → text) → their loaded workspace.
LoadWorkspace = Callable[[Mapping[str, str]], "Workspace"]


@pytest.fixture
def load_workspace(tmp_path: Path) -> Iterator[LoadWorkspace]:
    """``load_flow_files`` in ``tmp_path``, each workspace closed after the test."""
    opened: list[Workspace] = []

    def load(files: Mapping[str, str]) -> Workspace:
        opened.append(load_flow_files(tmp_path, files))
        return opened[-1]

    yield load
    for workspace in opened:
        workspace.close()


@pytest.fixture
def example_workspace(
    load_workspace: LoadWorkspace, tmp_path_factory: pytest.TempPathFactory
) -> Workspace:
    """The Quick start's ``etl`` flow as committed, as the README has a new user open it
    (not as the checkout holds it: the Quick start edits ``flows/etl.py``)."""
    shipped = bundled_flows(tmp_path_factory.mktemp("shipped"))
    names = ("etl.py", "flaky_api.py")
    return load_workspace({n: (shipped / n).read_text(encoding="utf-8") for n in names})


def controls_made_as(monkeypatch: pytest.MonkeyPatch, control: type[ControlT]) -> list[ControlT]:
    """Every run control the app makes from now on, made as ``control`` (an in-process
    one that waits where a store another process holds would), in the order made: the
    test opens their gates."""
    from flowtop.tui.app import FlowtopApp
    from flowtop.tui.workspace_view import FlowsHere

    made: list[ControlT] = []

    def make(app: FlowtopApp) -> ControlT:
        assert isinstance(app.workspace, FlowsHere)  # the fake: its flows run here
        made.append(control(app.workspace, app.buffer.append_batch))
        return made[-1]

    monkeypatch.setattr(FlowtopApp, "_make_control", make)
    return made


if TYPE_CHECKING:
    from flowtop.tui.app import FlowtopApp
    from flowtop.tui.workspace_view import LocalWorkspace

    def _fake_is_a_workspace_view(fake: FakeWorkspace) -> LocalWorkspace:
        return fake  # mypy (pyproject [tool.mypy] files) checks the fake against the protocol


async def run_demo(pilot: Any, app: FlowtopApp) -> None:
    """Run the demo flow (``r``) until it fails, as its flaky task does."""
    await pilot.pause()
    await pilot.press("r")
    await wait_for(
        pilot,
        lambda: app.table.run is not None and app.table.run.state is StateType.FAILED,
        "the demo run to fail",
    )


@contextlib.contextmanager
def hosted_folder(folder: Path, files: Mapping[str, str]) -> Iterator[RemoteWorkspace]:
    """``folder`` with ``files`` (by name) written in it, in a flow host of its own: the
    monitor's workspace as ``flowtop`` opens it, closed after the block."""
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    workspace = RemoteWorkspace(str(folder))
    try:
        yield workspace
    finally:
        workspace.close()


async def run_demo_then_flows_list(pilot: Any, app: FlowtopApp) -> None:
    """Once the app is ready, ``run_demo``, then ``left``: the flows list focused, its
    footer and keys beside a table that has a failed run."""
    await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
    await run_demo(pilot, app)
    await pilot.press("left")
    await wait_for(pilot, lambda: app.focused is app.flow_list, "the flows list")


async def reload(pilot: Any, app: FlowtopApp, workspace: FakeWorkspace, what: str) -> None:
    """What the watcher does after a save: the app hears of the reload."""
    assert workspace.changes is not None
    with toasts_said(app) as said:
        workspace.changes.put_nowait(FakeChange(what, flows=list(workspace.flows)))
        await wait_for(pilot, lambda: said, "the reload's toast")
    await pilot.pause()


async def wait_in_retry(pilot: Any, app: FlowtopApp) -> None:
    """Run the ``waiting`` flow until its task ``waiter`` sits in its (long) retry wait."""
    await pilot.pause()
    app.flow_list.select_flow("waiting")
    await pilot.press("r")
    await wait_for(
        pilot,
        lambda: (
            app.table.run is not None
            and app.table.run.rows["waiter"].state is StateType.AWAITING_RETRY
        ),
        "the retry wait",
    )


async def edit_waiter(pilot: Any, app: FlowtopApp, workspace: FakeWorkspace) -> None:
    """What the retry editor's save does while ``waiter`` waits (``1×``, 2 s): the
    override, and the reload that brings it to the app."""
    workspace.set_override("waiting", "waiter", max_retries=1, retry_delay=2)
    await reload(pilot, app, workspace, "Reloaded settings")
