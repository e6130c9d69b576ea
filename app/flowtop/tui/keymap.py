"""The app's keys as bound now: ``[keys]`` from flowtop.toml, and every place that names one.

A key can be rebound by binding id (``"flowtop.run" = "ctrl+r"``), so no hint may hard-code
``r``: the header, the footer, ``?``, the command palette and the toasts all ask
``key_for``. Kept apart from the app's wiring.
"""

from __future__ import annotations

import difflib
import os
import unicodedata
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import SystemCommand
from textual.binding import Binding
from textual.keys import KEY_NAME_REPLACEMENTS, Keys
from textual.screen import Screen

from flowtop.engine.states import StateType
from flowtop.printable import key_shown_on
from flowtop.tui.bindings import TASK_ACTIONS
from flowtop.tui.code_rows import GONE, added_since
from flowtop.tui.file_rows import broken_flow_file
from flowtop.tui.key_clashes import loss_message, resolve_keys
from flowtop.tui.rerun_answers import RerunAnswers
from flowtop.tui.widgets.filter_input import FilterInput

if TYPE_CHECKING:
    from flowtop.tui.model import RunModel
    from flowtop.tui.run_store import RunStore
    from flowtop.tui.widgets.flow_list import FlowList
    from flowtop.tui.widgets.key_bar import KeyBar
    from flowtop.tui.widgets.run_header import RunHeader
    from flowtop.tui.widgets.task_table import TaskTable
    from flowtop.tui.workspace_view import WorkspaceView
    from flowtop.workspace.flow_shapes import FlowShape


_MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
#: Textual's names of keys that are not characters (``f5``, ``pagedown``, ``space``), and
#: the short names it gives some characters (``slash``, not Unicode's ``solidus``).
_NAMED = frozenset(
    [key.value.rpartition("+")[2] for key in Keys if not key.value.startswith("<")]
    + list(KEY_NAME_REPLACEMENTS.values())
)


def is_key_name(key: str) -> bool:
    """Whether Textual would ever send ``key``: a printable character, or a name such as
    ``f5``, ``pagedown`` or ``question_mark`` (a character's Unicode name), after any of
    ``ctrl+``, ``shift+``, ``alt+``, … A binding to anything else (``nosuchkey``, an
    escape sequence) could never be pressed: the action would have no key at all."""
    *modifiers, base = key.split("+")
    if not base or not _MODIFIERS.issuperset(modifiers):
        return False
    if len(base) == 1:
        return base.isprintable() and not base.isspace()
    if base in _NAMED:
        return True
    try:
        unicodedata.lookup(base.replace("_", " "))
    except KeyError:
        return False
    return base.isascii() and base.islower()


def unknown_key_message(binding_id: str, keys: str, default: str) -> str:
    """One line naming a ``[keys]`` value that is no key, and the key kept instead."""
    return (
        f"flowtop.toml [keys]: {binding_id} = {keys!r} is not a key (names look like r, R,"
        f" f5, ctrl+r, question_mark); it keeps {default}"
    )


def unknown_binding_message(unknown: str, known: Iterable[str]) -> str:
    """One line naming a ``[keys]`` id that matches no binding, with the nearest one."""
    known = sorted(known)
    close = difflib.get_close_matches(unknown, known, n=1, cutoff=0.6)
    hint = f'; did you mean "{close[0]}"?' if close else f"; known: {', '.join(known)}"
    return f"flowtop.toml [keys]: unknown binding id {unknown}{hint}"


def escape_then(key: str, character: str | None, bound: Container[str]) -> str | None:
    """The key typed right after Esc, when the two came as one Alt key; else None.

    A terminal sends Esc as the byte that starts an Alt key too, so Esc and a letter
    read together (typed quickly, or batched by an SSH link) reach Textual as one key:
    ``ESC j`` is ``alt+j`` (``j`` its character), ``ESC G`` is ``alt+shift+g``. flowtop
    binds no Alt key, so an Alt key nothing here binds (``bound``: the keys bound where
    it was pressed; ``[keys]`` may bind one) is taken as Esc then the key, and both act.
    A real Alt+↑ (``alt+up``, no character) holds no Esc: it is left alone. Textual reads
    some pairs as other keys, which cannot be told apart from them: ``ESC f`` and ``ESC
    b`` as ctrl+→ and ctrl+← (macOS's Option+→ ←), ``ESC 1`` as ``¡``, ``ESC /`` as ``/``."""
    if not key.startswith("alt+") or key in bound or character is None:
        return None
    plain = key.removeprefix("alt+")
    then = character if plain.startswith("shift+") else plain
    return then if len(then) == 1 and then == character and character.isprintable() else None


