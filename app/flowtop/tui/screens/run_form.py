"""The run form (``R``, or ``r`` on a ``@flow`` that needs a value): its parameters, typed.

A value is read as ``flowtop run --param`` reads it: JSON if it is JSON (``4``, ``0.5``,
``true``, ``[1, 2]``, ``"4"``), else the text itself; a number typed for a ``str`` is the
text typed (``1.10``). Each field starts from the flow's
latest run, so running again with one value changed is one edit; an empty field takes
the function's default, which its placeholder shows.

The values are checked as they are typed: here for the types a form knows by name
(``int``, ``date``…, and containers of them, each item checked: ``[1, 2]`` is not a
``tuple[str, ...]``; null only for ``X | None`` or a default of None), then by
``check`` — the process that has the flow's code (the flow host), so a value of the
user's own ``Enum`` is refused in the form too, not by a run that fails at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from flowtop.printable import printable, printable_name
from flowtop.tui.after_frame import after_frame
from flowtop.tui.widgets.ordered_input import OrderedInput

from ...engine.parameter_types import coerce, hint_named
from ...engine.parameters import ParameterInfo, ParameterProblem, typed_value, value_text
from .form_dialog import FormDialog, fit_placeholder
from .retry_editor_fields import FieldsScroll


def _placeholder(p: ParameterInfo) -> str:
    """What an empty field means (required, or its default), and the values it takes."""
    given = "required" if p.required else f"default: {p.default}"
    return f"{given} · {p.offered()}" if p.choices else given


class RunForm(FormDialog["dict[str, Any] | None"]):
    """Dismisses the parameters to start the run with (by name), None when cancelled."""

    DEFAULT_CSS = """
    RunForm #dialog { width: 80; }
    RunForm #title { margin-bottom: 1; }
    RunForm #fields { height: auto; max-height: 1fr; }
    RunForm .row { height: 1; }
    RunForm .label { width: 18; padding-right: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    RunForm .row Input { width: 1fr; }
    RunForm .row Input.-invalid { background: $error 30%; }
    RunForm .kind {
        width: 20; padding-left: 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis;
    }
    RunForm .error { color: $error; padding-left: 18; height: auto; }
    RunForm #form-error { color: $error; height: auto; margin-top: 1; display: none; }
    RunForm.-short #form-error, RunForm.-tiny #form-error { margin-top: 0; }
    RunForm.-narrow .row { height: 2; }
    RunForm.-narrow .row Input { dock: bottom; width: 100%; }
    RunForm.-narrow .label { width: auto; max-width: 50%; }
    RunForm.-narrow .kind { width: 1fr; }
    RunForm.-narrow .error { padding-left: 0; }
    RunForm.-tiny #title { margin-bottom: 0; }
    RunForm.-tiny #hint { display: none; }
    RunForm.-tiny #dialog { height: auto; }
    RunForm.-tiny #fields { height: auto; max-height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # Escape closes at once, even before a field has focus (``FormDialog``).
        Binding("escape", "cancel", "Cancel", id="run_form.cancel", priority=True),
        Binding("ctrl+s", "run", "Run", id="run_form.run"),
    ]

    def __init__(
        self,
        flow: str,
        parameters: tuple[ParameterInfo, ...],
        last: Mapping[str, Any],
        check: Callable[[Mapping[str, Any]], ParameterProblem | None],
    ) -> None:
        super().__init__()
        self.flow = flow
        self.parameters = parameters
        self.last = last
        self.check = check
        #: Run was pressed: a required field left empty is marked from then on, not before.
        self.tried = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(f"Run {self.flow} with"), id="title")
            # Tab goes field to field; the fields fit the dialog, the focused one in view
            with FieldsScroll(id="fields", can_focus=False):
                for index, p in enumerate(self.parameters):
                    with Horizontal(classes="row"):
                        yield Static(Text(p.name), classes="label")
                        yield OrderedInput(
                            value_text(self.last[p.name], p.annotation)
                            if p.name in self.last
                            else "",
                            placeholder=_placeholder(p),
                            id=f"param-{index}",
                            compact=True,
                            select_on_focus=True,
                        )
                        # a string annotation is the user's text: it may hold escapes
                        yield Static(Text(printable_name(p.annotation)), classes="kind")
                    yield Static("", classes="error", id=f"error-{index}")
            yield Static("", id="form-error")  # why Run did not run (``_refuse_run``)
            yield Static(
                'Values are read as JSON (4, 0.5, true, [1, 2], "4"), else as text; an empty '
                "field takes the default. Enter or ctrl+s runs, Escape cancels.",
                id="hint",
            )
            with Horizontal(id="buttons"):
                yield Button("Run", variant="primary", id="run")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self._validate()  # hides the error lines until Run is pressed
        first_empty = next(
            (i for i, p in enumerate(self.parameters) if p.required and p.name not in self.last),
            0,
        )
        self.focus_first(self.query_one(f"#param-{first_empty}", OrderedInput))

    def on_resize(self, event: events.Resize) -> None:
        # Narrow, a field's name and type above it, the input the dialog's width: at 40
        # columns the name and the type took the row, and what was typed was not seen.
        self.fit_width(event.size.width)
        self.query_one(FieldsScroll).let_grow()  # the dialog's room changed
        after_frame(self, self._fit_placeholders)

    def _fit_placeholders(self) -> None:
        """Each field's placeholder fitted to the width its input has now (``fit_placeholder``)."""
        for index, p in enumerate(self.parameters):
            field = self.query_one(f"#param-{index}", OrderedInput)
            fit_placeholder(field, printable(_placeholder(p)))

    def values(self) -> tuple[dict[str, Any], dict[int, str]]:
        """The parameters typed (an empty field left out), and the fields in error: a
        value not of its type as it is typed (here, then by ``check``), a required one
        left empty once Run was pressed."""
        given: dict[str, Any] = {}
        errors: dict[int, str] = {}
        for index, p in enumerate(self.parameters):
            text = self.query_one(f"#param-{index}", Input).value
            if text.strip():
                given[p.name] = value = typed_value(text, p.annotation)
                try:  # the types a form can know by name, items and all; the run checks the rest
                    coerce(value, hint_named(p.annotation), none_default=p.default == "null")
                except ValueError as exc:
                    errors[index] = f"{p.name}: {exc}"
            elif p.required and self.tried:  # not marked before Run is pressed
                errors[index] = f"{p.name} has no default: give it a value"
        if not errors:
            problem = self.check(given)
            if problem is not None and problem.name in given:  # an empty one: see above
                index = next(i for i, p in enumerate(self.parameters) if p.name == problem.name)
                errors[index] = f"{problem.name}: {problem.reason}"
        return given, errors

    def _validate(self) -> tuple[dict[str, Any], dict[int, str]]:
        """Mark the fields in error; the values typed, and the fields in error."""
        given, errors = self.values()
        for index in range(len(self.parameters)):
            message = errors.get(index, "")
            error = self.query_one(f"#error-{index}", Static)
            error.update(Text(printable(message)))  # it may quote the annotation or a value
            error.display = bool(message)
            self.query_one(f"#param-{index}", Input).set_class(bool(message), "-invalid")
        self._say_refused([])  # said again on the next Run, as a field changed
        return given, errors

    @on(Input.Changed)
    def _changed(self) -> None:
        self._validate()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_run()

    @on(Button.Pressed, "#run")
    def _run_pressed(self) -> None:
        self.action_run()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_run(self) -> None:
        self.tried = True
        given, errors = self._validate()
        if not errors:
            self.dismiss(given)
            return
        self._refuse_run(errors)

    def _refuse_run(self, errors: dict[int, str]) -> None:
        """Say that Run started nothing, and why: the fields in error, named; the first
        gets the focus. Before, Enter and ctrl+s with a wrong value left the dialog as it
        was, without a word (the retry editor's ``_refuse_save`` was fixed for this)."""
        empty = {i for i in errors if not self.query_one(f"#param-{i}", Input).value.strip()}
        self._say_refused([self.parameters[i].name for i in sorted(errors)], len(empty))
        field = self.query_one(f"#param-{min(errors)}", OrderedInput)
        self.set_focus(field, scroll_visible=False)
        error = self.query_one(f"#error-{min(errors)}", Static)  # with its name where it fits
        self.query_one(FieldsScroll).show_error(field, error)

    def _say_refused(self, wrong: list[str], empty: int = 0) -> None:
        """The line under the fields naming the ``wrong`` ones (none: no line), ``empty``
        of them required ones left empty."""
        names = ", ".join(wrong[:-1]) + f" and {wrong[-1]}" if len(wrong) > 1 else "".join(wrong)
        one = len(wrong) == 1
        if empty == len(wrong):
            said = "needs a value" if one else "need values"
        else:
            said = "is wrong" if one else "are wrong" if not empty else "are wrong or empty"
            said += " (see under it)" if one else " (see under each)"
        line = self.query_one("#form-error", Static)
        line.update(Text(printable(f"Not run: {names} {said}.") if wrong else ""))
        line.display = bool(wrong)
