"""The workspace facade: one object the TUI and the CLI use for flows, settings and history.

It ties the loader, the settings files and the watcher together and owns the rule that
nothing the user saves can crash the app: every load and reload returns a
:class:`WorkspaceChanged` saying what happened, errors included, never raising for a bad
flow or settings file. A lock keeps the watcher's reloads and ``set_override``'s apart.
"""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..compat import forced as forced_compat
from ..engine.dynamic import FlowFunction
from ..engine.flow import Flow, Node
from ..engine.layers import Layer
from ..engine.policy import RetryPolicy
from ..engine.runner import Runner
from ..engine.spec import parse_spec
from ..engine.suggest import did_you_mean, some_of
from . import overrides as overrides_file
from .changes import WorkspaceChanged, saved_helpers
from .flow_order import file_order, in_natural_order
from .import_guard import CAREFUL, deadline, hung
from .load_error import LoadError, display_path, prefect_only
from .loader import Loader, LoadOutcome, Probed
from .override_saves import as_saved, save_lock, saved_here, write_saved
from .overrides import OverridesSaved
from .places import Places
from .result_cache import FolderCache
from .retry_on_names import resolve_exception
from .settings import (
    TASK_KEYS,
    Settings,
    SettingsError,
    apply_layers,
    check_table,
    locate,
    table_name,
)
from .settings_state import SettingsState
from .tables_at_fault import refuse_tables_at_fault
from .task_copies import copies_of, shape_maker

if TYPE_CHECKING:
    from ..engine.parameters import ParameterProblem
    from .flow_shapes import FlowShape
    from .history import History