@dataclass(frozen=True)
class KeyContext:
    """What tells whether the run and task keys would act now: pressed where they cannot,
    each only says why (``run_actions``, ``error_actions``), so the footer leaves it out."""

    #: A flow of a file that loaded is selected (not a load error, not a flow whose
    #: file is gone): ``r``, ``e``, ``f`` and ``t`` need one.
    flow: bool = False
    #: The state of the flow's newest run, which ``f`` and ``t`` rerun; None before any.
    last_run: StateType | None = None
    #: Whether a task of the code is under the table's cursor (``e``; an empty table has
    #: none, and a row whose task left the code, ``(gone)``, has nothing to edit).
    task: bool = False
    #: Whether that task is in the flow as loaded now (``t`` reruns it from the newest
    #: run; a ``Not run`` row the code added since runs with what feeds it reused).
    task_in_flow: bool = False
    #: Whether the code changed since the flow's newest run, completed, so that ``f``
    #: reruns something: a task added, or a task's call changed (``rerun_answers``).
    changed_since: bool = False
    #: Whether it has an error (``o`` opens its failing line, ``y`` copies it).
    task_error: bool = False
    #: Whether it awaits its retry in a live run (``n`` and ``x`` act on it).
    task_waiting: bool = False
    #: Whether a run of the flow started from here still imports its flow file
    #: (``RunStore.loading``): ``f`` and ``t`` only say it is starting, as on a live run.
    starting: bool = False
    #: Whether the flows list lists anything (a flow, a file that failed to load): in a
    #: folder with no flow file, the keys that arrange what it shows have nothing to act on.
    listed: bool = True
    #: Whether the flow's file failed to load since it did (``file_rows.broken_flow_file``):
    #: its flow stays listed as it last loaded, and ``e`` edits its settings, but ``r``,
    #: ``R``, ``f`` and ``t`` only say it cannot run (the footer offered `r Run` on it).
    broken: bool = False


#: The keys that filter, sort or move between the panes, or rerun on a save: with nothing
#: listed (``KeyContext.listed``) they act on nothing, yet the footer offered `/ Filter
#: s Sort  ← Flows  a Auto-rerun` beside an empty folder's hint.
ARRANGING_ACTIONS = frozenset(
    {"filter", "sort", "sort_reverse", "focus_flows", "focus_tasks", "toggle_auto_rerun"}
)


#: The keys that arrange the task table's rows (``/``, ``s``, ``S``): from either pane, as
#: both footers offer them (a `/` that did nothing from the flows list let the `err` typed
#: after it act as keys: `r` ran the flow), but not on a file's row, whose table is empty.
TABLE_ARRANGING_ACTIONS = frozenset({"filter", "sort", "sort_reverse"})


#: The keys that start a run of the selected flow: each only says why on a flow whose file
#: failed to load (``KeyContext.broken``).
RUN_ACTIONS = frozenset({"run", "run_with_parameters", "rerun_failed", "rerun_task"})


def idle_actions(context: KeyContext) -> frozenset[str]:
    """The actions that would do nothing in ``context`` but say why: ``f`` on a flow that
    never ran, or whose newest run still runs or starts (a rerun waits for its end) or
    completed with the code unchanged since; ``t`` before a run ended, or with no task of the flow
    selected; ``e`` with no task; ``o`` and ``y`` on a task without an error; ``n`` and
    ``x`` on one not awaiting a retry; with nothing listed, ``ARRANGING_ACTIONS``; on a
    flow whose file failed to load, ``RUN_ACTIONS``."""
    idle: set[str] = set() if context.listed else set(ARRANGING_ACTIONS)
    if not context.flow:
        idle |= {"run", "run_with_parameters", "rerun_failed", "rerun_task", "edit_retry"}
    if context.broken:
        idle |= RUN_ACTIONS
    rerunnable = (
        context.last_run is not None
        and context.last_run is not StateType.RUNNING
        and not context.starting
    )
    if not rerunnable or (context.last_run is StateType.COMPLETED and not context.changed_since):
        idle.add("rerun_failed")
    if not rerunnable or not context.task_in_flow:
        idle.add("rerun_task")
    if not context.task:
        idle.add("edit_retry")
    if not context.task_error:
        idle |= {"open_editor", "copy_error"}
    if not context.task_waiting:
        idle |= {"retry_now", "give_up"}
    return frozenset(idle)


