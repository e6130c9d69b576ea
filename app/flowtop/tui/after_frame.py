"""A screen's own step after the next frame, dropped if the screen closed meanwhile.

Textual hands a ``call_after_refresh`` callback to whichever screen is current when it
comes due, so a refit a page asked for as Escape closed it ran on widgets already
removed: ``NoMatches`` and a crashed app (seen with the run page and the history screen).
"""

from __future__ import annotations

from collections.abc import Callable

from textual.widget import Widget


def after_frame(screen: Widget, step: Callable[[], object]) -> None:
    """``step`` after the next frame if ``screen`` is still in the app then, and not
    closing: a page that closed as it opened (its run pruned meanwhile) was still in the
    DOM while its widgets were being removed, and its refit found no table (a CI crash).
    Textual's own ``mount`` asks the same (``_closing``, ``_pruning``; Textual is pinned)."""

    def due() -> None:
        if screen.is_attached and not (screen._closing or screen._pruning):  # (private: see above)
            step()

    screen.call_after_refresh(due)
