"""Import flow modules from a folder so that one broken file never takes the others down.

Each flow file is compiled and executed by hand under a unique module name
(``flowtop_flows.<stem>_<hash>``): the name never clashes with a helper or a library, the
source is read fresh on every reload (no stale ``.pyc``), and every failure — bad
encoding, syntax, an exception at import, no flows, a duplicate flow name — becomes a
:class:`LoadError` carrying the line in the user's file. The folder goes on ``sys.path``
so helper modules beside the flows import normally; the loader remembers which helpers
each flow module uses (its ``import`` statements, followed through the helpers, plus what
appeared in ``sys.modules`` while it ran) so a saved helper is evicted and re-imported
together with the flow modules that depend on it. Before flow files are imported, every
module of the user's an earlier one imported is evicted too, wherever it lives
(``user_modules``): an unwatched helper outside the folder, or one that read a data file at
import, is then as a fresh process finds it. A flow imported from another flow file
stays that file's (``flow_claims``); of two files defining one flow name the first by
sorted path keeps it, broken or not (``name_owners``), and the file refused is loaded again
when that file changes or goes.

Only the folder's own ``*.py`` files are flow modules; subfolders are ordinary packages
the flow modules may import (they reload when they change too). A top-level file that
names neither ``flowtop`` nor ``Flow`` in its code is never executed, so pointing flowtop at a
project folder does not run its ``setup.py`` or scripts. Nor is a file another user could
have written or put there (``code_trust``: one writable by every user; in a folder every
user may write in, such as ``/tmp``, one not yours nor root's): it is a load error saying
whose it is; a helper module of such a folder a flow imports is refused alike.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import linecache
import os
import re
import sys
import types
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..compat import forced as forced_compat
from ..compat import plain_imports, prefect_imports
from ..engine.context import importing_flow_file
from ..engine.flow import Flow
from ..engine.flow_package import FLOW_PACKAGE
from .code_trust import GUARD, code_refusal
from .default_reprs import DefaultHung, describe_defaults
from .early_flows import imported, in_this_load
from .flow_claims import SKIPPED_FILES, find_flows, no_flows
from .flow_naming import NameScan, will_import
from .flow_naming import Probed as Probed  # (re-exported: the workspace's probe makes them)
from .flow_order import file_order, in_file_order
from .flow_source import LoadFailed, decode_source, parse_source, read_source_and_status
from .forked_child import forks_end_here
from .helper_eviction import evict_helpers
from .import_as_script import as_script
from .import_errors import import_error
from .import_graph import ImportGraph
from .import_guard import importing
from .late_stdlib import late_stdlib_first
from .load_error import FLOW_MARKERS, FLOW_OR_PREFECT_MARKERS, LoadError, Stopped, mentions
from .main_block_args import MainCall
from .name_owners import already_defined, claim, holders, sorts_before, source_names
from .store_trust import everyone_writes
from .user_modules import UserModules


@dataclass
class LoadedModule:
    """The last good import of one flow file."""

    path: Path
    name: str
    module: types.ModuleType
    flows: dict[str, Flow]
    lines: dict[str, int] = field(default_factory=dict)  # the line binding each flow
    main_block: Mapping[str, MainCall] = field(default_factory=dict)  # flows its block calls


@dataclass
class LoadOutcome:
    """What one load or reload did, for :class:`~flowtop.workspace.WorkspaceChanged`."""

    modules: list[Path] = field(default_factory=list)  # flow files imported successfully
    helpers: list[Path] = field(default_factory=list)  # helper files evicted for re-import
    flows: list[str] = field(default_factory=list)  # flows (re)loaded
    removed: list[str] = field(default_factory=list)  # flows gone with their file
    errors: list[LoadError] = field(default_factory=list)  # new or changed errors


def module_name_for(path: Path, root: Path | None = None) -> str:
    """A stable, unique module name for a flow file: same file, same name, across reloads.

    Named by its place in the workspace (``root``), not on the disk: a value of a class
    the file defines is pickled by that name into the run store and the result cache,
    and a workspace moved or cloned elsewhere must still read them back (a rerun there
    ran every task again, "No module named 'flowtop_flows.etl_…'")."""
    stem = re.sub(r"\W", "_", path.stem) or "module"
    if stem[0].isdigit():
        stem = "_" + stem
    place = path.relative_to(root) if root is not None and path.is_relative_to(root) else path
    digest = hashlib.sha1(place.as_posix().encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{FLOW_PACKAGE}.{stem}_{digest}"


class Loader:
    """Loads the flow files of one folder (or one file) and keeps their last good version."""

    def __init__(
        self,
        root: Path,
        only: Path | None = None,
        *,
        prefect_compat: bool = False,
        probe: Callable[[list[Path], bool], dict[Path, Probed]] | None = None,
        guard: Callable[[Path], contextlib.AbstractContextManager[object]] | None = None,
    ) -> None:
        self.root = root
        self.only = only  # a single flow file, when the workspace was opened on one
        #: Drop-in mode (``[workspace] prefect_compat``): ``prefect`` imports get flowtop's.
        self.prefect_compat = prefect_compat
        #: Imports the file in a child process first (see ``loader_process``): a file that
        #: hangs, exits or fails at import is reported without running it here.
        self.probe = probe
        #: What an import without a probe first runs under (``import_guard.deadline``: one
        #: that overruns ends this process, which its parent or its user expects).
        self.guard = guard
        self._probed: dict[Path, Probed] = {}
        #: Import here only the file that defines this flow (``flowtop run DIR --flow NAME``):
        #: the probes name every file's flows, so the others need no second import.
        self.only_flow: str | None = None
        #: The file whose source defines ``only_flow``, imported here unprobed (under ``guard``;
        #: the run imports it anyway); the others probed if it does not, or their names hide.
        self._here: Path | None = None
        #: Files an ``only_flow`` load left unread, their flows untold (``NameScan.others_seen``).
        self.unread: set[Path] = set()
        self.modules: dict[Path, LoadedModule] = {}
        self.errors: dict[Path, LoadError] = {}
        self.flows: dict[str, Flow] = {}
        self.flow_files: dict[str, Path] = {}
        self.deps: dict[Path, frozenset[Path]] = {}
        #: Files refused for a flow name another file has -> that file (loaded again when it
        #: changes or goes), and the names a file that failed holds still (``name_owners``).
        self.conflicts: dict[Path, Path] = {}
        self.kept: dict[Path, frozenset[str]] = {}
        #: This load's files yet to come, and those refused for a name (loaded again, ``_displace``).
        self._pending: set[Path] = set()
        self._displaced: set[Path] = set()
        self.graph = ImportGraph(root)
        self._helpers: dict[str, Path] = {}  # helper module name -> file, imported by our flows
        #: The user's modules our flow files imported, in the workspace or not: evicted
        #: before each (re)load so a saved file loads as in a fresh process.
        self._user = UserModules()
        self._guarded = False  # its helper modules checked as imported (``code_trust``)

    # -- public -----------------------------------------------------------------------
    def activate(self) -> None:
        """Make helper modules beside the flows importable."""
        late_stdlib_first(self.root)
        if str(self.root) not in sys.path:
            sys.path.insert(0, str(self.root))
        if not self._guarded and _open_to_all(self.root):  # /tmp: import no stranger's file
            GUARD.guard(self.root)
            self._guarded = True
        if FLOW_PACKAGE not in sys.modules:
            package = types.ModuleType(FLOW_PACKAGE, "Flow modules loaded by flowtop.")
            package.__path__ = []
            sys.modules[FLOW_PACKAGE] = package

    def deactivate(self) -> None:
        if str(self.root) in sys.path:
            sys.path.remove(str(self.root))
        if self._guarded:
            GUARD.unguard(self.root)
            self._guarded = False
        for loaded in self.modules.values():
            sys.modules.pop(loaded.name, None)
        self._evict(set(self._helpers.values()))
        self._user.evict()

    def flows_not_imported(self) -> set[str]:
        """The flows probes (or their sources: ``unread``) found in files this process left
        unimported (``only_flow``): settings that name them are checked when a run of
        theirs loads them."""
        if self.only_flow is None:
            return set()
        return {
            name
            for path, (_, names) in self._probed.items()
            if path not in self.modules
            for name in names
        }

    def main_block_calls(self) -> dict[str, MainCall]:
        """The loaded flows their own file's ``if __name__ == "__main__":`` block calls
        (``entry_flows``: what ``flowtop run FILE`` runs, as ``python FILE`` would), each
        with how the block calls it (``main_block_args``)."""
        return {
            name: call
            for path, loaded in self.modules.items()
            for name, call in loaded.main_block.items()
            if self.flow_files.get(name) == path
        }

    def candidates(self) -> list[Path]:
        """The flow files: the one file, or the folder's own ``*.py`` files."""
        if self.only is not None:
            return [self.only]
        found = []
        try:
            entries = list(os.scandir(self.root))
        except OSError:
            return []
        for entry in entries:
            if (
                not entry.name.endswith(".py")
                or entry.name.startswith(".")
                or entry.name in SKIPPED_FILES
            ):
                continue
            try:
                if entry.is_dir():
                    continue
            except OSError:
                pass  # a symlink loop: reported when read
            found.append(self.root / entry.name)
        return sorted(filter(in_this_load, found), key=file_order)  # (a side host's: some)

    def load_all(self, anew: bool = False) -> LoadOutcome:
        """``anew``: drop-in mode turned on or off: each file read as a fresh start would."""
        self.activate()
        outcome, said = LoadOutcome(), dict(self.errors) if anew else {}
        self._evict(set(self._helpers.values()))
        self._user.evict()
        current, known = set(self.candidates()), set(self.modules) | set(self.errors)
        for gone in sorted(known if anew else known - current):
            self._forget(gone, outcome)
        explicit = set() if anew else known & current
        self._load_files(sorted(current, key=file_order), outcome, explicit=explicit)
        outcome.errors = [e for e in outcome.errors if str(e) != str(said.get(e.path))]
        return outcome

    def reload(self, paths: Iterable[Path], hung: Collection[Path] = ()) -> LoadOutcome:
        """Reload what ``paths`` (changed ``.py`` files) affect; one of ``hung`` (its import
        overran ``load_timeout``) only when saved, not for each new file (one more timeout)."""
        self.activate()
        outcome = LoadOutcome()
        changed = {Path(os.path.abspath(p)) for p in paths if str(p).endswith(".py")}
        candidates = set(self.candidates())
        known = set(self.modules) | set(self.errors)
        helper_files = set(self._helpers.values()) | {
            d for deps in self.deps.values() for d in deps
        }
        changed_helpers = changed & helper_files
        stale = set(changed_helpers)
        for helper in helper_files:
            if self.graph.closure(helper) & changed_helpers:
                stale.add(helper)
        self._evict(stale | (changed - candidates), outcome, saved=frozenset(changed))
        to_load = (changed & candidates) | {
            f for f, deps in self.deps.items() if deps & stale and f in candidates
        }
        to_load |= {f for f, owner in self.conflicts.items() if owner in changed} & candidates
        unknown = changed - helper_files - known
        if any(p.exists() for p in unknown):  # a new module may be the one an errored file lacked
            to_load |= (set(self.errors) - set(hung)) & candidates
        for gone in sorted(p for p in (changed & known) if p not in candidates):
            self._forget(gone, outcome)
        if to_load:  # what they import of the user's, as it is now (a helper outside the
            self._user.evict()  # folder, one that read a data file at import): afresh
        self._load_files(sorted(to_load), outcome, explicit=known)
        return outcome

    def compat(self) -> bool:
        """Drop-in mode: ``[workspace] prefect_compat`` or forced by the environment."""
        return self.prefect_compat or forced_compat()

    def markers(self) -> re.Pattern[bytes]:
        """A folder file is imported only when its source mentions one of these."""
        return FLOW_OR_PREFECT_MARKERS if self.compat() else FLOW_MARKERS

    def module_of(self, flow_name: str) -> types.ModuleType | None:
        path = self.flow_files.get(flow_name)
        loaded = self.modules.get(path) if path else None
        return loaded.module if loaded else None

    # -- internals --------------------------------------------------------------------
    def _load_files(self, paths: list[Path], outcome: LoadOutcome, explicit: set[Path]) -> None:
        importlib.invalidate_caches()
        attempted: dict[Path, LoadedModule] = {}
        order = {path: i for i, path in enumerate(paths)}
        self._probed, self._here, self.unread = {}, None, set()
        if self.probe is not None:  # every file that will be imported, in parallel children
            wanted = [
                p
                for p in paths
                if will_import(p, p in explicit or p == self.only, self.markers())
                and code_refusal(p, self.root) is None  # (its error is said without a probe)
            ]
            scan = NameScan(wanted, self.only_flow) if self.only_flow is not None else None
            self._here = scan.file_defining() if scan is not None else None
            if self._here is not None:
                self._import(self._here, attempted, outcome, explicit)
            if scan is not None and self._defines_only_flow(attempted):  # the others: probed
                seen = scan.others_seen(self._here, self.probe, self.compat())  # if untold only
                here = self._here
                before = [p for p in seen.unread if here and sorts_before(p, here)]
                ours = set(attempted[here].flows) if here in attempted else {self.only_flow}
                first = {p for p in before if source_names(p) & ours}  # may hold one of them
                self._probed, self.unread = seen.probed, seen.unread - first
                paths = [*seen.defining, *sorted(first, key=file_order)]
            else:
                self._probed = self.probe([p for p in wanted if p != self._here], self.compat())
                paths = self._defining([p for p in paths if p != self._here], attempted)
        for path in paths:
            self._import(path, attempted, outcome, explicit)
        attempted = dict(sorted(attempted.items(), key=lambda item: order[item[0]]))
        self._pending = set(attempted)  # (their old flows are theirs till their turn)
        clashed: list[tuple[Path, LoadedModule, LoadError | None]] = []
        for path, loaded in attempted.items():
            previous_error = self.errors.get(path)
            if not loaded.flows:
                self._pending.discard(path)
                sys.modules.pop(loaded.name, None)
                if self.only_flow is None and not self._is_helper(path, attempted):
                    # (run --flow imports only its flow's files: whose helper it is, unknown)
                    self._set_error(path, no_flows(path), previous_error, outcome)
                    self.kept.pop(path, None)
                elif path in self.modules:  # it became a pure helper: its flows are gone
                    self._forget(path, outcome)
                else:
                    self._cleared(path)
                continue
            if self._claim(path, loaded, outcome) is not None:
                clashed.append((path, loaded, previous_error))
                self.kept[path] = frozenset(loaded.flows)  # (held while refused)
                continue
            self._accept(path, loaded, outcome)
        for path, loaded, previous_error in clashed:  # a file loaded after it may have
            clash = self._claim(path, loaded, outcome)  # given the name up
            if clash is not None:
                self._pending.discard(path)
                error, owner = clash
                self._set_error(path, error, previous_error, outcome)
                self.conflicts[path] = owner
                self._restore_module(path, loaded.name)
                continue
            self._accept(path, loaded, outcome)
        # Files refused for a name a file now refused had: their names may be free
        again = sorted(f for f, owner in self.conflicts.items() if owner in self._displaced)
        self._displaced = set()
        if again:
            self._load_files(again, outcome, explicit)
        if outcome.modules:  # a file added or changed while open: its flows in their place
            listed = in_file_order(self.flows, {p: m.flows for p, m in self.modules.items()})
            self.flows.clear()
            self.flows.update(listed)  # and the files by flow (the flows list reads those)
            self.flow_files = {name: self.flow_files[name] for name in self.flows}

    def _import(
        self,
        path: Path,
        attempted: dict[Path, LoadedModule],
        outcome: LoadOutcome,
        explicit: set[Path],
    ) -> None:
        """Import ``path`` into ``attempted``, or record why it failed."""
        previous_error = self.errors.get(path)
        try:
            loaded = self._load_one(path, force=path in explicit or path == self.only)
        except LoadFailed as failed:
            self._set_error(path, failed.error, previous_error, outcome)
            self.kept[path] = source_names(path)  # (held while it fails)
            return
        if loaded is not None:
            attempted[path] = loaded
            imported(path, loaded.flows)  # listed on the first screen now (``early_flows``)

    def _defines_only_flow(self, attempted: dict[Path, LoadedModule]) -> bool:
        """Whether the file whose source defines ``only_flow`` was imported and does."""
        here = attempted.get(self._here) if self._here is not None else None
        return here is not None and self.only_flow in here.flows

    def _defining(self, paths: list[Path], attempted: dict[Path, LoadedModule]) -> list[Path]:
        """``paths`` less the files whose probe found flows, none of them ``only_flow``:
        all of ``paths`` when neither a probe nor an import so far found it (the error
        then lists every flow)."""
        wanted = self.only_flow
        if wanted is None or not (
            any(wanted in names for _, names in self._probed.values())
            or any(wanted in loaded.flows for loaded in attempted.values())
        ):
            return paths
        # a file without flows is still imported: a helper, or an error to report
        elsewhere = {p for p, (_, names) in self._probed.items() if names and wanted not in names}
        return [p for p in paths if p not in elsewhere]

    def _load_one(self, path: Path, *, force: bool) -> LoadedModule | None:
        data, opened = read_source_and_status(path)
        compat = self.compat()
        if not force and not mentions(self.markers(), data):
            return None
        refused = code_refusal(path, self.root, opened)  # another user's file in /tmp
        if refused is not None:
            raise LoadFailed(LoadError(path, None, None, refused))
        text = decode_source(path, data)
        tree = parse_source(path, text)
        try:
            code = compile(tree, str(path), "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", None)
            raise LoadFailed(
                LoadError(path, line, getattr(exc, "offset", None), f"{type(exc).__name__}: {exc}")
            ) from None
        unprobed = self.probe is None or path == self._here
        if self.probe is not None and not unprobed:
            probed = self._probed if path in self._probed else self.probe([path], compat)
            failed = probed[path][0] if path in probed else None
            if failed is not None:
                self.deps[path] = frozenset(self.graph.closure(path, tree))
                raise LoadFailed(failed)
        name = module_name_for(path, self.root)
        module = types.ModuleType(name)
        module.__file__ = str(path)
        module.__spec__ = importlib.util.spec_from_file_location(name, path)
        # The source that runs, for tracebacks (never reread: a save mid-run misquoted them)
        linecache.cache[str(path)] = (len(text), None, text.splitlines(keepends=True), str(path))
        previous = sys.modules.get(name)
        before = set(sys.modules)
        sys.modules[name] = module
        try:
            with (
                importing(path),  # said to the TUI: its first screen names a slow file
                as_script(path) as script,
                importing_flow_file(),  # a flow it calls at top level must not run
                prefect_imports() if compat else plain_imports(name),
                self.guard(path) if self.guard and unprobed else contextlib.nullcontext(),
                forks_end_here(),  # (a copy the import forked, coming back here, ends)
            ):
                exec(code, module.__dict__)
                describe_defaults(module, path)  # under the guard's deadline: may not return
        except BaseException as exc:
            self._note_helpers(set(sys.modules) - before, path)
            if previous is not None:
                sys.modules[name] = previous
            else:
                sys.modules.pop(name, None)
            if isinstance(exc, Stopped | DefaultHung):  # Ctrl+C or SIGTERM during a slow
                raise  # import stops the command (130, 143), not a broken file (exit 2)
            raise LoadFailed(
                import_error(
                    path,
                    exc,
                    prefect_compat=compat,
                    tree=tree,
                    root=self.root,
                    stderr=script.last_line(),
                )
            ) from None
        finally:
            self.deps[path] = frozenset(self.graph.closure(path, tree))
        self.deps[path] |= self._note_helpers(set(sys.modules) - before, path)
        try:
            found = find_flows(path, module, tree, self.root)
        except LoadFailed:
            self._restore_module(path, name, previous)
            raise
        return LoadedModule(path, name, module, found.flows, found.lines, found.main_block)

    def _note_helpers(self, names: set[str], importer: Path) -> frozenset[Path]:
        """Remember local modules that importing ``importer`` brought in."""
        self._user.note(names)
        files = set()
        for name in names:
            if name.startswith(FLOW_PACKAGE + "."):
                continue
            file = getattr(sys.modules.get(name), "__file__", None)
            if not file:
                continue
            path = Path(os.path.abspath(file))
            if path.is_relative_to(self.root) and path != importer:
                self._helpers[name] = path
                files.add(path)
        return frozenset(files)

    def _is_helper(self, path: Path, attempted: dict[Path, LoadedModule]) -> bool:
        """A flow-less file that a flow module imports is a helper, not an error; so is
        one whose importer failed (its own error says what to fix, "defines no flows"
        here would send the user to the wrong file)."""
        users = set(self.modules) | {p for p, m in attempted.items() if m.flows}
        users |= {p for p in self.errors if p not in attempted}
        return any(path in deps for f, deps in self.deps.items() if f != path and f in users)

    def _claim(
        self, path: Path, loaded: LoadedModule, outcome: LoadOutcome
    ) -> tuple[LoadError, Path] | None:
        """Why ``path`` cannot have its flows (a name a file before it has, broken or not), and
        that file. If it can, the files after it lose its names (``name_owners``): refused."""
        held = holders(self.flow_files, self.kept, self._probed, leaving=path)
        found = claim(path, loaded.flows, loaded.lines, held)
        for owner, name in found.displaced.items():
            self._displace(owner, name, path, outcome)
        for name in loaded.flows if found.refused is None else ():
            for owner in {self.flow_files.get(name, path), *self.kept} - {path}:
                if (old := self.modules.get(owner)) is not None:
                    old.flows = {n: f for n, f in old.flows.items() if n != name}
                if owner in self.kept:
                    self.kept[owner] -= {name}
        return found.refused

    def _displace(self, owner: Path, name: str, by: Path, outcome: LoadOutcome) -> None:
        """``owner`` had ``name``, which ``by`` (a file before it) defines too: refused as a
        fresh load refuses it, its other flows kept as a broken file's, loaded again when
        ``by`` changes or goes; one whose turn in this load is to come is judged then."""
        old = self.modules.get(owner)
        self._displaced.add(owner)
        outcome.modules[:] = [p for p in outcome.modules if p != owner]
        if owner in self._pending or (old is None and owner in self.errors):
            return
        if owner not in self.errors:  # (a file saved broken keeps saying why)
            error = already_defined(owner, old.lines.get(name) if old else None, name, by)
            self._set_error(owner, error, None, outcome)
            self.kept[owner] = frozenset(old.flows if old else ())
        self.conflicts[owner] = by

    def _accept(self, path: Path, loaded: LoadedModule, outcome: LoadOutcome) -> None:
        self._pending.discard(path)
        old = self.modules.get(path)
        for name in old.flows if old else ():
            if name not in loaded.flows:
                self.flows.pop(name, None)
                self.flow_files.pop(name, None)
                outcome.removed.append(name)
        for name, flow in loaded.flows.items():
            flow.source = str(path)
            self.flows[name] = flow
            self.flow_files[name] = path
            outcome.flows.append(name)
        self.modules[path] = loaded
        self._cleared(path)
        if loaded.flows:
            outcome.modules.append(path)

    def _cleared(self, path: Path) -> None:  # fine, or gone: no error, nor names it holds
        for book in (self.errors, self.conflicts, self.kept):
            book.pop(path, None)

    def _set_error(
        self, path: Path, error: LoadError, previous: LoadError | None, outcome: LoadOutcome
    ) -> None:
        self.errors[path] = error
        self.conflicts.pop(path, None)  # (set again by a clash)
        if previous is None or str(previous) != str(error):
            outcome.errors.append(error)

    def _restore_module(
        self, path: Path, name: str, previous: types.ModuleType | None = None
    ) -> None:
        module = good.module if (good := self.modules.get(path)) is not None else previous
        if module is not None:
            sys.modules[name] = module
        else:
            sys.modules.pop(name, None)

    def _forget(self, path: Path, outcome: LoadOutcome) -> None:
        """A flow file was deleted: its flows go with it."""
        loaded = self.modules.pop(path, None)
        self._cleared(path)
        self.deps.pop(path, None)
        if loaded is None:
            return
        sys.modules.pop(loaded.name, None)
        for name in loaded.flows:
            if self.flow_files.get(name) == path:
                self.flows.pop(name, None)
                self.flow_files.pop(name, None)
                outcome.removed.append(name)

    def _evict(
        self,
        files: set[Path],
        outcome: LoadOutcome | None = None,
        saved: frozenset[Path] = frozenset(),
    ) -> None:
        """Drop helper modules of ``files`` from ``sys.modules`` so the next import re-reads
        them; the ``saved`` ones are the helpers ``outcome`` names (the toast says why its
        flow files reloaded: `lib/util.py` saved, not the package modules evicted with it)."""
        if not files:
            return
        evicted = evict_helpers(self._helpers, files)
        if outcome is not None:
            outcome.helpers.extend(sorted(f for f in evicted & saved if f.suffix == ".py"))


def _open_to_all(folder: Path) -> bool:
    with contextlib.suppress(OSError):
        return everyone_writes(os.stat(folder))
    return False
