"""The flow host: the one process of a TUI that imports the user's flow files.

The TUI must never run user code (issue 13): a flow file that loops at import, calls
``os._exit`` or takes the process down another way would take the screen with it. So
the TUI's workspace (:class:`~flowtop.workspace.remote_workspace.RemoteWorkspace`) asks
this process instead, over a socket: it holds a real :class:`Workspace` and answers
with plain data — flow shapes, errors, settings — never an object of the user's.

One request at a time, in order; ``serve`` ends when the TUI's end of the socket closes.
"""

from __future__ import annotations

import gc
import signal
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .access import blocked, explain
from .changes import WorkspaceChanged
from .early_flows import heard_by, only_files
from .flow_claims import no_flows
from .flow_host_news import HostNews
from .flow_shapes import collector_paused, shapes_to_json
from .forked_child import closed_in_children
from .helper_process import receive
from .host_watch import die_with_peer
from .import_guard import CAREFUL, FAST, ImportNews, known_hung, tell
from .overrides import OverridesSaved
from .private import FolderError
from .settings import SettingsError
from .side_load import SideLoad
from .task_copies import shape_maker
from .workspace import Workspace

if TYPE_CHECKING:
    from ..engine.flow import Flow

#: The requests that import flow files (and replace the flows loaded before).
LOADS = ("load", "reload")
#: How many tasks a first load says as news at most (``early_flows``): a file whose flows
#: would go past it waits for the reply. What is said early is shaped and sent twice: a
#: 100,000-task flow's load took 0.45 s longer (of 2.4 s); this many cost under 0.1 s.
EARLY_TASKS = 20_000


