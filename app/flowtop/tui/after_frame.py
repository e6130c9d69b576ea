"""A screen's own step after the next frame, dropped if the screen closed meanwhile.

Textual hands a ``call_after_refresh`` callback to whichever screen is current when it
comes due, so a refit a page asked for as Escape closed it ran on widgets already
removed: ``NoMatches`` and a crashed app (seen with the run page and the history screen).
"""

from __future__ import annotations

from collections.abc import Callable

from textual.widget import Widget


def after_frame(screen: Widget, step: Callable[[], object]) -> None:
    """``step`` after the next frame if ``screen`` is still in the app then."""
    screen.call_after_refresh(lambda: step() if screen.is_attached else None)
