"""A task's event with the text user code made (errors, output, results) made safe.

Split from the view model (``model``), which folds every event in: most carry no such
text, and the few that hold raw escapes are rewritten once here, before any view reads them.
"""

from __future__ import annotations

from flowtop.engine.events import ErrorInfo, TaskStateChanged
from flowtop.printable import has_control, printable


def unsafe(ev: TaskStateChanged) -> bool:
    """Whether any text of the event that came from user code holds a control character."""
    error = ev.error
    texts: tuple[str, ...] = (ev.output, ev.message, ev.result or "", ev.delay_explained or "")
    if error is not None:
        texts += (error.type, error.message, error.traceback)
    return any(has_control(text) for text in texts if text)


def printable_event(ev: TaskStateChanged) -> TaskStateChanged:
    """The event with its user-made text safe for the terminal (no raw ANSI escapes)."""
    error = ev.error
    if error is not None:
        error = ErrorInfo(
            printable(error.type), printable(error.message), printable(error.traceback)
        )
    return ev._replace(
        error=error,
        output=printable(ev.output),
        message=printable(ev.message),
        result=printable(ev.result) if ev.result is not None else None,
        delay_explained=printable(ev.delay_explained),
    )