class Workspace:
    """A flow file or a folder of them, with its settings files and state folder."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        isolate_imports: bool = True,
        import_deadline: Callable[[Path, float], None] | None = None,
    ) -> None:
        """``isolate_imports``: import each flow file in a loader process first (a hang, an
        exit or a ``BaseException`` at import is reported as a broken file, never felt here).
        ``import_deadline(file, seconds)``: called when a file imported here without that
        took longer than ``load_timeout``, to end this process (``import_guard``)."""
        places = Places.of(path)
        self.path, self.root, only = places.path, places.root, places.only
        self.state_dir = places.state_dir
        self.settings_path = places.settings_path
        self.overrides_path = places.overrides_path
        probe = None
        if isolate_imports:  # imported only then: a run process starts sooner without it
            from . import loader_process

            probe = self._probe if loader_process.available() else None

        def guard(file: Path) -> AbstractContextManager[None]:
            assert import_deadline is not None
            seconds = self.settings.load_timeout
            return deadline(seconds, lambda: import_deadline(file, seconds), backstop=True)

        self._loader = Loader(
            self.root, only, probe=probe, guard=guard if import_deadline else None
        )
        #: What each flow file printed at import in the loader process (its tail), by file.
        self.import_output: dict[Path, str] = {}
        #: The files whose import overran ``load_timeout`` there: tried again when it changes.
        self._overran: set[Path] = set()
        self._settings = SettingsState()
        #: ``settings`` as last built, with the two files it was built from.
        self._settings_built: tuple[Any, Any, Settings] | None = None
        self._lock = threading.RLock()
        self.watched = True  # a watch may follow ``load`` here (not in a helper: ``in_helper``)
        self._history: History | None = None
        #: What ``make_runner`` started beside the history: closed before it.
        self._owned: list[Any] = []
        #: Why the last ``make_runner`` runs without a history (a corrupt or locked file), or None.
        self.history_error: str | None = None
        #: ``policy_for`` of tasks no table names, by their code's policy (see there).
        self._plain_policies: dict[int, tuple[RetryPolicy, Settings, RetryPolicy]] = {}
        #: ``shapes`` as last built; dropped by whatever changes flows or settings.
        self._shapes: dict[str, FlowShape] | None = None
        self.shape_errors: dict[str, LoadError] = {}  # flows ``shapes`` could not make
        #: The @flow instance methods the last whole load left out (``WorkspaceChanged``'s,
        #: read as it loaded): what ``flowtop run`` says beside the flows it runs.
        self.left_out: tuple[LoadError, ...] = ()

    @classmethod
    def in_helper(cls, path: str, imports: str) -> Workspace:
        """The workspace of a helper process (the flow host, ``flowtop list``'s loader):
        ``FAST`` imports each file here only, under a deadline that ends the process;
        ``CAREFUL`` in a loader child first (``import_guard``)."""
        careful = imports == CAREFUL
        made = cls(path, isolate_imports=careful, import_deadline=None if careful else hung)
        made.watched = False  # never here: its monitor stamps the files (``RemoteWorkspace``)
        return made

    # -- flows ------------------------------------------------------------------------
    @property
    def flows(self) -> dict[str, Flow]:
        return dict(self._loader.flows)

    @property
    def shapes(self) -> dict[str, FlowShape]:
        """Every flow as plain data with its effective policies: what the TUI shows."""
        with self._lock:
            if self._shapes is None:
                from .entry_flows import main_block_calls_of

                maker = shape_maker(self)  # (with the with_options copies runs called)
                called = {name: c.parameters for name, c in main_block_calls_of(self).items()}
                shaped = maker.shape_all(self.flows, self.flow_files, called)
                self._shapes, self.shape_errors = shaped
            return self._shapes

    def shape_changes(self, change: WorkspaceChanged) -> dict[str, FlowShape]:
        """The shapes ``change`` made new: all of them when the settings changed."""
        shapes = self.shapes
        if change.settings_changed:
            return shapes
        return {name: shapes[name] for name in (*change.flows, *change.copied) if name in shapes}

    @property
    def flow_files(self) -> dict[str, Path]:
        return dict(self._loader.flow_files)

    @property
    def errors(self) -> dict[Path, LoadError]:
        return dict(self._loader.errors)

    def _probe(self, paths: list[Path], prefect_compat: bool) -> dict[Path, Probed]:
        from .loader_process import probe_many

        results = probe_many(
            paths, self.root, prefect_compat=prefect_compat, timeout=self.settings.load_timeout
        )
        for path, result in results.items():
            self.import_output[path] = result.output
            (self._overran.add if result.timed_out else self._overran.discard)(path)
        return {
            path: (result.error, frozenset(flow.name for flow in result.flows))
            for path, result in results.items()
        }

    def flow_file_candidates(self) -> list[Path]:
        """The files a load would import: the one file, or the folder's own ``*.py``."""
        return self._loader.candidates()

    def unread_prefect_files(self) -> list[Path]:
        """Flow files that import ``prefect`` and were therefore not read: with drop-in
        mode off, a file is imported only when it mentions flowtop. What "no flows
        found" points at, since a Prefect user's first try is a folder of such files."""
        compat = self.settings.prefect_compat or forced_compat()  # (as read: no load needed)
        return [] if compat else prefect_only(self.flow_file_candidates())

    @property
    def unread_prefect(self) -> list[str]:
        """Their names, as the monitor's view of a workspace gives them (``WorkspaceView``):
        a monitor embedded on a ``Workspace`` of an empty folder raised AttributeError."""
        return [path.name for path in self.unread_prefect_files()]

    def read_settings(self) -> list[LoadError]:
        """Read both settings files without loading any flow (their new errors)."""
        with self._lock:
            return self._reload_settings()[1]

    def load(self, flow: str | None = None) -> WorkspaceChanged:
        """(Re)load every flow file and both settings files.

        ``flow``: a run of that flow only (``flowtop run DIR --flow NAME``). The file that
        defines it is imported here, and no other; if none does, each other file in its
        loader child, which names its flows, and here only the one that defines ``flow``.
        """
        if self.watched and flow is None:  # stamped first, as by ``RemoteWorkspace.load``
            from .watcher import stamp_before_load

            stamp_before_load(self)
        with self._lock:
            settings_changed, settings_errors = self._reload_settings()
            self._loader.only_flow = flow
            try:
                return self._load_flows(settings_changed, settings_errors)
            finally:
                self._loader.only_flow = None

    def load_flows(self, flow: str | None = None) -> WorkspaceChanged:
        """Load every flow file under the settings as last read (``read_settings``, first for
        the import deadline): a run's process, ``flow``'s, whom another's bad table stops not."""
        with self._lock:
            return self._load_flows(False, [], flow)

    def _load_flows(
        self, settings_changed: bool, settings_errors: list[LoadError], flow: str | None = None
    ) -> WorkspaceChanged:
        self._loader.prefect_compat = self.settings.prefect_compat
        outcome = self._loader.load_all()
        name_errors = self._check_names(flow)
        self._forget_tasks()
        change = self._changed((), outcome, settings_changed, [*settings_errors, *name_errors])
        self.left_out = change.left_out
        return change

    def reload_paths(self, paths: Iterable[str | os.PathLike[str]]) -> WorkspaceChanged:
        """Reload what the changed ``paths`` affect (what :meth:`watch` calls per batch)."""
        changed = tuple(sorted({Path(os.path.abspath(p)) for p in paths}))
        with self._lock:
            settings_changed = False
            settings_errors: list[LoadError] = []
            reads_prefect, timeout = self._loader.compat(), self.settings.load_timeout
            saved = [p for p in changed if p.suffix == ".py"]
            if any(p in (self.settings_path, self.overrides_path) for p in changed):
                # Saved means re-read: set_override may have applied the content already,
                # and the UI still wants the event to refresh the policies it shows.
                _, settings_errors = self._reload_settings()
                settings_changed = True
                self._loader.prefect_compat = self.settings.prefect_compat
                if self.settings.load_timeout != timeout:  # what overran the old may load
                    saved += sorted(self._overran & set(self._loader.errors) - set(saved))
            # Drop-in mode turned on or off: which files are flow files changed, and what
            # `from prefect import …` means in them; every file is read again.
            anew = self._loader.compat() != reads_prefect
            loader = self._loader
            outcome = loader.load_all(anew=True) if anew else loader.reload(saved, self._overran)
            name_errors = (
                self._check_names() if settings_changed or outcome.modules or outcome.errors else []
            )
            change = copies_of(self).noted(  # (a run's copies recorded: ``task_copies``)
                self._changed(changed, outcome, settings_changed, [*settings_errors, *name_errors])
            )
            self._forget_tasks()
            # A saved file still bad (its error as before, too) was refused: not "Reloaded".
            saved_settings = [(layer, p) for layer, p in self._settings_paths() if p in changed]
            kept, stopped = self._settings.refused(saved_settings)
            unread = tuple(self.unread_prefect_files()) if anew else change.unread  # (its toast)
            return replace(change, settings_kept=kept, settings_stopped=stopped, unread=unread)

    async def watch(self, stop_event: Any = None) -> AsyncIterator[WorkspaceChanged]:
        """Watch the folder and yield a :class:`WorkspaceChanged` per batch of saves."""
        from .watcher import watch

        async for change in watch(self, stop_event):
            yield change

    def _changed(
        self,
        paths: tuple[Path, ...],
        outcome: LoadOutcome,
        settings_changed: bool,
        errors: list[LoadError],
    ) -> WorkspaceChanged:
        return WorkspaceChanged(
            paths=paths,
            modules=tuple(display_path(p) for p in sorted(outcome.modules, key=file_order)),
            flows=tuple(outcome.flows),
            errors=(*outcome.errors, *errors),
            settings_changed=settings_changed,
            # gone from one file and loaded from another (a renamed file): not removed
            removed=tuple(in_natural_order(n for n in outcome.removed if n not in outcome.flows)),
            helpers=saved_helpers(outcome.helpers, paths, outcome.modules, self._loader.deps),
            said_apart=saved_here(paths),  # the retry editor's own save: said by it
        ).noted(outcome.modules)  # (read here, off the monitor's UI thread)

    # -- settings ---------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        """Built again only when a settings file changed: ``policy_for`` asks once per
        task, and building it each time cost a 50,000-task run about a quarter second."""
        files = self._settings.files
        toml, overrides = files[Layer.TOML], files[Layer.OVERRIDES]
        built = self._settings_built
        if built is None or built[0] is not toml or built[1] is not overrides:
            built = self._settings_built = (toml, overrides, Settings.from_files(toml, overrides))
        return built[2]

    @property
    def settings_errors(self) -> list[LoadError]:
        return self._settings.said()

    @property
    def settings_error(self) -> LoadError | None:
        """The first settings error that stops a run (``settings_warnings`` stop none)."""
        return next((e for e in self.settings_errors if not e.unused), None)

    @property
    def settings_warnings(self) -> list[LoadError]:
        """Tables naming a flow (or, in overrides.toml, a task) the code lacks: said, stop no run."""
        return [e for e in self.settings_errors if e.unused]

    def _forget_tasks(self) -> None:
        """The flows' tasks were replaced: their shapes and effective policies go (an old
        policy held its module's globals through its ``retry_on`` classes, for good)."""
        self._shapes = None
        self._plain_policies.clear()

    def _settings_paths(self) -> tuple[tuple[Layer, Path], ...]:
        return ((Layer.TOML, self.settings_path), (Layer.OVERRIDES, self.overrides_path))

    def _reload_settings(self) -> tuple[bool, list[LoadError]]:
        """Re-read both files; a bad one keeps its last good version. Returns (changed, new errors)."""
        self._shapes = None
        return self._settings.reread(self._settings_paths())

    def _check_names(self, runs: str | None = None) -> list[LoadError]:
        """Report task tables naming a task, flow or ``retry_on`` exception that does not exist
        (after every reload: they depend on the flows); the rest of the file applies. A table of
        a flow the code lacks stops no run (``unused``), nor one of overrides.toml for a task it
        lacks: the retry editor wrote it for a task deleted since (flowtop.toml's may be a typo)."""
        before = {str(e) for e in self._settings.name_errors}
        errors = []
        for layer, path in self._settings_paths():
            file = self._settings.files[layer]
            if file is None:
                continue
            for (flow_name, key), values in file.tasks.items():
                table = ("flows", flow_name, "tasks", key)
                problem = self._table_problem(flow_name, key, values, table)
                if problem is not None:
                    line = locate(file.text, table, "retry_on" if "retry_on:" in problem else None)
                    flow = self._loader.flows.get(flow_name)
                    unused = flow is None or (layer == Layer.OVERRIDES and flow.node(key) is None)
                    errors.append(LoadError(path, line, None, problem, in_part=True, unused=unused))
        self._settings.name_errors = errors
        loader = self._loader
        only = loader.only_flow or runs  # (a run of one flow: another's bad table stops it not)
        self._settings.check_tables(  # a bad table in overrides.toml: whose runs it stops
            loader.flows,
            only,
            one_file=loader.only is not None,
            elsewhere=lambda flow: (
                bool(loader.errors or loader.unread) or flow in loader.flows_not_imported()
            ),
        )
        return [e for e in errors if str(e) not in before]

    def _table_problem(
        self, flow_name: str, key: str, values: Mapping[str, Any], table: tuple[str, ...]
    ) -> str | None:
        flow = self._loader.flows.get(flow_name)
        if flow is None:
            elsewhere = self._loader.flows_not_imported()
            if (
                self._loader.only is not None
                or self._loader.errors
                or self._loader.unread  # (files whose flows are not known)
                or flow_name in elsewhere
            ):
                return None  # the flow may live in another file, one not imported or broken
            flows = in_natural_order({*self._loader.flows, *elsewhere})  # as `ls -v`
            known = some_of(flow_name, flows, noun="flows") or "none loaded"
            hint = did_you_mean(flow_name, flows)
            return f"{table_name(table)}: no flow named {flow_name!r}{hint}; flows: {known}"
        if flow.node(key) is None:
            if isinstance(flow, FlowFunction):  # no graph to list: its tasks are its calls
                hint = did_you_mean(key, flow.task_nodes())
                return f"{table_name(table)}: @flow {flow_name!r} calls no task named {key!r}{hint}"
            hint, tasks = did_you_mean(key, flow.nodes), some_of(key, [*flow.nodes], noun="tasks")
            return f"{table_name(table)}: flow {flow_name!r} has no task {key!r}{hint}; its tasks: {tasks}"
        if "retry_on" in values:
            try:
                self._resolve(flow_name, values["retry_on"], table)
            except SettingsError as exc:
                return str(exc)
        return None

    def _resolve(
        self, flow_name: str, names: tuple[str, ...], table: tuple[str, ...]
    ) -> tuple[type[BaseException], ...]:
        module = self._loader.module_of(flow_name)
        namespace: Mapping[str, Any] = vars(module) if module is not None else {}
        return tuple(resolve_exception(name, namespace, table, root=self.root) for name in names)

    def policy_for(self, flow: Flow, node: Node) -> RetryPolicy:
        """The effective policy of one task: every settings layer applied, sources recorded.

        A task no table names gets its code's policy under ``[defaults]``: one answer per
        ``@task`` and settings, kept (a 50,000-task run asks 50,000 times).
        """
        settings, code, task_id = self.settings, node.task.policy, (flow.name, node.key)
        if task_id in settings.tasks or task_id in settings.overrides:
            return self._layered(flow, node)
        kept = self._plain_policies.get(id(code))
        if kept is None or kept[0] is not code or kept[1] is not settings:
            kept = self._plain_policies[id(code)] = (code, settings, self._layered(flow, node))
        return kept[2]

    def policy_below(self, flow: Flow, node: Node) -> RetryPolicy | None:
        """A task's policy once its override is gone (what an emptied field of the retry
        editor means); None when it has no override."""
        settings = self.settings
        if (flow.name, node.key) in settings.overrides:
            return self._layered(flow, node, replace(settings, overrides={}))
        return None

    def _layered(self, flow: Flow, node: Node, settings: Settings | None = None) -> RetryPolicy:
        def resolve(
            names: tuple[str, ...], table: tuple[str, ...]
        ) -> tuple[type[BaseException], ...] | None:
            try:
                return self._resolve(flow.name, names, table)
            except SettingsError:
                return None  # reported in settings_errors; the layer's other values still apply

        layers = self.settings if settings is None else settings
        return apply_layers(node.task.policy, layers, (flow.name, node.key), resolve)

    def check_retry_on(self, flow: str, names: Iterable[str]) -> str | None:
        """Why ``retry_on`` names would not resolve for ``flow`` (None when they do): the
        retry editor asks as you type, before anything is saved."""
        try:
            self._resolve(flow, tuple(names), ("flows", flow, "retry_on"))
        except SettingsError as exc:
            return str(exc)
        return None

    def check_parameters(self, flow: str, parameters: Mapping[str, Any]) -> ParameterProblem | None:
        """The parameter a run of ``flow`` would be refused for (the run form asks before
        it starts one); None when it would start, or when ``flow`` is not loaded."""
        loaded = self.flows.get(flow)
        return loaded.parameter_problem(parameters) if loaded is not None else None

    # -- overrides --------------------------------------------------------------------
    def override_for(self, flow: str, task: str) -> dict[str, Any]:
        """The task's table in ``.flowtop/overrides.toml`` as TOML values (for the editor)."""
        file = self._settings.files[Layer.OVERRIDES]
        if file is None:
            return {}
        return dict(file.raw.get("flows", {}).get(flow, {}).get("tasks", {}).get(task, {}))

    def set_override(self, flow: str, task: str, **values: Any) -> OverridesSaved:
        """Check ``values`` like the file would be checked, then write them atomically.

        ``None`` removes one key. Raises :class:`SettingsError` (a ``ValueError``) naming
        the key for a bad value, before anything is written. Says whether the rewrite
        dropped comments the file held (``OverridesSaved``)."""
        table = ("flows", flow, "tasks", task)
        given = {k: (list(v) if isinstance(v, tuple) else v) for k, v in values.items()}
        check_table(table, {k: v for k, v in given.items() if v is not None}, TASK_KEYS)
        if given.get("retry_on") is not None and flow in self._loader.flows:
            retry_on = given["retry_on"]
            names = (retry_on,) if isinstance(retry_on, str) else tuple(retry_on)
            self._resolve(flow, names, table)
        with self._lock, save_lock(self.overrides_path):
            disk = as_saved(self.overrides_path)
            if disk.problem is not None:  # the save would keep the value at fault
                raise overrides_file.not_in_use(self.overrides_path, disk.problem)
            write_saved(
                self.overrides_path, overrides_file.with_task_values(disk.data, flow, task, given)
            )
            self._reload_settings()
            self._check_names()
        return OverridesSaved(comments_dropped=disk.commented)

    def clear_override(self, flow: str, task: str) -> OverridesSaved:
        """Remove the task's table from ``.flowtop/overrides.toml`` (and tables left empty).
        In a file not in use (a value fails the check), only when the value at fault was
        in that table: the file left is one flowtop uses."""
        if not overrides_file.has_task(as_saved(self.overrides_path).data, flow, task):
            return OverridesSaved()  # nothing to clear: no lock taken (nor its file made)
        with self._lock, save_lock(self.overrides_path):
            disk = as_saved(self.overrides_path)
            if not overrides_file.has_task(disk.data, flow, task):
                return OverridesSaved()
            cleared = overrides_file.without_task(disk.data, flow, task)
            path = self.overrides_path
            if disk.problem is not None and overrides_file.problem_after(path, cleared):
                raise overrides_file.not_in_use(path, disk.problem)
            write_saved(path, cleared)
            self._reload_settings()
            self._check_names()
        return OverridesSaved(comments_dropped=disk.commented)

    # -- runs -------------------------------------------------------------------------
    @property
    def history(self) -> History:
        """The run history at ``.flowtop/history.db``, opened on first use."""
        with self._lock:
            if self._history is None:
                from .history import open_live_history

                self._history = open_live_history(self.state_dir)
            return self._history

    def nothing_to_rerun(self, flow: str, run_id: str) -> str:
        """``reruns.nothing_to_rerun`` by ``flow``'s code as loaded here ("" when not)."""
        from .reruns import nothing_to_rerun

        loaded = self.flows.get(flow)
        return "" if loaded is None else nothing_to_rerun(self.state_dir, run_id, loaded)

    def make_runner(
        self,
        sinks: Iterable[Callable[[list[Any]], None]] = (),
        *,
        executor: str | None = None,
        record: bool = True,
        **kw: Any,
    ) -> Runner:
        """A runner wired to this workspace: settings layers, worker count, history, numbering.

        ``executor`` (else ``[defaults] executor``) picks where attempts run; raises
        :class:`~flowtop.engine.executors.ExecutorError` for a bad spec or a missing extra.
        """
        kw.setdefault("workers", self.settings.workers)
        kw.setdefault("state_dir", self.state_dir)
        kw.setdefault(
            "cache", FolderCache(self.state_dir / "cache", self.settings.max_result_bytes)
        )
        spec = executor or self.settings.executor
        if "backend" in kw or parse_spec(spec or "thread")[0] == "thread":
            kw.setdefault("backend", None)
        else:  # imported only here: multiprocessing and sockets cost a run process's start
            from ..engine.executors import make_backend

            kw["backend"] = make_backend(spec, workers=kw["workers"])
        from .history_records import HistoryError

        if not record:
            self.history_error = None
            runner = Runner(sinks=list(sinks), policy_for=self.policy_for, **kw)
            return refuse_tables_at_fault(runner, self._settings)
        from .recorded_runner import recorded_runner

        try:
            runner, parts = recorded_runner(
                self.history,
                list(sinks),
                max_result_bytes=self.settings.max_result_bytes,
                policy_for=self.policy_for,
                **kw,
            )
        except HistoryError as exc:
            # A corrupt or unusable history must not stop the flows from running: run
            # without it and let the caller say so (``history_error``). One its owner agent
            # could not open after it opened (a link took its place) is closed again,
            # unless a runner made before records through it.
            self.history_error = str(exc)
            if not self._owned:
                self._close_history()
            runner = Runner(sinks=list(sinks), policy_for=self.policy_for, **kw)
            return refuse_tables_at_fault(runner, self._settings)
        self.history_error = None
        self._owned.extend(parts)
        return refuse_tables_at_fault(runner, self._settings)

    def stop_loading(self) -> None:
        """An import in this process cannot be interrupted: a load ends when it ends."""

    def close(self) -> None:
        """Close the history and take the folder back off ``sys.path``."""
        with self._lock:
            self._close_history()
            self._loader.deactivate()

    def _close_history(self) -> None:
        """Close the history, after what ``make_runner`` started beside it."""
        with self._lock:
            for part in reversed(self._owned):
                part.close()
            self._owned.clear()
            if self._history is not None:
                self._history.close()
                self._history = None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        loader = self._loader
        return (
            f"<Workspace {display_path(self.path)}: "
            f"{len(loader.flows)} flows, {len(loader.errors)} errors>"
        )