def serve(fd: int, path: str, imports: str = CAREFUL) -> None:
    """The host's loop (``HelperProcess`` starts it with the socket's fd).

    ``imports``: ``FAST`` imports each flow file in this process only, once, and ends the
    process when an import overruns ``load_timeout`` (as when the import itself ends it):
    the TUI then starts a ``CAREFUL`` host, whose loader imports each file in a child
    first and so names the file while the others load (``remote_workspace``). Which files
    it imports meanwhile, and the one that hung, are news to the TUI (``flow_host_news``).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sock = socket.socket(fileno=fd)
    die_with_peer(sock)  # a TUI gone ends the host even while a flow file's code holds it
    closed_in_children(fd)  # (after: the watcher keeps it) a host gone is seen, whatever forks
    news = HostNews(sock)
    tell(news)
    with Workspace.in_helper(path, imports) as workspace:
        host = FlowHost(workspace, news, side_loads=imports == FAST)
        while True:
            try:
                request = receive(sock)
            except (OSError, EOFError, ValueError):
                return  # the TUI went away: so do we
            try:
                with collector_paused():  # a load's objects all stay alive: scanning them is waste
                    reply = host.answer(request)
            except Exception as exc:  # noqa: BLE001 - said to the TUI, the host goes on
                reply = {"failed": f"{type(exc).__name__}: {exc}"}
            try:
                news.send(reply)
            except OSError:
                return
            if request.get("kind") in LOADS:
                # The reply is on its way: free what the load replaced now, while the TUI
                # reads it. Its flows hold reference cycles, and the collections that
                # would have found them were paused (a 100,000-task flow's host grew by
                # 70 MB a save, where a full collection takes 0.1 s).
                gc.collect()


def not_saved(exc: OSError, overrides: Path) -> str:
    """Why the retry editor's save could not be written, in one line: whose ``.flowtop``
    (or file) this user may not write, or the file system's reason. It was said as "the
    flow host failed: PermissionError …", as if a flow file had ended the host. The
    reason only: the editor says what was not done ("Not saved: …", "Could not clear
    the override: …"); said here too, it read "Not saved: not saved: …"."""
    if isinstance(exc, FolderError):  # made or locked in private.py/overrides.py: said
        return str(exc)
    where = Path(exc.filename) if isinstance(exc.filename, str) else overrides.parent
    return explain(exc, where, write=True)


def refusal(exc: SettingsError, overrides: Path) -> str:
    """A refused save, as said (the reason, as ``not_saved``): a file this user may not
    read is said whose it is."""
    shut = None if exc.key is not None else blocked(overrides)
    return shut if shut is not None else str(exc)


class BrokenSaid:
    """An early load's ``import_guard.ImportNews``: before an import starts, the files
    found broken since the last are said (``say``), then the news goes on to ``to``."""

    def __init__(self, to: ImportNews, say: Callable[[], None]) -> None:
        self.to = to
        self.say = say

    def importing(self, files: Sequence[Path]) -> None:
        self.to.importing(files)
        if files:  # (the last import over: its error is set after this)
            self.say()

    def hung(self, file: Path, seconds: float) -> None:
        self.to.hung(file, seconds)


class FlowHost:
    """Turns requests into calls on the workspace and its answers into JSON."""

    def __init__(
        self, workspace: Workspace, news: HostNews | None = None, *, side_loads: bool = False
    ) -> None:
        self.workspace = workspace
        self.news = news  # where a first load says each file's flows as it imports them
        #: A first load has a side host import the files after a slow one (``side_load``):
        #: a ``FAST`` host's (a careful one imports each in a child first, in parallel).
        self.side_loads = side_loads
        self._early_tasks = 0  # how many tasks this load's news said (``EARLY_TASKS``)
        self._with_flows: set[Path] = set()  # the files this load imported flows of
        self._said_broken: set[Path] = set()  # the files its news said broken
        self._answers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "load": lambda r: self.state(self._load(r), loaded=True),
            "reload": lambda r: self.state(workspace.reload_paths(r["paths"])),
            "check_retry_on": lambda r: {
                "problem": workspace.check_retry_on(r["flow"], r["names"])
            },
            "check_parameters": lambda r: {
                "problem": workspace.check_parameters(r["flow"], r["parameters"])
            },
            "nothing_to_rerun": lambda r: {  # the same channel: "" when a task would run
                "problem": workspace.nothing_to_rerun(r["flow"], r["run_id"])
            },
            "override_for": lambda r: {"values": workspace.override_for(r["flow"], r["task"])},
            "set_override": self._set_override,
            "clear_override": self._clear_override,
        }

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        kind = request.get("kind")
        answer = self._answers.get(str(kind))
        if answer is None:
            return {"failed": f"unknown request {kind!r}"}
        return answer(request)

    def _load(self, request: dict[str, Any]) -> WorkspaceChanged:
        """Load every flow file; those of ``hung`` (a ``CAREFUL`` host's first load: the
        files the ``FAST`` host before it ended on) are said to hang with no child's wait.
        ``early`` (the TUI's first load): each file's flows are news as it is imported,
        those after a slow one by a side host (``side_load``). ``files``: a side host's
        load, of those files of the folder only."""
        early = self._said_early if request.get("early") and self.news is not None else None
        files = request.get("files")
        self._early_tasks = 0
        self._with_flows, self._said_broken = set(), set()
        with (
            known_hung(request.get("hung") or {}),
            heard_by(early),
            only_files(None if files is None else [Path(file) for file in files]),
            self._early_news(early is not None),
        ):
            change = self.workspace.load()
            if early is not None and files is not None:  # a side host's last file: its
                self._say_broken()  # load's reply goes to the host, not to the TUI
            return change

    @contextmanager
    def _early_news(self, early: bool) -> Iterator[None]:
        """During an early load, each file found broken at import is news as the next
        import starts (``BrokenSaid``); a ``FAST`` host's imports are said through a
        ``SideLoad``, which has a side host import the files after a slow one."""
        if not (early and self.news is not None):
            yield
            return
        workspace = self.workspace
        side = None
        if self.side_loads:
            side = SideLoad(
                str(workspace.path),
                workspace.flow_file_candidates(),
                self.news,
                lambda: workspace.settings.load_timeout,  # (as the load reads them)
            )
        tell(BrokenSaid(side or self.news, self._say_broken))
        try:
            yield
        finally:
            tell(self.news)
            if side is not None:
                side.close()

    def _say_broken(self) -> None:
        """The files this early load found broken at import and has not said, as news.
        Not a file that defines no flows, nor one refused for a flow's name: those are
        decided once every file is in (a side host's load has only some of them)."""
        assert self.news is not None
        broken = [
            error
            for path, error in self.workspace.errors.items()
            if path not in self._said_broken
            and path not in self._with_flows  # (refused for a name: its import went well)
            and error != no_flows(path)
        ]
        if broken:
            self._said_broken.update(error.path for error in broken)
            self.news.broken(broken)

    def _said_early(self, file: Path, flows: Mapping[str, Flow]) -> None:
        """``file``'s flows as news, shaped as ``state`` will shape them (their settings
        are read before any file is imported), bar a ``retry_on`` name that only their
        module's namespace resolves, which the load's reply then says."""
        assert self.news is not None
        self._with_flows.add(file)
        tasks = sum(len(flow.nodes) for flow in flows.values())
        if self._early_tasks + tasks > EARLY_TASKS:
            return  # left to the reply; a smaller file after it may still be said
        self._early_tasks += tasks
        workspace = self.workspace
        maker = shape_maker(workspace)
        shapes, _ = maker.shape_all(flows, dict.fromkeys(flows, file))  # a broken one: in the reply
        self.news.loaded(file, shapes, self._settings())

    def _set_override(self, request: dict[str, Any]) -> dict[str, Any]:
        try:
            saved = self.workspace.set_override(
                request["flow"], request["task"], **request["values"]
            )
        except SettingsError as exc:
            return {"refused": refusal(exc, self.workspace.overrides_path), "key": exc.key}
        except OSError as exc:  # .flowtop not writable here: the save is refused, not the host
            return {"refused": not_saved(exc, self.workspace.overrides_path), "key": None}
        return self._saved(saved)

    def _clear_override(self, request: dict[str, Any]) -> dict[str, Any]:
        try:
            saved = self.workspace.clear_override(request["flow"], request["task"])
        except SettingsError as exc:
            return {"refused": refusal(exc, self.workspace.overrides_path), "key": exc.key}
        except OSError as exc:  # .flowtop not writable here: the save is refused, not the host
            return {"refused": not_saved(exc, self.workspace.overrides_path), "key": None}
        return self._saved(saved)

    def _saved(self, saved: OverridesSaved) -> dict[str, Any]:
        """A save's answer: the state it changed, and what the host's workspace saw of the
        file it rewrote (the TUI reads none of it: the file is this process's to say)."""
        state = self.state(WorkspaceChanged(settings_changed=True))
        return {**state, "comments_dropped": saved.comments_dropped}

    def state(self, change: WorkspaceChanged, *, loaded: bool = False) -> dict[str, Any]:
        """What ``change`` did, and everything the TUI shows that it may have changed:
        the shapes of the flows it (re)loaded, every flow's name and file, the errors and
        the settings the TUI reads (keys, quit). ``loaded``: a whole load, whose Prefect
        files not read the monitor says at its open (beside flows too)."""
        workspace = self.workspace
        shapes = workspace.shape_changes(change)
        broken = workspace.shape_errors  # every flow whose shape could not be made
        return {
            "change": change.to_json(),
            "shapes": shapes_to_json(shapes),
            "flow_files": {
                name: str(path) for name, path in workspace.flow_files.items() if name not in broken
            },
            "errors": [error.to_json() for error in [*workspace.errors.values(), *broken.values()]],
            "settings_errors": [error.to_json() for error in workspace.settings_errors],
            # asked of a load, or when there is nothing to show: it reads every candidate
            "unread_prefect": []
            if workspace.flows and not loaded
            else [path.name for path in workspace.unread_prefect_files()],
            "settings": self._settings(),
        }

    def _settings(self) -> dict[str, Any]:
        """The settings the TUI reads: keys, quit, the load's deadline, and every setting
        a run reads beside its tasks' policies (auto-rerun reruns on a change of one:
        ``RanWith.run_wide``): workers, executor, result size, drop-in mode, and the
        ``[variables]`` and ``[concurrency]`` tables (the TUI reads no settings file)."""
        settings = self.workspace.settings
        return {
            "keys": dict(settings.keys),
            "on_quit": settings.on_quit,
            "workers": settings.workers,
            "executor": settings.executor,
            "load_timeout": settings.load_timeout,
            "max_result_bytes": settings.max_result_bytes,
            "prefect_compat": settings.prefect_compat,
            "run_tables": dict(settings.run_tables or {}),
        }
