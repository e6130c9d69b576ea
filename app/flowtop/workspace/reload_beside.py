"""While the flow host is held by a slow reload, flow files saved meanwhile reload beside it.

The flow host answers one request at a time, and a reload imports in the host itself: a
saved file that hangs at import held it for its whole ``load_timeout``. A flow file saved
a second later waited all that time (``touch hang.py``, then a save of ``etl.py``: its
new retries showed 10 s later, with ``hang.py``'s timeout), though a slow file should
hold none back (docs/workspace.md). So a save that comes while a reload has gone on for a
while (``reloads_meanwhile``) is loaded *beside* it: a side host (a flow host of its own,
started for it) imports those flow files only, and what it says of them is shown at once.
The held host still imports the slow file, which keeps its ``⋯ reloading`` row and then
its error; once it is done, the host reloads the files saved meanwhile too (its own
state is the word on them), and a reload that only says again what was said beside is
not said twice (``Beside.forget``, ``RemoteWorkspace._not_again``); a file saved again
since it was said beside, and not said beside again, is (``Beside.saved_again``: a save
is said once). A watch that ends forgets what was said beside (``Beside.clear``): a side
load it asked for (its ``ticket``, taken as the watch decides on it) is then neither
applied nor noted. The event loop's calls here (``ticket``, ``saved_again``, ``clear``)
wait on nothing slow: the lock is held for no file read, nor for a side host's stop.

Only flow files are loaded beside, each on its own: a save of a settings file or of a
helper another file imports, a file the held reload imports (or is to), a deleted file, or a
file the side host finds defining no flows or a flow name another file has, waits for
the host as before. A save of the very file the host is importing drops that import
instead (it is of a version no longer on disk): the host is stopped and the held reload
asked again of a fresh one, which imports the files as saved now (``dropped``). So does
a save of a helper module that file imports (``read_by``: a helper saved hanging held its
importer's reload, and its fix waited it out), said as a save of the helper is: its
importers reloaded, once (``RemoteWorkspace._told_of``). A file that imports the slow one
hangs in the side host too, and waits for it (its own ``load_timeout``) as it would have.

The watch starts once the first load is in: a fix saved while that load hung on the file
waited out its ``load_timeout``, then showed as a reload after the load's error for it.
So the first load looks at what it imports meanwhile (``LoadWatch``), and a save of it
drops that import alike. A helper deleted drops it too (``read_by`` names where it was).
The fresh host imports every file as it is then: the files of the saves that dropped it
are said by that reload and not imported again (``Beside.take_fresh``; for the first
load, ``watcher.restamped``): a file renamed while it hung cost two timeouts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .changes import WorkspaceChanged
from .flow_order import file_order, in_natural_order
from .flow_shapes import FlowShape, shapes_from_json
from .helper_process import HelperGone, HelperProcess
from .import_graph import ImportGraph
from .import_guard import FAST
from .load_error import LoadError, display_path

if TYPE_CHECKING:
    from .watcher import Stamp

#: Seconds a side host may take beyond its files' ``load_timeout``.
SLACK = 10.0
#: Seconds between two looks of a ``LoadWatch`` (and how long a file imports before it
#: looks at its saves): a fix saved shows within about a second.
LOOK_EVERY = 0.25
#: What a file's reload says of it on screen: its flows with their shapes, and its error.
Said = tuple[tuple[tuple[str, FlowShape | None], ...], str | None]
T = TypeVar("T")


class Beside:
    """The reloads beside one workspace's held reload: open while that reload goes on."""

    def __init__(self, path: str) -> None:
        self.path = path  # the workspace, as its flow host was given it
        self._lock = threading.Lock()
        self._open = False
        self._held: frozenset[Path] = frozenset()  # the files the held reload reloads
        self._side: HelperProcess | None = None
        #: Bumped by ``clear``: a side load whose ticket is older is neither applied nor
        #: noted (its watch ended, and with it what was said beside).
        self._generation = 0
        self._ticket = threading.local()  # a side load's ticket, on its thread (``under``)
        #: What a reload beside said of each file: the host's reload of it then says
        #: nothing new when it finds the same (None: saved again since, it says all).
        #: Its files keep what is shown of them till the host reloads them (``pending``).
        self._said: dict[Path, Said | None] = {}
        #: Files saved again while the host imported them: its import was dropped and the
        #: held reload asked again (``RemoteWorkspace._drop_stale_import``).
        self._dropped: set[Path] = set()
        #: The files of the saves that dropped it, as stamped then (None: gone): the held
        #: reload, asked again of a fresh host, imports them as they were and says them;
        #: once it did, ``fresh`` (their queued reload imports them no more: ``take_fresh``).
        self._anew: dict[Path, Stamp | None] = {}
        self._fresh: dict[Path, Stamp | None] = {}

    def open(self, held: Collection[Path]) -> None:
        """A reload of ``held`` starts in the host: other files saved meanwhile may load
        beside it (a held file waits for the host: its queued reload is next, and this
        one's reply, which had it, would undo what was said of it beside)."""
        with self._lock:
            self._open, self._held = True, frozenset(held)

    def clear(self) -> None:
        """Forget what was said beside: the host's reloads of those files are lost (the
        watch ended) or a load is the word on every file. A side load asked for before
        (``ticket``) is then neither applied nor noted, its side host stopped (on a
        thread of its own: the event loop calls this, and a stop waits for the side
        host's ask to end)."""
        with self._lock:
            self._said.clear()
            self._dropped.clear()
            self._anew, self._fresh = {}, {}
            self._generation += 1
            side, self._side = self._side, None
        if side is not None:
            threading.Thread(target=side.close, name="side host stop", daemon=True).start()

    def ticket(self) -> int:
        """A side load's ticket: on the thread of a side load ``under`` one, that one;
        else taken now. A side load runs on a thread of its own, which may start after
        its watch ended: the watch takes its ticket as it decides on it (``under``)."""
        given: int | None = getattr(self._ticket, "given", None)
        return self._generation if given is None else given  # (one read: no lock)

    def under(self, load: Callable[[], T]) -> Callable[[], T]:
        """``load`` (run on a thread of its own) with a ticket taken now."""
        ticket = self.ticket()

        def under_ticket() -> T:
            self._ticket.given = ticket
            try:
                return load()
            finally:
                self._ticket.given = None

        return under_ticket

    def shut(self, anew: bool = False) -> set[Path]:
        """The host's reload is over (its reply is applied next): a side host still
        loading is stopped, and nothing said beside is applied after this returns. The
        files whose import it dropped meanwhile (``dropped``); ``anew``: a fresh host
        answered it, having imported them as saved (``fresh``)."""
        with self._lock:
            self._open, self._held = False, frozenset()
            side, self._side = self._side, None
            dropped, self._dropped = self._dropped, set()
            self._fresh = self._anew if anew else {}
            self._anew = {}
        if side is not None:
            side.close()
        return dropped

    def load(self, files: list[Path], timeout: float, ticket: int) -> dict[str, Any] | None:
        """A side host's load of ``files``, or None: no reload is held, it reloads one of
        ``files``, ``ticket`` is older than a ``clear``, or the side host failed (it hung
        on a file or was stopped)."""
        with self._lock:
            if not self._taking(files, ticket) or self._side is not None:
                return None
            side = HelperProcess("flowtop.workspace.flow_host", [self.path, FAST])
            side.heard = lambda news: self._still(side)
            self._side = side
        try:
            reply = side.ask({"kind": "load", "files": [str(f) for f in files]}, timeout + SLACK)
        except HelperGone:
            return None
        finally:
            with self._lock:
                if self._side is side:
                    self._side = None
            side.close()
        return None if "failed" in reply else reply

    def _still(self, side: HelperProcess) -> None:
        """A side host's news (the files it imports; the held reload's row says its own):
        one started as the held reload ended (``shut`` came before its process) stops."""
        with self._lock:
            if self._side is not side:
                raise _Shut

    def applied(
        self,
        apply: Callable[[], WorkspaceChanged],
        files: list[Path],
        said: Callable[[Path], Said],
        ticket: int,
    ) -> WorkspaceChanged | None:
        """``apply()``'s change, run only while the host's reload still goes on (its own
        reply is applied after it) and ``ticket`` is no older than a ``clear``; None
        else. What it shows of ``files`` then (``said``) is kept for the host's reload.
        ``apply`` and ``said`` read no file (the lock is held: the event loop waits)."""
        with self._lock:
            if not self._taking(files, ticket):
                return None
            change = apply()
            self._said.update({file: said(file) for file in files})
            return change

    def _taking(self, files: Collection[Path], ticket: int) -> bool:
        """(Locked.) Whether a side load of ``files`` with ``ticket`` may go on."""
        fresh = ticket == self._generation
        return fresh and self._open and self._held.isdisjoint(files)

    def saved_again(self, files: Collection[Path]) -> None:
        """``files`` were saved again since they were said beside: the host's reload of
        them says what it finds (that save's toast), though they stay as shown till then."""
        with self._lock:
            self._said.update({file: None for file in files if file in self._said})

    def dropped(self, files: Collection[Path]) -> None:
        """The host's import was dropped for a newer save of one of ``files`` (a batch's,
        read by the fresh host that answers the held reload: said by it, ``anew``)."""
        from .watcher import stamp_of

        stamps = {file: stamp_of(file) for file in files}  # (before the fresh host reads)
        with self._lock:
            self._dropped.update(files)
            self._anew.update(stamps)

    def anew(self) -> list[Path]:
        """The files the held reload, asked again after a drop, says too (``dropped``)."""
        with self._lock:
            return list(self._anew)

    def take_fresh(self, files: Collection[Path]) -> set[Path]:
        """Of ``files`` (a reload's, queued), those the last held reload's fresh host
        imported and said as they are now (not saved since: ``dropped``): imported again,
        a file renamed while it hung cost a second ``load_timeout``. Taken: once."""
        from .watcher import stamp_of

        with self._lock:
            fresh, self._fresh = self._fresh, {}
        return {file for file in files if file in fresh and stamp_of(file) == fresh[file]}

    def said_by_host(self, said: Mapping[Path, Said]) -> None:
        """What the held reload, asked again after a drop, said of the dropped files (as
        saved then): their queued reload says only what it finds otherwise (a save is
        said once, not twice)."""
        with self._lock:
            self._said.update(said)

    def told(self, files: Collection[Path]) -> list[Path]:
        """Those of ``files`` said beside or by the host (``forget`` takes what was)."""
        with self._lock:
            return [file for file in files if file in self._said]

    def forget(self, files: Collection[Path]) -> dict[Path, Said]:
        """What was said beside of ``files`` and not saved since (taken: said once)."""
        with self._lock:
            said = {file: self._said.pop(file, None) for file in files}
        return {file: was for file, was in said.items() if was is not None}

    def pending(self, files: Collection[Path]) -> set[Path]:
        """The files said beside, but for ``files``: the host's reload of them is next."""
        with self._lock:
            return set(self._said) - set(files)


