"""The command palette's list stops above the toasts, so a toast shown meanwhile is seen,
and above its footer.

Textual draws the palette's list as an overlay, over everything on the screen, its own
toasts too: a toast that came while the palette was open (a reload's, a run that
failed) was drawn under the list and never seen. The list now ends where the toasts'
band at the screen's foot begins, and scrolls in the rows left; on a short screen the
toasts there are one line each (``flowtop.tcss``) so the list keeps rows to choose from.
"""

from __future__ import annotations

from textual.command import CommandList, CommandPalette
from textual.css.scalar import Scalar

from flowtop.tui.screens.toast_band import band_height, toast_rack

#: Below this many rows the palette's toasts are one line each (``-short``), as under a
#: dialog (``FormDialog``'s ``-tiny``).
SHORT = 20

#: The list keeps at least this many rows (its two rules and one command) however many
#: toasts there are: the command highlighted stays in sight.
LEAST_LIST_ROWS = 3


def keep_list_above_toasts(palette: CommandPalette) -> None:
    """After each layout of ``palette`` (a toast coming or going, a resize, the list
    filled), fit its list above the toasts. Once, however often it is called."""
    results = palette.query_one(CommandList)
    laid_out = palette.screen_layout_refresh_signal
    laid_out.unsubscribe(results)
    laid_out.subscribe(results, lambda _: _fit_list(palette, results))


def _fit_list(palette: CommandPalette, results: CommandList) -> None:
    palette.set_class(palette.size.height < SHORT, "-short")
    if not results.region:  # no list shown
        return
    rack = toast_rack(palette)
    size = palette.size
    css_most = results.styles.base.max_height  # Textual's 70vh
    most = int(css_most.resolve(size, palette.app.size)) if css_most else size.height
    bottom = size.height - (band_height(palette, rack) if rack is not None else 0)
    # Nor over the footer (``palette_keys``): under 24 rows the list ran to the last
    # row, and `↑↓ Choose  ⏎ Run  esc Close` never showed.
    for footer in palette.query("#palette-keys"):
        if footer.region:
            bottom = min(bottom, footer.region.y)
    if bottom < size.height:
        most = min(most, max(LEAST_LIST_ROWS, bottom - results.region.y))
    if results.styles.inline.max_height != Scalar.from_number(most):
        results.styles.max_height = most
        results.scroll_to_highlight()
