"""The ``/`` filter line: filters the table as you type. Its Enter and Esc are the
app's (``FlowtopApp.action_leave_filter``): they move focus, which must happen before
the keys typed after them are routed. So the keys it takes are typed as the app reads
them (``KeyActions._typed``), not queued for it: in ``/load⏎`` read together, Enter
found the line empty. Its editing keys act in order (``OrderedInput``)."""

from __future__ import annotations

from typing import Any

from textual import events

from flowtop.tui.widgets.ordered_input import OrderedInput


class FilterInput(OrderedInput):
    """The filter line (its own type, for the footer's keys and the snapshots). Its
    value is selected as `/` opens it (``ViewActions.action_filter``), so typing
    replaces a kept filter: not as its focus event comes, after the keys typed with
    the `/`, which it selected and the next key replaced (`/er` then `x`: `x`)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(select_on_focus=False, **options)

    async def type_now(self, event: events.Key) -> None:
        """Type ``event`` (a key it ``takes``) here, now, as if it had come in turn."""
        await self._on_key(event)