class LoadWatch:
    """While the first load goes on (no watch is on yet), a save of a file it has been
    importing for ``LOOK_EVERY``, or of a helper that file imports (``read_by``), since
    the load began (``seen``: ``watcher.stamp_before_load``'s) drops that import: ``drop``
    stops the host, and the load is asked again of a fresh one. Those saves are noted as
    seen (the watch, once on, does not reload them again), unless the load had replied
    before its host was stopped (``undo``: the watch reloads them)."""

    def __init__(
        self,
        seen: dict[Path, Stamp],
        importing: Callable[[], Mapping[Path, float]],
        graph: ImportGraph,
        drop: Callable[[], None],
    ) -> None:
        self._seen = seen
        self._importing = importing  # each file with when it began (``time.monotonic``)
        self._graph = graph
        self._drop = drop
        self._before: dict[Path, Stamp | None] = {}  # the files noted anew, as before
        self._over = threading.Event()
        self._thread = threading.Thread(target=self._look, name="load watch", daemon=True)

    def __enter__(self) -> LoadWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._over.set()
        self._thread.join()

    def _look(self) -> None:
        from .watcher import restamped, saved_since

        while not self._over.wait(LOOK_EVERY):
            now = time.monotonic()
            importing = [f for f, began in self._importing().items() if now - began >= LOOK_EVERY]
            if importing and (saved := saved_since(self._seen, read_by(importing, self._graph))):
                # The fresh host imports every file as it is now: a file renamed while it
                # hung (``mv ren.py renamed.py``) is not reloaded again once the watch is on.
                noted = {**saved, **restamped(self._graph.root, self._seen)}
                self._before = {**noted, **self._before}  # (the first stamp of each kept)
                self._drop()

    def undo(self) -> None:
        """The load replied before the host was stopped: the files noted anew for it are
        not seen (the watch reloads them)."""
        for file, stamp in self._before.items():
            if stamp is None:
                self._seen.pop(file, None)
            else:
                self._seen[file] = stamp


