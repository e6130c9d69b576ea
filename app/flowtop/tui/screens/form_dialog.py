"""The frame of the app's form dialogs (the retry editor, the run form, the help): one
look, kept in one place; each dialog sets its own width and what is inside."""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

from rich.cells import cell_len
from textual import events
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Button, Input

from flowtop.formats import cut_cells, cut_name
from flowtop.tui.screens.toast_band import hold_still_over_toasts
from flowtop.tui.widgets.key_bar import add_dialog_keys
from flowtop.tui.widgets.ordered_input import OrderedInput

Result = TypeVar("Result")


def fit_placeholder(field: Input, whole: str) -> None:
    """``whole`` as ``field``'s placeholder, cut with ``…`` to the width the input has now
    (all of it before the input is laid out), and all of it in the field's tooltip when
    cut: an input crops its placeholder without an ellipsis, so at 80 columns the retry
    editor's deadline hint read `none (stop retrying this long after the firs`, and at
    100 the run form's `default: "INCREMENTAL" · one of FULL,`, as if that were all."""
    width = field.scrollable_content_region.width
    field.placeholder = cut_cells(whole, width) if width > 0 else whole
    field.tooltip = whole if field.placeholder != whole else None


def names_line(flow: str, task: str, room: int) -> str:
    """``flow / task`` on one line of ``room`` cells, each cut in its middle
    (``cut_name``), the task keeping two thirds of the room where the flow's name would
    take more: a tiny dialog's title. Wrapped, two long names took four of the retry
    editor's nine rows at 40×12, and the field typed in went without its label."""
    whole = f"{flow} / {task}"
    if cell_len(whole) <= room:
        return whole
    task_room = min(cell_len(task), max(room - cell_len(flow) - 3, room * 2 // 3))
    flow_room = room - 3 - task_room
    if flow_room < 4:
        return cut_name(task, room)
    return f"{cut_name(flow, flow_room)} / {cut_name(task, task_room)}"


class FormDialog(ModalScreen[Result], Generic[Result]):
    """A centred box (``#dialog``) with a bold ``#title``, a muted ``#hint`` and
    ``#buttons`` on the right; the subclass gives ``#dialog`` its width.

    A subclass binds Escape (cancel) with ``priority=True``: it closes the form as the app
    reads it, so keys typed after it in one burst go to the screen below. Enter and
    ctrl+s are not: they must act after the letters typed before them, which are still
    on their way to a field."""

    DEFAULT_CSS = """
    FormDialog { align: center middle; }
    FormDialog #dialog {
        max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    FormDialog #title { text-style: bold; }
    FormDialog #hint { color: $text-muted; margin-top: 1; }
    FormDialog #buttons { dock: bottom; height: auto; margin-top: 1; align-horizontal: right; }
    FormDialog #buttons Button { margin-left: 1; }
    FormDialog #dialog-keys { dock: bottom; }
    /* Compact (one row), a default button was plain text on the dialog's background
       and a disabled one dark on its colour: each in a one-row frame, as a narrow
       question's answers (flowtop.tcss), side by side down to 40 columns. */
    FormDialog.-narrow #buttons Button {
        min-width: 0;
        margin-left: 0;
        border-left: vkey $foreground 60% !important;
        border-right: vkey $foreground 60% !important;
    }
    FormDialog.-narrow #buttons Button:disabled {
        background: $surface;
        color: $text-muted;
        text-opacity: 1;
    }
    FormDialog.-tiny #dialog { height: 100%; }
    FormDialog.-tiny #fields { height: 1fr; }
    """

    #: Below 30 rows (80×24 over SSH) a form drops its blank lines so its buttons stay
    #: visible; below 20 (40×12) the dialog takes the screen's height and its fields
    #: scroll, the focused one into view: sized to their content they ran past the
    #: dialog's edge, and keys went into fields no one could see.
    # Textual types this as an instance attribute (no ClassVar); it is never mutated.
    VERTICAL_BREAKPOINTS = [(0, "-tiny"), (20, "-short"), (30, "-tall")]  # noqa: RUF012 - see above

    BINDINGS: ClassVar[list[BindingType]] = [
        # Tab moves the focus as the app reads it, so that the keys typed after it in one
        # burst go to the next field; a field would read it after them (`Tab 9` typed 9
        # into the field it left). Moving the focus reads no field: nothing is early.
        Binding("tab", "move_focus(1)", show=False, priority=True),
        Binding("shift+tab", "move_focus(-1)", show=False, priority=True),
    ]

    #: Below this many columns a subclass lays each field out on two lines (its label,
    #: then the input the dialog's width: ``-narrow`` in its CSS) and its buttons take one
    #: row (``fit_width``: compact, each in a frame). Side by side, at 40 columns the retry editor's inputs
    #: showed 2 characters and the run form's none, its type pressed against its label.
    NARROW = 60

    #: Nothing has focus until ``focus_first`` gives it, or ``on_mount`` (Textual's
    #: default focused the first widget as the dialog was composed, before the keys read
    #: meanwhile reached it, so a Tab among them moved on from there; see
    #: ``action_move_focus``).
    AUTO_FOCUS = ""

    #: The field that gets the keys typed before any field had focus (``on_key``).
    first_field: OrderedInput | None = None

    def on_mount(self) -> None:
        add_dialog_keys(self)
        hold_still_over_toasts(self, self.query_one("#dialog"))
        if self.focused is None and self.first_field is None:  # no field first (the help)
            self.focus_next()

    def fit_width(self, width: int) -> None:
        """Narrow (``NARROW``) or not, for the dialog's ``width`` columns now."""
        narrow = width < self.NARROW
        self.set_class(narrow, "-narrow")
        for button in self.query(Button):
            button.compact = narrow

    def focus_first(self, field: OrderedInput) -> None:
        """Focus ``field`` as the dialog opens: the one keys typed meanwhile go to. At
        once: ``field.focus()`` gave it focus only after the keys already read, so
        `e3` Tab in one burst moved on to the next field and then back (Tab was lost)."""
        self.first_field = field
        self.set_focus(field)

    def action_move_focus(self, step: int) -> None:
        """Tab (1) or Shift+Tab (-1). Read with the key that opened the dialog, before
        any field had focus, it waits its turn behind the keys read before it (they
        wait in this screen's queue for the first field, ``on_key``): moved at once it
        found no field yet, or moved before them."""
        if self.focused is None:
            self.call_later(self._move_focus_from_first, step)
        else:
            self._move_focus_from_first(step)

    def _move_focus_from_first(self, step: int) -> None:
        if self.focused is None and self.first_field is not None:
            self.set_focus(self.first_field, scroll_visible=False)
        if step > 0:
            self.focus_next()
        else:
            self.focus_previous()

    def on_key(self, event: events.Key) -> None:
        """A key that came to the dialog itself, not through a field: typed together
        with the key that opened it (over SSH, `e5` in one read), it was routed before
        the first field had focus. It goes to that field, in the order the keys came. A
        key a field takes never comes here from the field: the field stops it. A key
        pressed on a button is the button's (Enter on Cancel cancels; it saved)."""
        if self.focused is not None and not isinstance(self.focused, OrderedInput):
            return
        field = self.focused or self.first_field
        if field is not None and field.takes(event):
            event.stop()
            field.post_message(events.Key(event.key, event.character))
