"""The retry editor's fields (``FieldsScroll``): a scroll that keeps the focused field in
view, and fits itself to the rows the dialog has."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.containers import VerticalScroll
from textual.content import Content
from textual.geometry import Region
from textual.widget import Widget

from flowtop.formats import cut_cells
from flowtop.tui.widgets.measured_static import MeasuredStatic


class ErrorLine(MeasuredStatic):
    """What is wrong with a field, under it: whole, or at most ``rows`` rows of it
    (``cut_to``), ending in ``…`` where more follows, the rest reached with ↓ and ↑
    (``scroll_lines``) and in its tooltip. A refused save keeps the field with its label
    in view and its error in the rows left (``FieldsScroll.show_error``): at 40×12 Retry
    on's five-line error took them all, and which field it was went out of sight.
    Measured at every update: cut under load, it kept its five rows' height, blank."""

    #: The whole message (``say``), the most rows it takes (None: all), and its first
    #: line shown when cut.
    _whole = ""
    _rows: int | None = None
    _first = 0

    def say(self, message: str) -> None:
        """``message`` under the field ("" for none: hidden), from its first line."""
        if message != self._whole:
            self._whole, self._first = message, 0
            self._draw()
        self.styles.display = "block" if message else "none"

    def lines(self) -> list[str]:
        """The message's lines at the width it has now (one before it is laid out)."""
        width = self.content_region.width
        if width <= 0:
            return [self._whole]
        return [line.plain for line in Content(self._whole).wrap(width)]

    def cut_to(self, rows: int | None) -> None:
        """At most ``rows`` rows of the message (None: all of it)."""
        if rows != self._rows:
            self._rows = rows
            self._draw()

    def scroll_lines(self, step: int) -> bool:
        """The cut message moved ``step`` lines on; whether it moved."""
        lines, rows = self.lines(), self._rows
        if rows is None or len(lines) <= rows:
            return False
        first = min(max(0, self._first + step), len(lines) - rows)
        if first == self._first:
            return False
        self._first = first
        self._draw()
        return True

    def on_resize(self) -> None:
        self._draw()  # its lines fold anew

    def _draw(self) -> None:
        lines, rows = self.lines(), self._rows
        if rows is None or len(lines) <= rows:
            self.update(Text(self._whole))
            self.with_tooltip(None)
            return
        width = self.content_region.width
        first = self._first = min(self._first, len(lines) - rows)
        shown = lines[first : first + rows]
        if first + rows < len(lines):  # (a full line gives its last cell: shown moved on)
            shown[-1] = cut_cells(f"{shown[-1].rstrip()}…", width)
        self.update(Text("\n".join(shown)))
        self.with_tooltip(self._whole)