def read_by(importing: Iterable[Path], graph: ImportGraph) -> set[Path]:
    """The files an import of ``importing`` reads: those, and the helpers each imports
    (at any depth, by its ``import`` statements; one deleted too, where it was)."""
    files = set(importing)
    return files.union(*(graph.closure(file, gone=True) for file in files))


def importers(helpers: Collection[Path], known: Iterable[Path], graph: ImportGraph) -> set[Path]:
    """The ``known`` flow files that import one of ``helpers`` (at any depth; a helper
    deleted too: ``No module named 'helper'`` is its importer's)."""
    if not helpers:
        return set()
    helpers = {*helpers}
    return {f for f in known if f not in helpers and graph.closure(f, gone=True) & helpers}


def told_of(
    file: Path,
    flow_files: Mapping[str, Path],
    shapes: Mapping[str, FlowShape],
    errors: Mapping[Path, LoadError],
    graph: ImportGraph,
) -> Said:
    """``said_of``; of a helper module (no flow file), what the screen shows of the flow
    files importing it together, their errors joined: a save of it is said as theirs
    (``RemoteWorkspace._not_again``). Reads the files: not on the event loop."""
    known = {*flow_files.values(), *errors}
    if file in known or file.suffix != ".py":
        return said_of(file, flow_files, shapes, errors)
    told = sorted(importers({file}, known, graph), key=file_order)
    said = [said_of(each, flow_files, shapes, errors) for each in told]
    failed = [error for _, error in said if error is not None]
    return tuple(flow for flows, _ in said for flow in flows), "\n".join(failed) or None


