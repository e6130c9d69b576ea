"""The TUI's workspace: every answer about the user's flows comes from the flow host.

The TUI's process never imports a flow file (issue 13): this class keeps what the flow
host (``flow_host.py``, a process of its own) last said — each flow's shape, the files
that failed to load, the settings the TUI reads — and forwards loads, reloads and retry
edits to it. A host that dies or stops answering is reported as a load error of the
workspace and started again (loading every file afresh) on the next request, so a flow
file that misbehaves costs at most a toast, never the screen.

Nothing here imports the loader or the in-process ``Workspace``: an import-linter
contract in pyproject.toml keeps it so, and a test checks ``sys.modules``.
"""

from __future__ import annotations

import math
import os
import threading
import time
import tomllib
from collections.abc import AsyncIterator, Callable, Collection, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine.parameters import ParameterProblem
from . import overrides as overrides_file
from .changes import WorkspaceChanged
from .flow_host_news import News
from .flow_order import file_order, in_natural_order
from .flow_shapes import FlowShape, shapes_from_json
from .helper_process import HelperGone, HelperProcess
from .import_graph import ImportGraph
from .import_guard import CAREFUL, FAST
from .load_error import LoadError, display_path
from .overrides import OverridesSaved
from .places import OVERRIDES_FILE, SETTINGS_FILE, Places
from .reload_beside import (
    Beside,
    LoadWatch,
    Said,
    beside_state,
    merged,
    read_by,
    said_less,
    said_of,
    saved_only,
    told_of,
)
from .settings import Settings, SettingsError
from .settings_state import settings_text
from .settings_toml import read_settings_toml

if TYPE_CHECKING:
    from .history import History

#: Seconds the host may take beyond its own import timeouts before it is given up on.
SLACK = 10.0
#: Seconds an edit or a check may take: the UI waits for it.
QUICK = 5.0
#: Seconds a check as you type waits for a load in progress before it gives up.
BUSY = 1.0


class _LoadDied(HelperGone):
    """The host died or hung while it loaded flow files: an import may have ended it."""


