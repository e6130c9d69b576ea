"""Toast holders Textual leaves empty are swept, so a long session does not keep them.

Textual 8.2's ``ToastRack.show`` removes a toast whose notification expired before its
own timer fired (a busy frame, as a reload's redraw), but not the ``ToastHolder`` around
it: the empty holder stayed for the session with its layout caches and the toast, about
80 KB each (9 in 150 saves on a loaded machine).
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets._toast import Toast, ToastHolder

from flowtop.tui.app import FlowtopApp

from .conftest import FakeWorkspace
from .test_app import SIZE


async def test_an_emptied_toast_holder_is_dropped_and_a_live_toast_kept(tmp_path: Path) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {}))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.notify("first", timeout=60)
        app.notify("second", timeout=60)
        await pilot.pause()
        first, second = app.screen.query(Toast)
        await first.remove()  # what Textual's show() does to an expired toast's holder
        assert len(app.screen.query(ToastHolder)) == 2
        app._drop_emptied_toasts()
        await pilot.pause()
        assert [holder.children[0] for holder in app.screen.query(ToastHolder)] == [second]