class FieldsScroll(VerticalScroll):
    """The editor's fields (and the run form's), the focused one kept in view as the
    dialog gives them fewer rows: at 40×12 the note that both jitters apply, appearing as the factor was typed,
    left them one row, and it showed the row above the field typed in. With its label
    (the line above it when narrow) where the rows allow: a toast's band, taking rows,
    left the input in view and its label, saying which field it was, out of it.

    Looked at after each layout of the screen, not on a ``Resize``: Textual sends none
    when, after a scroll-only layout, a look at any region (the mouse's, a test's) came
    between a change and its layout: the screen's map, made again for the look, already
    had the new sizes, and the layout found none changed. The toasts' band took the
    fields' rows so one time in ten under load, the field typed in left out of sight."""

    #: The rows shown at the last look (-1 before the first layout).
    _rows_seen = -1

    def on_mount(self) -> None:
        self.screen.screen_layout_refresh_signal.subscribe(self, self._after_layout)

    #: The fewest rows the fields keep when the dialog is short of rows (a field and
    #: one line of its error).
    FEWEST = 2

    def _after_layout(self, _screen: object) -> None:
        if self._fit_dialog():
            self._rows_seen = -1  # the grown fields scrolled to their top: show it again
            return  # laid out again: looked at then
        rows = self.scrollable_content_region.height
        focused = self.screen.focused
        error = self._error_of(focused)
        if error is not None:  # a refused save's field: its error line kept in view
            if rows != self._rows_seen or not self._seen_whole(error):
                self._rows_seen = rows
                self._show_error()
            return
        if rows == self._rows_seen and (focused is None or self._seen_whole(focused)):
            return  # (a line that came under an earlier field moved the focused one down,
        self._rows_seen = rows  # out of sight with the rows unchanged: shown again)
        if focused is not None:
            self.show(focused)

    def _seen_whole(self, widget: Widget) -> bool:
        """Whether ``widget`` lies within the fields' rows shown (True for one not a field)."""
        if self not in widget.ancestors:
            return True
        return self.scrollable_content_region.contains_region(widget.region)

    #: The dialog's height when it last ran past its edge: the most it takes (0: not
    #: seen yet). The fields grow back into what a line going left, up to that.
    _dialog_most = 0

    def _fit_dialog(self) -> bool:
        """The fields' rows fitted to the dialog's; whether they changed. Fewer when the
        dialog runs past its edge: their ``max-height: 1fr`` left the buttons' rows out
        (docked), so at 80×24, with error lines under earlier fields and the note of
        which calls the editor covers, the last fields lay under the buttons, the
        focused one typed in blind, and a refused Save's line under them went unseen.
        More, up to what they hold, when a line under them went and left rows spare."""
        dialog = self.parent
        if not isinstance(dialog, Widget):
            return False
        if self._flexes():
            return self._uncapped()
        over = dialog.virtual_size.height - dialog.scrollable_content_region.height
        height = self.outer_size.height
        if over > 0:
            self._dialog_most = dialog.outer_size.height  # as tall as it may be
            most = max(self.FEWEST, height - over)
            return most < height and self._most(most)
        if not self.styles.inline.has_rule("max_height"):
            return False
        spare = self._dialog_most - dialog.outer_size.height
        return (
            spare > 0
            and self.max_scroll_y > 0
            and self._most(height + min(spare, self.max_scroll_y))
        )

    def _most(self, rows: int) -> bool:
        self.styles.max_height = rows
        return True

    def _flexes(self) -> bool:
        """Whether the fields take what the dialog's other lines leave (``height: 1fr``,
        a tiny dialog as tall as the screen): they fit it by themselves, a cap could only
        take rows from them. One set as the dialog opened, before its height was the
        screen's, stayed: its height never changed, so they never grew back, and at 50×15
        one field showed over seven empty rows, its error out of sight."""
        height = self.styles.height
        return height is not None and height.is_fraction

    def _uncapped(self) -> bool:
        """The fields' cap taken off; whether there was one."""
        if not self.styles.inline.has_rule("max_height"):
            return False
        self._dialog_most = 0
        self.styles.clear_rule("max_height")
        return True

    def let_grow(self) -> None:
        """The fields' rows as the CSS gives them again, as the dialog's room changed (a
        resize): the next layout fits them to it (``_fit_dialog``)."""
        if self._uncapped():
            self.refresh(layout=True)

    def show(self, field: Widget) -> bool:
        """``field`` scrolled into view, with its row (its label) where the rows allow;
        False if it is not one of the fields."""
        if self not in field.ancestors:
            return False
        row = field.parent
        rows = self.scrollable_content_region.height
        fits = isinstance(row, Widget) and row.outer_size.height <= rows
        self.scroll_to_widget(row if fits and isinstance(row, Widget) else field, animate=False)
        return True

    #: The field a refused save focused and the line saying what is wrong with it
    #: (``show_error``): kept in view while the field has the focus and the line shows.
    _error_shown: tuple[Widget, Widget] | None = None

    #: The screen's class meanwhile: a dialog's CSS gives the fields more rows with it.
    ERROR_KEPT = "-error-kept"

    def show_error(self, field: Widget, error: Widget) -> None:
        """``field`` and ``error``, the line under its row, scrolled into view: its row on
        top where the rows allow both, else the field, else the error alone, what it says
        first. Kept so as the layouts that follow take rows from the fields (the refusal's
        own line under them): the row at the top of 6 rows, its error under it, went out
        of sight when they were 3 (at 50×15 the error was seen after a Tab only). The
        screen has ``ERROR_KEPT`` meanwhile. An ``ErrorLine`` is cut to the rows left
        under the field's row, its label kept in view first (``_show_error``)."""
        self._error_shown = (field, error)
        self.screen.add_class(self.ERROR_KEPT)
        self._show_error()

    def _error_of(self, focused: Widget | None) -> Widget | None:
        """The error line ``show_error`` keeps in view, while ``focused`` is its field and
        it shows; None (and forgotten) once not."""
        if self._error_shown is None:
            return None
        field, error = self._error_shown
        if focused is field and error.display and self in error.ancestors:
            return error
        if isinstance(error, ErrorLine):
            error.cut_to(None)  # whole again, as any other field's error
        self._error_shown = None
        self.screen.remove_class(self.ERROR_KEPT)
        self._rows_seen = -1  # the focused field shown again, with its label: its error
        return None  # went, a line the rows left out came back (ab then 2 at 40×12)

    def scroll_error(self, step: int) -> bool:
        """A refused save's error cut to the rows it has moved ``step`` lines on (the
        dialog's ↓ ↑, the mouse's wheel here), its field and label staying; whether it
        moved."""
        error = self._error_of(self.screen.focused)
        return isinstance(error, ErrorLine) and error.scroll_lines(step)

    def _on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        if self.scroll_error(1):
            event.stop()
        else:
            super()._on_mouse_scroll_down(event)

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if self.scroll_error(-1):
            event.stop()
        else:
            super()._on_mouse_scroll_up(event)

    def _show_error(self) -> None:
        if self._error_shown is None:
            return
        field, error = self._error_shown
        row = field.parent if isinstance(field.parent, Widget) else field
        below = error.virtual_region_with_margin  # (none yet before the error's first layout)
        bottom = max(below.bottom, row.virtual_region_with_margin.bottom)
        field_top = row.virtual_region.y + field.virtual_region.y  # (docked under its label)
        rows = self.scrollable_content_region.height
        tops = (row.virtual_region_with_margin.y, field_top, below.y)
        if isinstance(error, ErrorLine) and error.content_region.width > 0:
            # the label first, then the field, each with a row of the error at least
            top = next((t for t in tops if below.y - t < rows), below.y)
            room = max(1, rows - (below.y - top))
            error.cut_to(room)
            bottom = max(below.y + min(room, len(error.lines())), row.virtual_region.bottom)
        else:
            top = next((t for t in tops if bottom - t <= rows), below.y)
        region = Region(below.x, top, below.width, max(1, bottom - top))
        self.scroll_to_region(region, animate=False, top=True, immediate=True)