class RemoteWorkspace:
    """A workspace whose flows live in a flow host process."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        places = Places.of(path)
        self.path, self.root, self._only = places.path, places.root, places.only
        self.state_dir = places.state_dir
        self._host = HelperProcess(
            "flowtop.workspace.flow_host", [str(self.path), FAST], heard=self._hear_news
        )
        #: The files the host is importing now, each with when it was first said to be
        #: (``time.monotonic``): what the first screen names while a load takes long.
        self._importing: dict[Path, float] = {}
        #: The files a ``FAST`` host said it hung on before it ended, with the seconds each
        #: had: the ``CAREFUL`` host that replaces it says so without waiting again.
        #: Files a host hung on: the seconds each had, and where it was (``seconds_at``).
        self._hung: dict[str, list[float | str]] = {}
        self._careful = False  # a FAST host died at an import: each is started CAREFUL
        #: The host (its ``starts``) stopped for a save of the file it imported
        #: (``_drop_stale_import``): its request is asked again of the next host.
        self._host_dropped: int | None = None
        self._stopped = False  # the app is quitting: no host is started again
        self._lock = threading.Lock()
        #: Flow files saved while a reload holds the host load beside it (``reload_beside``).
        self._beside = Beside(str(self.path))
        self._graph = ImportGraph(self.root)  # which helpers a flow file imports
        self._loaded = False  # the host running now has loaded the workspace
        self._heard = False  # a host answered a load once: ``settings`` are its
        self.shapes: dict[str, FlowShape] = {}
        self.flow_files: dict[str, Path] = {}
        self._file_errors: dict[Path, LoadError] = {}
        self.settings_errors: list[LoadError] = []
        #: Flow files not read because they import prefect (drop-in mode off), when no
        #: flow loaded: what the empty screen points at.
        self.unread_prefect: list[str] = []
        self.settings = Settings()
        #: How many files' flows, or broken files, the host said while the first load went
        #: on (``early_flows``): the TUI lists the flows again when it grows.
        self.flows_heard = 0
        #: Why the host last failed (shown as an error of the workspace), or None.
        self.host_error: LoadError | None = None
        self.history_error: str | None = None  # the run processes record, not this
        self._history: History | None = None

    @property
    def only(self) -> Path | None:
        """The flow file opened, None for a folder (``tui.workspace_view.OneFile``)."""
        return self._only

    @property
    def errors(self) -> dict[Path, LoadError]:
        """Flow files that failed to load, and the host itself when it failed."""
        if self.host_error is None:
            return dict(self._file_errors)
        return {**self._file_errors, self.host_error.path: self.host_error}

    # -- loading ----------------------------------------------------------------------
    def load(self) -> WorkspaceChanged:
        """(Re)load every flow file in the host; the files are stamped first, so a watch
        started once the load is in reloads those saved or deleted while it imported. A
        save of what it is importing meanwhile drops that import (``LoadWatch``)."""
        from .watcher import stamp_before_load

        seen = stamp_before_load(self)
        with self._lock:
            self._loaded = False
            self._beside.clear()  # (this load is the word on every file)
            with LoadWatch(seen, lambda: self._importing, self._graph, self._drop_import) as look:
                change = self._ask_state({"kind": "load"})
            if self._host_dropped == self._host.starts:  # (stopped once it had replied)
                look.undo()
            return change

    def reload_paths(self, paths: Iterable[str | os.PathLike[str]]) -> WorkspaceChanged:
        """Reload what the saved ``paths`` affect (what the watcher calls per batch); flow
        files saved meanwhile may load beside it (``reload_beside``), and what was said of
        them then is not said again."""
        saved = [Path(os.path.abspath(p)) for p in paths]
        if self._stopped:  # the app is quitting: no host is started again
            return WorkspaceChanged()
        with self._lock:
            if self._stopped:
                return WorkspaceChanged()
            if fresh := self._beside.take_fresh(saved):  # said by the reload before
                self._beside.forget(fresh)
                if not (saved := [path for path in saved if path not in fresh]):
                    return WorkspaceChanged()
            request = {"kind": "reload", "paths": [str(p) for p in saved]}
            self._beside.open(saved)
            anew = False
            try:
                reply = self._ask(request)
                anew = self._host_dropped != self._host.starts  # (else none was dropped)
            except HelperGone:
                assert self.host_error is not None
                self._beside.forget(saved)
                return WorkspaceChanged(errors=(self.host_error,))
            finally:  # (nothing said beside is applied after this)
                dropped = self._beside.shut(anew)
            shown = {path: self._told_of(path) for path in self._beside.told(saved)}  # (now)
            listed = set(self.flow_files)
            # The files loaded beside meanwhile show what the side host said until the
            # host reloads them next (this reply had their old version).
            change = self._apply(reply, self._beside.pending(saved))
            change = self._not_again(change, shown, listed)
            self._beside.said_by_host({file: self._told_of(file) for file in dropped})
            return change

    def forget_beside(self) -> None:
        """The watch ended: the host's reloads of the files said beside are lost, and
        what was said of them is no more the screen's (``reloads_meanwhile``)."""
        self._beside.clear()

    def saved_again(self, paths: Collection[Path]) -> None:
        """The watch read another save of ``paths`` since they were said beside: the
        host's reload of them says it (``reloads_meanwhile``; a save is said once)."""
        self._beside.saved_again(paths)

    def beside_call(self, paths: list[Path]) -> Callable[[], WorkspaceChanged | None]:
        """``reload_beside(paths)``, to run on a thread of its own, with its ticket taken
        now: a watch that ends (``forget_beside``) before that thread is done has it
        neither applied nor noted (``Beside.under``)."""
        return self._beside.under(lambda: self.reload_beside(paths))

    def reload_beside(self, paths: Iterable[str | os.PathLike[str]]) -> WorkspaceChanged | None:
        """Load the flow files ``paths`` in a side host while a reload holds the host,
        and show them (``reload_beside``); None when they wait for the host instead."""
        files = sorted({Path(os.path.abspath(p)) for p in paths})
        ticket = self._beside.ticket()
        importing = set(self._importing)  # (swapped whole: read once)
        if read_by(importing, self._graph).intersection(files):  # (or a helper)
            self._drop_stale_import(files)
            return None
        if not files or not all(map(self._flow_file, files)):
            return None
        reply = self._beside.load(files, len(files) * self._load_timeout(), ticket)
        if reply is None:
            return None
        state = beside_state(reply, files, self.flow_files)
        if state is None:
            return None
        theirs, shapes, errors = state
        # A file broken at import keeps its last good flows, with its error (as the
        # host's reload of it does): only the files that loaded have their flows replaced.
        replaced = [file for file in files if file not in errors]
        loaded = sorted(set(theirs.values()), key=file_order)

        def apply() -> WorkspaceChanged:  # (quick: no file read, the loop may wait on it)
            before = {n for n, p in self.flow_files.items() if p in replaced}
            said = {p: str(e) for p, e in self._file_errors.items() if p in files}
            self.flow_files = merged(self.flow_files, replaced, theirs)
            known = {**self.shapes, **shapes}
            self.shapes = {name: known[name] for name in self.flow_files if name in known}
            kept = {p: e for p, e in self._file_errors.items() if p not in files}
            self._file_errors = {**kept, **errors}
            return WorkspaceChanged(
                paths=tuple(files),
                modules=tuple(display_path(p) for p in sorted(loaded, key=file_order)),
                flows=tuple(theirs),
                errors=tuple(e for p, e in errors.items() if said.get(p) != str(e)),
                removed=tuple(in_natural_order(before - set(theirs))),
            )

        change = self._beside.applied(apply, files, self._said_of, ticket)
        return None if change is None else change.noted(loaded)  # (reads the files)

    def _drop_stale_import(self, files: Collection[Path]) -> None:
        """A file the host is importing was saved again (or deleted): that import is of a
        version no longer on disk, and may hang till ``load_timeout`` (a fix saved while
        the broken save hangs waited it out, then showed with the hang's toast). The host
        is stopped; the held reload is asked again of a fresh host (``_ask``), which
        imports the files as saved now, and says the saved ``files`` too: their queued
        reload imports only those saved since (``Beside.take_fresh``: a file renamed while
        it hung cost a second timeout), and says only what that one did not
        (``Beside.said_by_host``)."""
        self._beside.dropped(files)
        self._drop_import()

    def _drop_import(self) -> None:
        """Stop the host mid-import: its request is asked again of a fresh host (``_ask``)."""
        self._host_dropped = self._host.starts
        self._host.interrupt()

    def _flow_file(self, path: Path) -> bool:
        """Whether ``path`` is a flow file there now (what a side host may load)."""
        place = path == self._only if self._only is not None else path.parent == self.root
        return place and path.suffix == ".py" and not path.name.startswith(".") and path.is_file()

    def _said_of(self, path: Path) -> Said:
        return said_of(path, self.flow_files, self.shapes, self.errors)

    def _told_of(self, path: Path) -> Said:
        return told_of(path, self.flow_files, self.shapes, self.errors, self._graph)

    def _not_again(
        self, change: WorkspaceChanged, shown: dict[Path, Said], listed: set[str]
    ) -> WorkspaceChanged:
        """``change`` less what a reload beside said of saved files, the screen showing
        it still (its toast, an auto-rerun: once), those files among its ``paths`` too
        (``No flow changed (etl.py, notes.py)`` after etl.py's toast; ``Still failing``
        of one said broken beside); the rest of it stays. ``shown``: the saved files as
        shown before the reply; ``listed``: the flows listed then."""
        said = self._beside.forget(shown)
        same = {f for f, was in said.items() if self._told_of(f) == was and shown[f] == was}
        return said_less(change, same, listed, self.flow_files, self.errors, self._graph)

    async def watch(self, stop_event: Any = None) -> AsyncIterator[WorkspaceChanged]:
        """Watch the folder (here: watching runs no user code) and reload in the host."""
        from .watcher import watch

        async for change in watch(self, stop_event):
            yield change

    def _timeout(self) -> float:
        """A load may import every file twice (the loader's child, then the host)."""
        files = 1 if self._only else sum(1 for _ in self.root.glob("*.py"))
        return (2 * files + 1) * self._load_timeout() + SLACK

    def _load_timeout(self) -> float:
        """``[defaults] load_timeout`` as the host last said, or, before it said anything,
        as flowtop.toml says (read as plain TOML: checking it may import packages); the
        file's when longer: a reload of flowtop.toml imports under its new value (a file
        that overran the old one is tried again)."""
        try:  # (settings_text: not a named pipe in its place, nor 300 MB)
            text = settings_text(self.root / SETTINGS_FILE)
            value = read_settings_toml(text).get("defaults", {}).get("load_timeout")
            number = isinstance(value, int | float) and not isinstance(value, bool)
            seconds = float(value) if number else math.nan
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, AttributeError):
            seconds = math.nan
        except OverflowError:  # (an int past any float: one the host refused too)
            seconds = math.nan
        said = self.settings.load_timeout
        if not 0 < seconds < math.inf:
            return said
        return max(said, seconds) if self._heard else seconds

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        """The host's reply; on a host that died or hung, one of the workspace's errors.

        The first host imports each flow file once, in its own process (``FAST``). One
        that dies — a file hung past ``load_timeout`` or ended the process at import — is
        followed by a ``CAREFUL`` host, which imports each file in a child first: it names
        the file, and the other flows load. A careful host that dies too is the error. A
        file the first host said it hung on (``_hear_news``) is not waited for again: the
        careful host's first load says it hung at once (``import_guard.known_hung``).
        A host stopped because the file it imported was saved again is no failure: the
        request goes to a fresh host, as careful as it was (``_drop_stale_import``).
        """
        try:
            while True:
                try:
                    return self._ask_host(request)
                except _LoadDied:
                    if self._stopped:
                        raise
                    if self._host_dropped == self._host.starts:  # stopped for a newer save
                        self._host_dropped = None
                    elif self._careful:
                        raise
                    else:
                        self._careful = True
                        self._host.args = [str(self.path), CAREFUL]  # the next host started
                    self._loaded = False
        except HelperGone as exc:
            self._loaded = False
            self.host_error = LoadError(
                self.path,
                None,
                None,
                f"the flow host {exc} (a flow file may have ended or hung it); "
                "it starts again on the next save",
            )
            raise

    def _ask_host(self, request: dict[str, Any]) -> dict[str, Any]:
        """The host's reply to ``request``. A host started afresh (the first, or one
        replacing a host that died since the last request) has loaded nothing: it loads
        the workspace first, and a reload is then that load."""
        for _ in range(2):
            if not self._loaded:
                hung, self._hung = self._hung, {}  # a careful host's first load: known
                # the first load says each file's flows as it goes (``_heard_flows``)
                load = {"kind": "load", "hung": hung if self._careful else {}}
                reply = self._send({**load, "early": not self._heard})
                self._loaded = True
                if request["kind"] == "reload":  # what the save changed, not all it loaded
                    paths = [*request["paths"], *map(str, self._beside.anew())]  # (a drop's)
                    change = saved_only(
                        reply, [*dict.fromkeys(paths)], self.flow_files, self._graph
                    )
                    return {**reply, "change": change}
                if request["kind"] == "load":
                    return reply
                self._apply(reply)
            starts = self._host.starts
            reply = self._send(request)
            if self._host.starts == starts:
                return reply
            self._loaded = False  # the host had died since: a fresh one answered
        raise HelperGone("died again at once")

    def _send(self, request: dict[str, Any]) -> dict[str, Any]:
        loading = request["kind"] in ("load", "reload")
        # an edit or a check imports nothing: only a load may take long
        try:
            reply = self._host.ask(request, self._timeout() if loading else QUICK)
        except HelperGone as exc:
            raise (_LoadDied if loading else HelperGone)(str(exc)) from None
        finally:
            self._importing = {}
        if "failed" in reply:
            raise HelperGone(f"failed: {reply['failed']}")
        self.host_error = None
        return reply

    def _hear_news(self, news: News) -> None:
        """The host's news, on the thread that asked (``flow_host_news``)."""
        if "hung" in news:
            self._hung[str(news["hung"])] = [float(news["seconds"]), str(news.get("where", ""))]
        if "importing" in news:
            now, since = time.monotonic(), self._importing
            files = [Path(file) for file in news["importing"]]
            self._importing = {file: since.get(file, now) for file in files}  # (one swap)
        if "loaded" in news and not self._heard:  # (a reload's load says none)
            self._heard_flows(news["loaded"])
        if "broken" in news and not self._heard:
            self._heard_broken(news["broken"])

    def _heard_flows(self, loaded: Mapping[str, Any]) -> None:
        """A file's flows, said while the first load goes on (``early_flows``): listed at
        once, in file order, a name an earlier file has staying that file's (as the load
        decides). The load's reply then replaces them all. Each map is swapped whole, the
        files first: the screen's thread reads them meanwhile."""
        file, shapes = Path(loaded["file"]), shapes_from_json(loaded["shapes"])
        theirs = {name: file for name in shapes if self.flow_files.get(name, file) == file}
        files = {**self.flow_files, **theirs}
        self.flow_files = dict(sorted(files.items(), key=lambda item: file_order(item[1])))
        known = {**self.shapes, **{name: shapes[name] for name in theirs}}
        self.settings = _settings_of(loaded["settings"])  # before the flows it goes with
        self.shapes = {name: known[name] for name in self.flow_files}
        self.flows_heard += 1  # last: the screen reads the rest once it changes

    def _heard_broken(self, broken: list[Any]) -> None:
        """Files the first load found broken at import, said while it goes on: listed
        with their errors at once (the load's reply then says every file's)."""
        errors = {error.path: error for error in map(LoadError.from_json, broken)}
        self._file_errors = {**self._file_errors, **errors}  # (swapped whole)
        self.flows_heard += 1  # the screen lists them once it changes

    def still_importing(self) -> tuple[Path, float] | None:
        """The file the host has been importing longest in the request it answers now,
        and for how many seconds; None when it imports none. What the TUI's first screen
        says while a file hangs: ``Loading flows… flows/hang.py still importing (6 s)``."""
        importing = self._importing  # swapped whole on the asking thread: read it once
        if not importing:
            return None
        file, since = min(importing.items(), key=lambda item: item[1])
        return file, time.monotonic() - since

    def _ask_state(self, request: dict[str, Any]) -> WorkspaceChanged:
        try:
            reply = self._ask(request)
        except HelperGone:
            assert self.host_error is not None
            return WorkspaceChanged(errors=(self.host_error,))
        return self._apply(reply)

    def _apply(self, reply: dict[str, Any], beside: Collection[Path] = ()) -> WorkspaceChanged:
        """Take the host's ``reply`` as the workspace's state, except for the ``beside``
        files: loaded beside it since it was asked, they keep what is shown of them."""
        change = WorkspaceChanged.from_json(reply["change"])
        errors = {e.path: e for e in map(LoadError.from_json, reply["errors"])}
        errors = {p: e for p, e in errors.items() if p not in beside} | {
            p: e for p, e in self._file_errors.items() if p in beside
        }
        files = {n: Path(p) for n, p in reply["flow_files"].items() if Path(p) not in beside}
        # A host started afresh (the last one hung or died on a file saved broken) knows no
        # last good version of that file: its flows stay listed as they last loaded. (Not
        # the flows a first load's news listed: this reply is the word on those; nor those
        # the host removed, as of a file refused for a name a file before it defines.)
        kept = {
            n: p
            for n, p in self.flow_files.items()
            if n not in files
            and (p in beside or (self._heard and p in errors and n not in change.removed))
        }
        if kept:  # sorted is stable: each file's flows keep their order
            files = dict(sorted({**files, **kept}.items(), key=lambda item: file_order(item[1])))
        self.flow_files = files
        shapes = {name: s for name, s in self.shapes.items() if name in self.flow_files}
        shapes.update(shapes_from_json(reply["shapes"]))
        shapes.update(
            {n: self.shapes[n] for n, p in kept.items() if p in beside and n in self.shapes}
        )
        self.shapes = {name: shapes[name] for name in self.flow_files if name in shapes}
        self._file_errors = errors
        self.settings_errors = [LoadError.from_json(e) for e in reply["settings_errors"]]
        self.unread_prefect = [str(name) for name in reply.get("unread_prefect", [])]
        self._heard = True
        self.settings = _settings_of(reply["settings"])
        return change

    # -- the retry editor -------------------------------------------------------------
    def override_for(self, flow: str, task: str) -> dict[str, Any]:
        """The task's table in ``.flowtop/overrides.toml`` (read here: it is TOML)."""
        try:
            data = overrides_file.read_toml(self.state_dir / OVERRIDES_FILE)
        except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
            return {}
        table = data.get("flows", {}).get(flow, {}).get("tasks", {}).get(task, {})
        return dict(table) if isinstance(table, dict) else {}

    def check_retry_on(self, flow: str, names: Iterable[str]) -> str | None:
        """Why ``names`` would not resolve for ``flow``; None when they do, or when the host
        is busy (the editor asks as you type; saving checks again)."""
        problem = self._check({"kind": "check_retry_on", "flow": flow, "names": list(names)})
        return str(problem) if problem is not None else None

    def check_parameters(self, flow: str, parameters: Mapping[str, Any]) -> ParameterProblem | None:
        """The parameter a run of ``flow`` would be refused for, by the code the host
        loaded; None when it would start, or when the host is busy (the run then says)."""
        problem = self._check(
            {"kind": "check_parameters", "flow": flow, "parameters": dict(parameters)}
        )
        return ParameterProblem(*problem) if problem is not None else None

    def nothing_to_rerun(self, flow: str, run_id: str) -> str | None:
        """Why a rerun of ``run_id`` would run no task, by the code the host loaded ("" when
        one would run: ``Workspace.nothing_to_rerun``); None when the host is busy or gone."""
        said = self._check({"kind": "nothing_to_rerun", "flow": flow, "run_id": run_id})
        return str(said) if said is not None else None

    def _check(self, request: dict[str, Any]) -> Any:
        """The host's ``problem`` for a check; None when the host is busy or gone: a check
        only spares the user a failed save or run, which still say what is wrong."""
        if not self._lock.acquire(timeout=BUSY):
            return None
        try:
            return self._ask(request)["problem"]
        except HelperGone:
            return None
        finally:
            self._lock.release()

    def set_override(self, flow: str, task: str, **values: Any) -> OverridesSaved:
        """Raises :class:`SettingsError` naming the key, as ``Workspace.set_override``."""
        return self._edit({"kind": "set_override", "flow": flow, "task": task, "values": values})

    def clear_override(self, flow: str, task: str) -> OverridesSaved:
        return self._edit({"kind": "clear_override", "flow": flow, "task": task})

    def _edit(self, request: dict[str, Any]) -> OverridesSaved:
        """A save by the host, and what its workspace saw of the file it rewrote."""
        if not self._lock.acquire(timeout=QUICK):
            raise SettingsError("the flow host is busy loading flows: try again in a moment")
        try:
            reply = self._ask(request)
            if "refused" in reply:
                raise SettingsError(str(reply["refused"]), key=reply.get("key"))
            # Applied before another request's reply (a reload's, which would be undone)
            # and a side load's (after: ``Beside.open``). The files loaded beside a reload
            # just over keep what is shown of them: the host reloads them next.
            self._apply(reply, self._beside.pending(()))
        except HelperGone:
            raise SettingsError(str(self.host_error)) from None
        finally:
            self._lock.release()
        return OverridesSaved(comments_dropped=bool(reply["comments_dropped"]))

    # -- runs -------------------------------------------------------------------------
    @property
    def history(self) -> History:
        """The run store, opened on first use (reading it runs no user code)."""
        if self._history is None:
            from .history import open_live_history

            self._history = open_live_history(self.state_dir)
        return self._history

    def stop_loading(self) -> None:
        """Stop the host, even mid-load (the app is quitting): the load in flight ends
        with an error at once instead of after its imports' timeouts."""
        self._stopped = True
        self._beside.shut()
        self._host.close()

    @property
    def host_pid(self) -> int | None:
        """The flow host's process id (None: none running).

        A test seam: tests kill the host, or check that a reload kept it or started
        another (tests/workspace/test_remote_workspace.py); flowtop never needs its pid."""
        return self._host.pid

    def close(self) -> None:
        self._stopped = True
        self._beside.shut()
        self._host.close()
        if self._history is not None:
            self._history.close()
            self._history = None

    def __enter__(self) -> RemoteWorkspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _settings_of(given: Mapping[str, Any]) -> Settings:
    """The settings the host said (``FlowHost._settings``): those the TUI reads."""
    return Settings(
        keys=dict(given["keys"]),
        on_quit=str(given["on_quit"]),
        workers=int(given["workers"]),
        executor=str(given["executor"]),
        load_timeout=float(given["load_timeout"]),
        max_result_bytes=int(given["max_result_bytes"]),
        prefect_compat=bool(given["prefect_compat"]),
        run_tables=dict(given["run_tables"]),
    )
