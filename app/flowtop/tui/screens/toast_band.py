"""Where a dialog stands while toasts show under it: still, unless the toasts need its rows.

Under a dialog the toasts take a band at the screen's foot, in the dialog's own layer
(``flowtop.tcss``), so Textual lays the dialog out above the band, centred in what is
left: it jumped up by half the band as a toast came, and back down as the toast went,
even where the screen had room for both. ``hold_still_over_toasts`` moves it back down
(an offset, which leaves the layout alone) to where it stands with no toasts, or as near
as the band allows: it climbs only as far as it must to stay clear of the toasts.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from textual.screen import Screen
from textual.widget import Widget
from textual.widgets._toast import ToastRack


def hold_still_over_toasts(screen: Screen[Any], dialog: Widget) -> None:
    """Keep ``dialog`` (centred on ``screen``) where it stands without toasts, after
    each layout of the screen (a toast coming or going, a resize). Once, however often
    it is called (a subclass's ``on_mount`` may call its base's too)."""
    laid_out = screen.screen_layout_refresh_signal
    laid_out.unsubscribe(dialog)
    laid_out.subscribe(dialog, lambda _: _stand_still(screen, dialog))


def toast_rack(screen: Screen[Any]) -> ToastRack | None:
    """``screen``'s toasts (Textual gives each screen its own), None in an app that
    shows no toasts."""
    return next((rack for rack in screen.children if isinstance(rack, ToastRack)), None)


def _stand_still(screen: Screen[Any], dialog: Widget) -> None:
    rack = toast_rack(screen)
    if not dialog.region or rack is None:  # not laid out yet, or no toasts on this app
        return
    others = [widget for widget in screen.children if widget is not rack]
    top = _docked_height(others, "top")
    below = _docked_height(others, "bottom")  # the dialog's keys
    band = max(below, band_height(screen, rack))  # the keys' row holds the band's foot
    room = screen.size.height - top - below  # what the dialog is centred in with no toasts
    height = dialog.outer_size.height
    unmoved = top + _centred(room - height)
    clear_of_band = top + (room - (band - below)) - height  # its lowest top above the band
    wanted = max(top, min(unmoved, clear_of_band))
    laid_out = dialog.region.y - int(dialog.styles.offset.y.value)  # where Textual put it
    offset = wanted - laid_out
    if offset != dialog.styles.offset.y.value:
        dialog.styles.offset = (0, offset)


def _docked_height(widgets: list[Widget], edge: str) -> int:
    """The rows ``widgets`` docked at ``edge`` take from it: Textual stacks no docks,
    each takes its own height (and margin) from the edge, and the tallest one counts."""
    return max(
        (
            widget.outer_size.height + widget.styles.margin.height
            for widget in widgets
            if widget.display and widget.styles.dock == edge
        ),
        default=0,
    )


def band_height(screen: Screen[Any], rack: ToastRack) -> int:
    """The rows the toasts' band takes from the screen's foot, as the screen's layout
    measured it (Textual's own box model of a docked widget: a hidden widget, as the
    rack is, has no size to read afterwards)."""
    if not rack.display:
        return 0
    size = screen.size
    box = rack._get_box_model(size, size, Fraction(size.width), Fraction(size.height))
    return int(box.height) + box.margin.height


def _centred(free: int) -> int:
    """The top of a box centred in ``free`` spare rows, as Textual's ``align: middle``
    puts it (the odd row below it), never above the area's top."""
    return max(0, free // 2)