def said_less(
    change: WorkspaceChanged,
    same: set[Path],
    listed: Collection[str],
    flow_files: Mapping[str, Path],
    errors: Mapping[Path, LoadError],
    graph: ImportGraph,
) -> WorkspaceChanged:
    """``change`` less what was said of the files ``same`` (``RemoteWorkspace._not_again``:
    said beside or by the host after a drop, and shown so still); ``listed``: the flows
    listed before the reply (those it removes that were not, it removed before)."""
    if not same or change.settings_changed:
        return change
    if change.helpers:  # said whole, but of a helper said by the host after a drop:
        known = {*flow_files.values(), *errors}
        helpers = {f for f in same - known if display_path(f) in change.helpers}
        if {display_path(f) for f in helpers} != set(change.helpers):
            return change
        same = same | importers(helpers, known, graph)  # its importers, said with it
    names = {name for name, path in flow_files.items() if path in same}
    modules = {display_path(file) for file in same}
    return replace(
        change,
        paths=tuple(path for path in change.paths if path not in same),
        modules=tuple(module for module in change.modules if module not in modules),
        flows=tuple(name for name in change.flows if name not in names),
        errors=tuple(error for error in change.errors if error.path not in same),
        removed=tuple(name for name in change.removed if name in listed),  # (not again)
        left_out=tuple(note for note in change.left_out if note.path not in same),
        helpers=(),  # (all said before, or none)
    )


