"""The ``/`` filter line: filters the table as you type. Its Enter and Esc are the
app's (``FlowtopApp.action_leave_filter``): they move focus, which must happen before
the keys typed after them are routed."""

from __future__ import annotations

from textual.widgets import Input


class FilterInput(Input):
    """The filter line (its own type, for the footer's keys and the snapshots)."""
