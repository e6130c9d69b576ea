"""The ``/`` filter line: filters the table as you type. Its Enter and Esc are the
app's (``FlowtopApp.action_leave_filter``): they move focus, which must happen before
the keys typed after them are routed. Its editing keys act in order (``OrderedInput``)."""

from __future__ import annotations

from flowtop.tui.widgets.ordered_input import OrderedInput


class FilterInput(OrderedInput):
    """The filter line (its own type, for the footer's keys and the snapshots)."""