def saved_only(
    reply: Mapping[str, Any], paths: list[str], listed: Mapping[str, Path], graph: ImportGraph
) -> dict[str, Any]:
    """A fresh host's load (``reply``), answering a reload of ``paths``: its change
    narrowed to those files (``WorkspaceChanged.only``) and, of a saved helper, the flow
    files importing it (``Reloaded c.py (1 flow), which imports helpers/util.py``, as a
    reload of it says: it said "No flow changed (helpers/util.py)"), with the flows of
    those deleted since, or saved without them, said removed (``listed``: the flows listed
    before; that host never had them: a file deleted while the host hung importing it went
    without a word, a fix renaming its flow said no ``removed flow thirdfix``). A file
    that failed keeps its last good flows (``RemoteWorkspace._apply``): none removed."""
    files = {name: Path(path) for name, path in reply["flow_files"].items()}
    change = WorkspaceChanged.from_json(reply["change"])
    saved = [Path(p) for p in paths]
    failed = {LoadError.from_json(e).path for e in reply["errors"]}
    loaded = {p for p in saved if not p.exists() or p not in failed}  # (or gone)
    removed = {name for name, path in listed.items() if path in loaded} - set(files)
    known = {*files.values(), *failed}
    theirs = importers({p for p in saved if p not in known}, known, graph)
    narrowed = change.only([*saved, *theirs], files)
    used = read_by((p for p in theirs if display_path(p) in narrowed.modules), graph)
    helpers = tuple(display_path(p) for p in sorted(set(saved) & (used - known)))
    narrowed = replace(narrowed, paths=tuple(saved), helpers=helpers)
    if removed:
        removed |= {*narrowed.removed}
        narrowed = replace(narrowed, removed=tuple(in_natural_order(removed)))
    return narrowed.to_json()


class _Shut(LookupError):
    """Raised in a side host's news when its reload is over: ``ask`` stops it at once
    (as for news not as the host sends it), and ``load`` says None."""


def said_of(
    file: Path,
    flow_files: Mapping[str, Path],
    shapes: Mapping[str, FlowShape],
    errors: Mapping[Path, LoadError],
) -> Said:
    """What the screen shows of ``file``: its flows with their shapes, and its error."""
    flows = tuple((name, shapes.get(name)) for name, path in flow_files.items() if path == file)
    error = errors.get(file)
    return flows, None if error is None else str(error)


def beside_state(
    reply: Mapping[str, Any],
    files: list[Path],
    flow_files: Mapping[str, Path],
) -> tuple[dict[str, Path], dict[str, FlowShape], dict[Path, LoadError]] | None:
    """What a side host's load of ``files`` says of them: each file's flows, their
    shapes, its error; None when it says what the host alone can judge (a file with
    neither flows nor an error of its own import, a flow name another file has)."""
    theirs = {name: Path(path) for name, path in reply["flow_files"].items()}
    errors = {e.path: e for e in map(LoadError.from_json, reply["errors"]) if e.path in files}
    for file in files:
        error = errors.get(file)
        if file not in theirs.values() and (error is None or "defines no flows" in error.message):
            return None  # a helper, maybe: the files importing it are the host's to reload
        if file in theirs.values():
            errors.pop(file, None)  # (a name refused by no other file here: none)
    if any(flow_files.get(name, path) != path for name, path in theirs.items()):
        return None  # a name clash: which file keeps it is the host's word
    return theirs, shapes_from_json(reply["shapes"]), errors


def merged(
    flow_files: Mapping[str, Path], files: list[Path], theirs: Mapping[str, Path]
) -> dict[str, Path]:
    """``flow_files`` with ``files``' flows replaced by ``theirs``, in file order."""
    kept = {name: path for name, path in flow_files.items() if path not in files}
    return dict(sorted({**kept, **theirs}.items(), key=lambda item: file_order(item[1])))
