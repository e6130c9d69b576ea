"""The retry editor (`e`): change one task's retry settings without touching its code.

It writes through the workspace (``set_override`` → ``.flowtop/overrides.toml``); the
watcher then reloads and the table shows the new policy, so the editor never updates
the table itself. Every field says which settings layer its current value comes from.
When the task's settings change on disk while it is open (another window saved them, or
``flowtop.toml`` or the flow's file was edited), ``settings_reloaded`` shows them: an untouched form the
new values, an edited one the user's edits, saying what Save will write over. An
``overrides.toml`` not in use (a value fails the check) is said at once, its error with
it: the fields show its last good settings, and the workspace refuses a save over it (a
``flowtop.toml`` not in use is said too: no run starts, and a save is still taken).
Prefect's ``retry_jitter_factor`` is a field beside flowtop's Jitter (a drop-in task's,
set in its code, is changed without the code); a line says what the two jitters make
together, or a ``retry_on`` typed with a ``retry_condition_fn`` only the code sets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from flowtop.printable import printable
from flowtop.tui.after_frame import after_frame
from flowtop.tui.call_scope import Scope
from flowtop.tui.widgets.ordered_input import OrderedInput

from ...engine.layers import Layer
from ...engine.policy import RetryPolicy
from ...workspace.flow_shapes import DELAY_FIELDS, FIELDS, PolicyView
from ...workspace.load_error import display_path
from ...workspace.places import OVERRIDES_FILE, SETTINGS_FILE
from .form_dialog import FormDialog, fit_placeholder, names_line
from .overrides_not_in_use import not_in_use_note
from .retry_editor_fields import ErrorLine
from .retry_editor_fields import FieldsScroll as FieldsScroll  # (its tests import it here)
from .retry_editor_retry_on import retry_on_as_written
from .retry_editor_saved import COMMENTS_LOST, saved_text
from .retry_form import (
    FormState,
    after_reload,
    combined_notes,
    delay_notes,
    parse_names,
    read_form,
)
from .unapplied_retry_on import Unapplied, unapplied_retry_on

if TYPE_CHECKING:
    from ..workspace_view import WorkspaceView


class RetryEditor(FormDialog[bool]):
    """Dismisses True when it wrote or cleared an override, False when cancelled."""

    DEFAULT_CSS = """
    RetryEditor #dialog { width: 96; }
    RetryEditor #policy { color: $text-muted; margin-bottom: 1; }
    RetryEditor .scope { color: $warning; height: auto; }
    RetryEditor #scope-short, RetryEditor.-tiny #scope { display: none; }
    RetryEditor.-tiny #scope-short { display: block; }
    RetryEditor #reloaded { color: $warning; height: auto; margin-bottom: 1; display: none; }
    RetryEditor #not-in-use { color: $error; height: auto; margin-bottom: 1; display: none; }
    RetryEditor #combined { color: $warning; height: auto; margin-top: 1; display: none; }
    RetryEditor #fields { height: auto; max-height: 1fr; }
    RetryEditor .row { height: 1; margin-top: 1; }
    RetryEditor .label { width: 16; }
    RetryEditor .row Input { width: 1fr; }
    RetryEditor .row Input.-invalid { background: $error 30%; }
    RetryEditor .layer { width: 16; padding-left: 1; color: $text-muted; }
    RetryEditor .layer.-override { color: $warning; text-style: bold; }
    RetryEditor .layer.-unapplied { color: $error; text-style: bold; }
    RetryEditor .error { color: $error; padding-left: 16; height: auto; }
    RetryEditor #form-error { color: $error; height: auto; margin-top: 1; display: none; }
    RetryEditor.-short .row, RetryEditor.-tiny .row, RetryEditor.-dense .row { margin-top: 0; }
    RetryEditor.-short #policy, RetryEditor.-tiny #policy { margin-bottom: 0; }
    RetryEditor.-short #reloaded, RetryEditor.-tiny #reloaded { margin-bottom: 0; }
    RetryEditor.-short #not-in-use, RetryEditor.-tiny #not-in-use { margin-bottom: 0; }
    RetryEditor.-short #combined, RetryEditor.-tiny #combined { margin-top: 0; }
    RetryEditor.-tiny #form-error { margin-top: 0; }
    RetryEditor.-short #hint, RetryEditor.-tiny #hint { display: none; }
    RetryEditor.-narrow .row { height: 2; }
    RetryEditor.-narrow .row Input { dock: bottom; width: 100%; }
    RetryEditor.-narrow .error { padding-left: 0; }
    RetryEditor.-tiny #title { text-wrap: nowrap; text-overflow: ellipsis; }
    RetryEditor.-tiny.-narrow #fields { min-height: 2; max-height: 100%; }
    /* A refused save's field kept in view with its error (``FieldsScroll.show_error``):
       under 20 rows the policy line and the blank over the buttons give their rows to the
       fields, so its label shows too. At 40×12 the fields had 2 rows: the error alone
       showed, or the field and its error, never which field it was. */
    RetryEditor.-tiny.-error-kept #policy { display: none; }
    RetryEditor.-tiny.-error-kept #buttons { margin-top: 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # Escape closes at once, even before a field has focus (``FormDialog``).
        Binding("escape", "cancel", "Cancel", id="editor.cancel", priority=True),
        Binding("ctrl+s", "save", "Save", id="editor.save"),
        # A refused save's error cut to the rows left under its field: ↓ ↑ move it on (a
        # field takes neither key; ``FieldsScroll.scroll_error``)
        Binding("down", "error_lines(1)", show=False, priority=True),
        Binding("up", "error_lines(-1)", show=False, priority=True),
    ]

    def __init__(
        self,
        workspace: WorkspaceView,
        flow_name: str,
        task_key: str,
        *,
        scope: Scope | None = None,
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.flow_name = flow_name
        self.task_key = task_key
        #: Which calls of the task the override covers, for one called many times
        #: (``call_scope.scope_note``): None when there is nothing to say.
        self.scope = scope
        flow = workspace.shapes.get(flow_name)
        node = flow.node(task_key) if flow is not None else None
        #: Set when a reload removed the task before the editor opened: nothing to edit.
        self.gone = "" if node is not None else f"{task_key} is no longer in flow {flow_name}"
        self.policy = node.policy if node is not None else PolicyView.of(RetryPolicy())
        #: A ``with_options`` copy its latest run called that flowtop could not record (a
        #: lambda delay): ``policy`` is its module task's, not what it runs with.
        self.copy_unknown = flow is not None and task_key in flow.unpredicted
        self.override: dict[str, Any] = dict(workspace.override_for(flow_name, task_key) or {})
        #: The override's ``retry_on`` that does not apply (an exception not found), shown
        #: as written with why, to be fixed here; None when there is none.
        self.unapplied: Unapplied | None = None
        self.initial = self._initial_texts()
        self.state = FormState()

    def _initial_texts(self) -> dict[str, str]:
        """What each field shows before any edit: the policy's values, ``retry_on`` as
        the file it comes from writes it (``retry_on_as_written``); but the override's
        ``retry_on`` as written when it does not apply (``unapplied_retry_on``), since
        that value, not the one that applies, is what the user came to fix."""
        self.unapplied = unapplied_retry_on(
            self.workspace, self.flow_name, self.task_key, self.policy, self.override
        )
        texts = dict(self.policy.texts)
        written = retry_on_as_written(
            self.workspace, self.flow_name, self.task_key, self.policy, self.override
        )
        if written is not None:
            texts["retry_on"] = written
        if self.unapplied is not None:
            texts["retry_on"] = self.unapplied.text
        return texts

    def _now(self, policy: PolicyView) -> str:
        """The policy line: ``Now: 3× 2s``; of a copy not recorded (``copy_unknown``), that
        the fields are its module task's (it read that task's policy as the copy's)."""
        if self.copy_unknown:
            return (
                "Now: a with_options copy flowtop could not record (its last run's POLICY "
                f"says what it ran with); below, its @task's values ({printable(policy.summary)})"
            )
        return f"Now: {printable(policy.summary)}"

    def _layer(self, name: str) -> Layer:
        """The layer field ``name``'s value comes from now (``PolicyView.layer_of``)."""
        return self.policy.layer_of(name)

    def compose(self) -> ComposeResult:
        hints = self.policy.hints
        with Vertical(id="dialog"):
            yield Static(Text(self._title()), id="title")
            if self.scope is not None:
                yield Static(Text(self.scope.whole), id="scope", classes="scope")
                yield Static(Text(self.scope.short), id="scope-short", classes="scope")
            yield Static(Text(self._now(self.policy)), id="policy")
            yield Static("", id="not-in-use")  # a settings file has an error: not used
            yield Static("", id="reloaded")  # settings_reloaded says what changed
            with FieldsScroll(id="fields", can_focus=False):  # Tab goes field to field
                for name, label in FIELDS.items():
                    layer = self._layer(name)  # (``_validate`` marks an unapplied one)
                    with Horizontal(classes="row"):
                        yield Static(label, classes="label")
                        yield OrderedInput(
                            self.initial[name],
                            placeholder=hints[name],
                            id=f"field-{name}",
                            compact=True,
                            select_on_focus=True,
                        )
                        yield Static(
                            Text(f"← {layer}"),
                            classes="layer -override" if layer == Layer.OVERRIDES else "layer",
                            id=f"layer-{name}",
                        )
                    yield ErrorLine("", classes="error", id=f"error-{name}")
            yield Static("", id="combined")  # what a jitter or retry_on typed combines with
            yield Static("", id="form-error")
            yield Static(
                "An empty field inherits from the layers below; * marks a change not saved yet. "
                "Enter or ctrl+s saves, Escape cancels.",
                id="hint",
            )
            with Horizontal(id="buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button(
                    "Clear override", variant="warning", id="clear", disabled=not self.override
                )
                yield Button("Cancel", id="cancel")

    #: Below this many rows the fields sit on consecutive lines (``-dense``): with a blank
    #: line between them the nine fields take 18 rows, and at 100×30 the line saying that
    #: both jitters apply pushed the hint off the dialog's bottom edge.
    ROOMY = 36

    #: Whether a line the fields make room for showed while the editor was open
    #: (``_fit_density``): the rows stay close together until it closes.
    _noted = False

    def _fit_density(self) -> None:
        """The rows closer together (``-dense``) on a screen under ``ROOMY`` rows, or when
        the code set what a typed value combines with (a jitter factor, a
        ``retry_condition_fn``): the fields do not shrink in the dialog, so the notes under
        them pushed the last note and the hint off its bottom edge. So did the lines saying
        that ``overrides.toml`` is not in use, or that settings changed on disk, or why
        Save wrote nothing: at 120×36 a refused Save's four lines pushed the last fields
        out of view. Once such a line showed, the rows stay close: when it went (the file
        fixed), a blank row came back under every field, as if something had been added."""
        combines = bool(self.policy.jitter_factor() or self.policy.deciders())
        notes = ("#not-in-use", "#reloaded", "#form-error")
        self._noted = self._noted or any(self.query_one(n, Static).display for n in notes)
        self.set_class(combines or self._noted or self.size.height < self.ROOMY, "-dense")

    def scroll_to_center(self, widget: Widget, animate: bool = True, **kwargs: Any) -> None:
        """A field focused (Tab) comes into view with its label (``FieldsScroll.show``):
        centred, as Textual shows a focused widget, at 40×12 the input took the rows
        there were, its label above them out of sight."""
        if not self.query_one(FieldsScroll).show(widget):
            super().scroll_to_center(widget, animate, **kwargs)

    def action_error_lines(self, step: int) -> None:
        if not self.query_one(FieldsScroll).scroll_error(step):
            raise SkipAction  # the key as before: nothing cut to move on

    def on_mount(self) -> None:
        self._show_not_in_use()
        self._fit_density()
        self._validate()
        if self.gone:
            for widget in self.query(Input):
                widget.disabled = True
            return
        self.focus_first(self.query_one("#field-max_retries", OrderedInput))

    def on_resize(self, event: events.Resize) -> None:
        self.fit_width(event.size.width)  # narrow: a field's label and layer above it
        self.query_one(FieldsScroll).let_grow()
        self._fit_density()
        # its short form under 30 rows, once the screen's height classes are set (after this)
        after_frame(self, self._show_not_in_use)
        after_frame(self, self._fit_hints)
        after_frame(self, self._fit_title)

    def _title(self, room: int = 0) -> str:
        """The title: whole, or (``room`` cells) the names alone on one line."""
        if room:
            return names_line(printable(self.flow_name), printable(self.task_key), room)
        return f"Retry settings · {printable(self.flow_name)} / {printable(self.task_key)}"

    def _fit_title(self) -> None:
        """The title on one line under 20 rows (``-tiny``): the rows go to the fields."""
        title = self.query_one("#title", Static)
        tiny = self.has_class("-tiny")
        title.update(Text(self._title(title.content_region.width if tiny else 0)))

    def _fit_hints(self) -> None:
        """Each empty field's hint fitted to the width its input has now (``fit_placeholder``)."""
        for name in FIELDS:
            field = self.query_one(f"#field-{name}", OrderedInput)
            fit_placeholder(field, printable(self.policy.hints[name]))

    def settings_reloaded(self) -> None:
        """The workspace reloaded (the watcher saw a settings or flow file saved): when
        this task's settings changed, show them. An untouched field takes the new value
        (Save compares with it, so a value typed back is written); an edited one keeps
        the user's text, and the dialog says what Save will write over the saved values.
        Before, the form kept the values it opened with, and its Save wrote them back.
        An ``overrides.toml`` saved with an error is said (``_show_not_in_use``), not
        "saved values": the last good ones stay in force, and in the fields."""
        flow = self.workspace.shapes.get(self.flow_name)
        node = flow.node(self.task_key) if flow is not None else None
        if node is None:
            self.gone = f"{self.task_key} is no longer in flow {self.flow_name}: nothing to save"
            self._validate()
            return
        override = dict(self.workspace.override_for(self.flow_name, self.task_key) or {})
        if self.gone and not self.query_one("#field-max_retries", Input).disabled:
            self.gone = ""  # a reload removed it, and this one brought it back
            self._validate()
        not_in_use = self._show_not_in_use()
        if self._refused_by_file and not not_in_use:
            self._show_form_error(self.gone)  # its "fix or delete it first" was done
        self._fit_density()
        if not_in_use and node.policy == self.policy:
            # the file on disk is not used: nothing in force changed, and the "saved
            # values" the note below would speak of are the last good ones
            self.query_one("#clear", Button).disabled = not override
            return
        if node.policy == self.policy and override == self.override:
            return
        self.policy, self.override, before = node.policy, override, self.initial
        self.initial = self._initial_texts()
        form = after_reload(self.texts(), before, self.initial)
        for name in FIELDS:
            field = self.query_one(f"#field-{name}", OrderedInput)
            if field.value != form.texts[name]:
                selected = field.has_focus and field.selection.end - field.selection.start
                field.value = form.texts[name]
                if selected:  # typing replaces a value shown selected, as it did
                    field.select_all()
        self.query_one("#policy", Static).update(Text(self._now(node.policy)))
        self.query_one("#clear", Button).disabled = not override
        self._fit_density()
        self._fit_hints()
        labels = [f"{FIELDS[n]} {printable(form.texts[n].strip()) or 'empty'}" for n in form.kept]
        note = "Changed on disk while open (another window saved them, or a file was edited): "
        if labels:
            note += "fields you did not edit show the saved values; Save writes your "
            note += ", ".join(labels) + " over what is saved, and keeps the rest."
        else:
            note += "the fields show the saved values."
        reloaded = self.query_one("#reloaded", Static)
        reloaded.update(Text(note))
        reloaded.display = True
        self._fit_density()
        self._validate()

    def _show_not_in_use(self) -> bool:
        """Say, or stop saying, that ``overrides.toml`` is not in use (its error); whether
        it is said."""
        short = self.has_class("-short") or self.has_class("-tiny")
        note = not_in_use_note(self.workspace, self.flow_name, self.task_key, short=short)
        shown = note or settings_not_in_use(self.workspace, short=short)
        box = self.query_one("#not-in-use", Static)
        box.update(Text(printable(shown)))
        box.display = bool(shown)
        return bool(note)

    def texts(self) -> dict[str, str]:
        return {name: self.query_one(f"#field-{name}", Input).value for name in FIELDS}

    def _validate(self) -> None:
        texts = self.texts()
        self.state = read_form(texts, self.initial)
        names = texts["retry_on"].strip()
        if (unapplied := self._unapplied_as_written(texts)) is not None:
            self.state = FormState(errors={**self.state.errors, "retry_on": unapplied.why})
        elif names and "retry_on" not in self.state.errors and not self._from_code(texts):
            problem = self._unknown_names(parse_names(names))
            if problem:
                self.state = FormState(errors={**self.state.errors, "retry_on": problem})
        for name in FIELDS:
            self._mark_layer(name, texts)
            message = self.state.errors.get(name, "")
            self.query_one(f"#error-{name}", ErrorLine).say(message)
            self.query_one(f"#field-{name}", Input).set_class(bool(message), "-invalid")
        self.query_one("#save", Button).disabled = bool(self.gone) or not self.state.valid
        notes = delay_notes(texts, self.policy) + combined_notes(texts, self.policy)
        combined = self.query_one("#combined", Static)
        combined.update(Text("\n".join(notes)))
        combined.display = bool(notes)
        self._show_form_error(self.gone)

    def _mark_layer(self, name: str, texts: dict[str, str]) -> None:
        """Where the field's value will come from once saved: an edited value from the
        override (``overrides*``), an emptied one from the layers below (``below*``).
        The delay fields are one setting: editing one writes all three (the note under
        the fields says so, ``delay_notes``). Not while one of them is wrong: Save writes
        none, and no note says why; after a bad Delay, Backoff factor read ``overrides*``
        untouched, as if it had been edited."""
        wrong = any(n in self.state.errors for n in DELAY_FIELDS)
        together = DELAY_FIELDS if name in DELAY_FIELDS and not wrong else (name,)
        layer = self._layer(name)
        unapplied = name == "retry_on" and self._unapplied_as_written(texts) is not None
        if unapplied:
            shown, override = "not applied", False
        elif all(texts[n].strip() == self.initial[n].strip() for n in together):
            shown, override = str(layer), layer == Layer.OVERRIDES
        elif any(texts[n].strip() for n in together):
            shown, override = f"{Layer.OVERRIDES}*", True
        else:
            shown, override = "below*", False
        marker = self.query_one(f"#layer-{name}", Static)
        marker.update(Text(f"← {shown}"))
        marker.set_class(override, "-override")
        marker.set_class(unapplied, "-unapplied")

    def _unapplied_as_written(self, texts: dict[str, str]) -> Unapplied | None:
        """The override's value that does not apply, when Retry on shows it as written."""
        unapplied = self.unapplied
        return unapplied if unapplied and texts["retry_on"].strip() == unapplied.text else None

    def _from_code(self, texts: dict[str, str]) -> bool:
        """Whether Retry on shows, untouched, what the code sets: Save writes nothing of it,
        so a class no name reaches (one made in a function) is no mistake to flag."""
        untouched = texts["retry_on"].strip() == self.initial["retry_on"].strip()
        return untouched and self._layer("retry_on") not in (Layer.TOML, Layer.OVERRIDES)

    def _unknown_names(self, names: list[str]) -> str:
        """Why ``retry_on`` names would not resolve in the flow's module ("" when they do),
        checked as you type so Save never meets it."""
        problem = self.workspace.check_retry_on(self.flow_name, names)
        if not problem:
            return ""
        return str(problem).split("]: ", 1)[-1]  # the table name is this form

    #: The line under the fields says why the settings file refused a save or a clear
    #: (``_show_form_error``): a reload that finds the file in use again takes it away.
    _refused_by_file = False

    def _show_form_error(self, message: str, *, by_file: bool = False) -> None:
        """``message`` under the fields ("" for none); ``by_file``: the workspace refused
        to write the file (``Not saved: … cannot be updated: …; fix or delete it first``).
        It stayed once the file was fixed, while Save wrote fine."""
        self._refused_by_file = by_file and bool(message)
        box = self.query_one("#form-error", Static)
        box.update(Text(message))
        box.display = bool(message)
        if message:
            self._fit_density()

    @on(Input.Changed)
    def _field_changed(self) -> None:
        self._validate()

    @on(Input.Submitted)
    def _field_submitted(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#clear")
    def _clear_pressed(self) -> None:
        if not self.override:  # it closed without a word: was anything removed?
            self.app.notify(
                f"{self.flow_name} / {self.task_key} has no override: nothing to clear",
                markup=False,
            )
            self.dismiss(False)
            return
        try:
            cleared = self.workspace.clear_override(self.flow_name, self.task_key)
        except (OSError, ValueError, TypeError) as exc:
            self._show_form_error(f"Could not clear the override: {exc}", by_file=True)
            return
        below = f"{SETTINGS_FILE} and its code" if self._from_settings_file() else "its code"
        self.app.notify(
            f"Cleared the override of {self.flow_name} / {self.task_key}: "
            f"its settings come from {below} again"
            + (f"; {COMMENTS_LOST}" if cleared.comments_dropped else ""),
            markup=False,
        )
        self.dismiss(True)

    def _from_settings_file(self) -> bool:
        """Whether ``flowtop.toml`` sets any of the task's retry settings now that its
        override is cleared (the workspace's shapes have it so: its ``[defaults]`` or the
        task's table), as the toast says: it named the file in a folder that has none."""
        flow = self.workspace.shapes.get(self.flow_name)
        node = flow.node(self.task_key) if flow is not None else None
        if node is None:  # (gone meanwhile: the file, if there is one)
            return (self.workspace.root / SETTINGS_FILE).is_file()
        below = (Layer.TOML, Layer.DEFAULTS)
        return any(layer in below for _, layer in node.policy.layers.values())

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_save(self) -> None:
        flow = self.workspace.shapes.get(self.flow_name)
        if flow is None or flow.node(self.task_key) is None:  # a reload while it was open
            self.gone = f"Not saved: {self.task_key} is no longer in flow {self.flow_name}"
        self._validate()
        if not self.gone and not self.state.valid:
            self._refuse_save()
        if self.gone or not self.state.valid:
            return
        if not self.state.values:  # it closed without a word: was anything written?
            self.app.notify(
                f"Nothing changed: the retry settings of {self.flow_name} / "
                f"{self.task_key} are as they were",
                markup=False,
            )
            self.dismiss(False)
            return
        try:
            saved = self.workspace.set_override(self.flow_name, self.task_key, **self.state.values)
        except (OSError, ValueError, TypeError) as exc:
            self._show_form_error(f"Not saved: {exc}", by_file=True)
            return
        said = saved_text(
            self.flow_name,
            self.task_key,
            self.state.values,
            comments_lost=saved.comments_dropped,
            into=display_path(self.workspace.state_dir / OVERRIDES_FILE),
        )
        if settings_not_in_use(self.workspace):  # (its reload says nothing: this save did)
            said += f"; {SETTINGS_FILE} has an error, so no run starts until it is fixed"
        self.app.notify(said, markup=False)
        self.dismiss(True)

    def _refuse_save(self) -> None:
        """Say that Save wrote nothing, and why: the fields in error, named; the first gets
        the focus, its row at the top of the fields shown (its label above it when narrow,
        its error under it). Before, Enter and ctrl+s did nothing at all with a field in
        error, one prefilled from the code too (a ``retry_on`` class no name in the flow's
        module resolves to): the dialog stayed open without a word. Said on every Enter or
        ctrl+s (``_validate`` clears it as a field changes). The errors are not repeated:
        under their fields already, at 80×24 they pushed this line past the dialog's edge."""
        wrong = [name for name in FIELDS if name in self.state.errors]
        first = wrong[0]
        labels = ", ".join(FIELDS[n] for n in wrong[:-1])
        labels += f" and {FIELDS[wrong[-1]]}" if labels else FIELDS[first]
        message = f"Not saved: {labels} " + (
            "is wrong (see under it)" if len(wrong) == 1 else "are wrong (see under each)"
        )
        layer, untouched = self._layer(first), self.texts()[first] == self.initial[first]
        if first == "retry_on" and self._unapplied_as_written(self.texts()) is not None:
            message += f". It does not apply as {OVERRIDES_FILE} has it: correct it, or empty "
            message += "it to drop it from the override"
        elif untouched and layer != Layer.OVERRIDES and first not in DELAY_FIELDS:
            # emptied, it drops no value of the override's: the one below applies as now (not
            # said of a delay field: emptied, it would write the other two as the setting)
            message += (
                f". You did not type {FIELDS[first]}: empty it to keep the value from {layer}"
            )
        self._show_form_error(message + ".")
        field = self.query_one(f"#field-{first}", OrderedInput)
        self.set_focus(field, scroll_visible=False)
        error = self.query_one(f"#error-{first}", ErrorLine)  # with its label where it fits
        self.query_one("#fields", FieldsScroll).show_error(field, error)


def settings_not_in_use(workspace: WorkspaceView, *, short: bool = False) -> str:
    """The editor's line for a ``flowtop.toml`` not in use (its error), as for an
    ``overrides.toml`` (``not_in_use_note``): the fields show its last good settings, and
    no run starts until it is fixed. Nothing said so, and Save said "Saved" and
    "Reloaded settings". "" while it is in use; ``short``: where the error is."""
    error = next(
        (e for e in workspace.settings_errors if e.path.name == SETTINGS_FILE and not e.in_part),
        None,
    )
    if error is None:
        return ""
    if short:
        where = str(error).removesuffix(f": {error.message}")
        return f"Not in use ({where} has an error): no run starts until it is fixed."
    return (
        f"Not in use: {error}. The fields show the last good settings of {SETTINGS_FILE}, "
        f"and no run starts until it is fixed; Save still writes {OVERRIDES_FILE}."
    )