class KeyActions(RerunAnswers):
    """Mixed into ``FlowtopApp``: rebinds from the workspace's settings, and which keys
    the footer offers now. (The checker sees it as the App it is mixed into, through
    ``RerunAnswers``; at run time its ``super()`` is the next class of the app's MRO.)"""

    # Provided by FlowtopApp:
    workspace: WorkspaceView
    header: RunHeader
    key_bar: KeyBar
    store: RunStore
    table: TaskTable
    flow_list: FlowList
    selected_flow: str | None
    selected_error: str | None
    _toml_keys: dict[str, str]  # the [keys] table last applied
    keymap_now: dict[str, str]  # binding id -> key(s): what set_keymap was given
    #: ``live_bindings`` as last settled, with the keymap it was settled for.
    _live_keys: tuple[tuple[tuple[str, str], ...], list[Binding]] | None = None

    if TYPE_CHECKING:

        def _update_header(self) -> None: ...

    def _apply_keymap(self) -> None:
        """``[keys]`` in flowtop.toml rebinds keys by binding id; unknown ids are named."""
        keymap = dict(self.workspace.settings.keys)
        if keymap == self._toml_keys:
            return
        defaults = {b.id: b.key for b in self.BINDINGS if isinstance(b, Binding) and b.id}
        warnings = [
            unknown_binding_message(u, defaults) for u in sorted(set(keymap) - set(defaults))
        ]
        usable = {}
        for binding_id, keys in keymap.items():
            if binding_id not in defaults:
                continue
            if all(is_key_name(key) for key in keys.split(",")):
                usable[binding_id] = keys
            else:
                warnings.append(unknown_key_message(binding_id, keys, defaults[binding_id]))
        for warning in warnings:
            self.notify(warning, severity="warning", markup=False, timeout=10)
        self._toml_keys = keymap
        self.set_keymap(usable)
        palette = self.key_for("command_palette")
        for loss in resolve_keys(self._app_bindings(), usable).losses:
            self.notify(loss_message(loss, palette), severity="warning", markup=False, timeout=10)

    def set_keymap(self, keymap: Mapping[str, str]) -> None:
        """Rebind, and redraw everything that names a key (header hint, footer, `?`).
        Textual is given the keys as ``resolve_keys`` settles them, so the key it runs
        an action by is the one shown: an action that lost its key has none."""
        self.keymap_now = dict(keymap)
        super().set_keymap(resolve_keys(self._app_bindings(), keymap).keymap)
        if self.header.is_mounted:  # (set before the screen is composed, too)
            self._update_header()
            self.key_bar.refresh()

    def _app_bindings(self) -> list[Binding]:
        """The app's own bindings, as declared (``[keys]`` not applied)."""
        bindings = []
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            bindings.append(binding)
        return bindings

    def live_bindings(self) -> list[Binding]:
        """The app's bindings with their keys as rebound now (``[keys]``, ``set_keymap``);
        one that lost its key to another action's (``resolve_keys``) has key ``""``.
        Settled once per keymap: the footer asks for every key it draws."""
        keymap = tuple(self.keymap_now.items())
        if self._live_keys is None or self._live_keys[0] != keymap:
            self._live_keys = (keymap, resolve_keys(self._app_bindings(), self.keymap_now).bindings)
        return list(self._live_keys[1])

    def keyless_actions(self) -> frozenset[str]:
        """The actions no key runs now (``[keys]`` gave theirs to another): the footer
        leaves them out; the palette still runs them."""
        keys: dict[str, str] = {}
        for binding in self.live_bindings():
            keys[binding.action] = keys.get(binding.action, "") + binding.key
        return frozenset(action for action, key in keys.items() if not key)

    def does_nothing_here(self, action: str) -> bool:
        """Whether ``action``'s key does nothing here, as the footer, leaving it out, says:
        ``FlowtopApp.check_action`` asks. One that would filter, sort, move between the
        panes or rerun on a save (``ARRANGING_ACTIONS``) with nothing listed (``s`` typed
        anyway sorted the empty table and toasted "Sorted by…"), or one for the table's
        rows on a file's row (its table has none); one for the table's task or rows from
        the flows list (``off_pane_actions``)."""
        if action in ARRANGING_ACTIONS and self.flow_list.option_count == 0:
            return True
        if action in TABLE_ARRANGING_ACTIONS and self.selected_error is not None:
            return True  # a file's row: no rows to arrange (``footer_keys.FILE_ROW_IDLE``)
        return action in self.off_pane_actions()

    def off_pane_actions(self) -> frozenset[str]:
        """The actions on the task under the table's cursor (``TASK_ACTIONS``) while the
        flows list has focus: its footer leaves them out, and their keys do nothing there
        (``does_nothing_here``). `t` there reran the unfocused table's task and what
        follows it, `e` opened its retry editor. The main screen's focus, under a dialog too. A task's
        keys still act on a file's row (one that failed to load, a settings file): the
        table holds no task there, and each only says why it cannot act, as anywhere else
        (`e` on flowtop.toml: it edits a task's retry settings, in a flow)."""
        flows = bool(self.screen_stack) and self.screen_stack[0].focused is self.flow_list
        if not flows:
            return frozenset()
        return TASK_ACTIONS if self.selected_error is None else frozenset()

    async def _run_from_palette(self, action: str) -> None:
        """The palette's command for ``action``: a task's, picked with the flows list
        focused, acts on the table, which it focuses first (its key does nothing there:
        ``off_pane_actions``)."""
        if action in self.off_pane_actions():
            self.screen_stack[0].set_focus(self.table)
        await self.run_action(action)

    def help_bindings(self) -> list[Binding]:
        """What `?` lists: the app's keys on the main screen; on another screen (the
        history) that screen's own and its focused table's, and `?` and `q` (it listed r,
        f, t there, which do nothing on it, and not its own a, Enter, Escape or j k g G)."""
        bindings = self.live_bindings()
        screen = self.screen
        if screen is self.screen_stack[0]:
            return bindings
        own = [b for b in screen.BINDINGS if isinstance(b, Binding)]
        focused = screen.focused  # flowtop's own table keys there too (j k g G)
        if focused is not None and type(focused).__module__.startswith("flowtop."):
            own += [b for b in type(focused).BINDINGS if isinstance(b, Binding)]
        return [*own, *(b for b in bindings if b.action in ("help", "quit"))]

    def key_context(self) -> KeyContext:
        """What the selection is now, as far as the run and task keys care."""
        name = self.selected_flow if self.selected_error is None else None
        flow = self.workspace.shapes.get(name) if name is not None else None
        last = self.store.latest_for(name) if name is not None and flow is not None else None
        run, key = self.table.run, self.table.cursor_key
        row = run.rows.get(key) if run is not None and key is not None else None
        return KeyContext(
            flow=flow is not None,
            last_run=last.state if last is not None else None,
            task=row is not None and row.code_mark != GONE,
            task_in_flow=row is not None and flow is not None and flow.node(row.key) is not None,
            changed_since=self._changed_since(last, flow),
            task_error=row is not None and row.error is not None,
            task_waiting=row is not None
            and run is not None
            and run.is_live
            and row.state is StateType.AWAITING_RETRY,
            starting=flow is not None and bool(self.store.loading(name or "")),
            listed=self.flow_list.option_count > 0,
            broken=name is not None
            and broken_flow_file(self.workspace, name, of_broken=self.store.of_broken) is not None,
        )

    def _changed_since(self, last: RunModel | None, flow: FlowShape | None) -> bool:
        """Whether ``f`` on ``last``, completed, would rerun a task of ``flow`` as loaded
        now: as the flow host said (``rerun_would_run``, never asked on this thread; for
        a ``@flow`` as ``flowtop run --rerun-of`` decides it), else, until it has,
        whether the code added a task since, or a ``@flow``'s task failed (its flow
        handled it: a rerun runs it again)."""
        if last is None or last.state is not StateType.COMPLETED or flow is None:
            return False
        said = self.rerun_would_run(last)
        if said is not None:
            return said
        failed = flow.dynamic and any(
            r.state is not StateType.COMPLETED for r in last.rows.values()
        )
        return failed or bool(added_since(last, flow.nodes))

    def footer_idle_actions(self) -> frozenset[str]:
        """The app's keys the footer leaves out now (``footer_keys.FooterKeys``): each
        would only say why it cannot act (``f`` on a flow that never ran, ``o`` on a task
        with no error)."""
        return idle_actions(self.key_context())

    def get_key_display(self, binding: Binding) -> str:
        """Every key the footers, `?` and the hints draw, as Textual writes it (``⏎``,
        ``esc``, ``^r``), but by its name where the terminal cannot draw its glyph
        (``key_shown_on``): on the Linux console ⏎ was `?`, read as the help key."""
        return key_shown_on(super().get_key_display(binding), os.environ)

    def key_for(self, action: str) -> str:
        """How the footer shows the key that runs ``action`` now (``r``, or ``^r`` after
        ``[keys] "flowtop.run" = "ctrl+r"``); every hint that names a key asks here."""
        if action == "command_palette":
            return self.get_key_display(Binding(self.COMMAND_PALETTE_BINDING, action))
        bindings = [b for b in self.live_bindings() if b.action == action]
        for binding in bindings:
            if binding.key:
                first = binding.key.split(",")[0].strip()
                return self.get_key_display(replace(binding, key=first))
        if bindings:  # its key went to another action: the palette runs it
            return f"{self.key_for('command_palette')} {bindings[0].description}"
        return action

    def action_help_quit(self) -> None:
        """Ctrl+C, which quits no Textual app: the toast names every key that quits here
        now (Textual's named the first it found, ``ctrl+q``, not ``q`` or a rebound one)."""
        keys = [
            key
            for key, active in self.active_bindings.items()
            if active.binding.action in ("quit", "app.quit")
        ]
        keys.sort(key=lambda key: "+" in key)  # a plain key first, as the footer offers it
        shown = [self.get_key_display(Binding(key, "quit")) for key in keys]
        if not shown:  # (as Textual: no toast)
            return
        said = f"{', '.join(shown[:-1])} or {shown[-1]}" if len(shown) > 1 else shown[0]
        self.notify(f"Press {said} to quit", title="Do you want to quit?", markup=False)

    async def on_event(self, event: events.Event) -> None:
        """A key the filter line takes is typed into it at once (``_typed``). An Alt key
        that is Esc and a key read together (``escape_then``) acts as both, in turn: Esc's
        bindings run at once (those taken first, then the focused pane's and the
        screen's, such as the history's Back, which Textual runs only as the key comes
        back up), so the key after it acts where Esc left the focus and the screen."""
        # as read (not on its way back up from the focused widget)
        if (
            isinstance(event, events.Key)
            and event.key.startswith("alt+")
            and not event.is_forwarded
        ):
            then = escape_then(event.key, event.character, self.screen.active_bindings)
            if then is not None:
                await self._press_escape()
                event = events.Key(then, event.character)
        if isinstance(event, events.Key) and not event.is_forwarded and await self._typed(event):
            return
        await super().on_event(event)

    async def _typed(self, event: events.Key) -> bool:
        """A key the filter line takes, typed into it as it is read, where Textual would
        queue it for the line: Enter and Esc, taken first, leave the line at once, and in
        `/load⏎` read together Enter found the line still empty (``FilterInput``)."""
        line = self.focused
        if not isinstance(line, FilterInput) or not line.takes(event):
            return False
        if not await self._check_bindings(event.key, priority=True):  # as Textual does first
            await line.type_now(event)
        return True

    async def _press_escape(self) -> None:
        """Esc, acted on before the next key is routed (see ``on_event``)."""
        escape = events.Key("escape", "\x1b")
        # ``_check_bindings`` is Textual's (private, pinned 8.2.8): how its own key
        # dispatch runs a binding before the focused widget sees the key; an upgrade that
        # changes it fails tests/tui/test_escape_burst.py, not silently.
        # (No maximized widget to minimize first, as Textual's Esc would: nothing can
        # maximize one, the palette offers no Maximize, palette_keys.py, and no key does.)
        if await self._check_bindings("escape", priority=True) or await self._check_bindings(
            "escape"
        ):
            return
        await super().on_event(escape)  # to the focused widget, as Textual sends a key

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's commands without its own Quit and Keys (ours cancel runs first and
        list every key), then one per app key, its key (as rebound now) in its help.
        Its Screenshot saves through ``action_screenshot`` (Textual's called its own
        save, which failed where there is no Downloads folder, and said only "Failed")."""
        for command in super().get_system_commands(screen):
            if command.title == "Screenshot":
                # after a beat, as Textual's: the palette is gone from the picture
                screenshot = partial(self.set_timer, 0.1, self.action_screenshot)
                yield command._replace(callback=screenshot)
            elif command.title not in ("Quit", "Keys"):
                yield command
        keyless = self.keyless_actions()
        for binding in self.live_bindings():
            key = self.key_for(binding.action)
            yield SystemCommand(
                binding.description,
                binding.tooltip if binding.action in keyless else f"key {key} · {binding.tooltip}",
                partial(self._run_from_palette, binding.action),
            )
