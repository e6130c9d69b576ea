"""A table of ``.flowtop/overrides.toml`` nothing uses (a renamed flow's override) stops
no run, yet each settings reload, each retry-editor Save among them, toasted it again as
``Reloaded settings; Still failing: .flowtop/overrides.toml:16: …``. It is said once, as
it appears (or changes), and the flows list goes on showing it."""

from __future__ import annotations

from pathlib import Path

from flowtop.tui.app import FlowtopApp
from flowtop.tui.reload_actions import reload_said
from flowtop.workspace.changes import WorkspaceChanged
from flowtop.workspace.load_error import LoadError, display_path

from .conftest import Calls, FakeWorkspace, demo_flow
from .test_reload_toasts_hanging import push

UNUSED = (
    '[flows."old".tasks."load"]: no flow named \'old\'; flows: demo '
    "(a table nothing uses: it stops no run)"
)


def stale_overrides(tmp_path: Path) -> tuple[Path, LoadError]:
    path = tmp_path / ".flowtop" / "overrides.toml"
    path.parent.mkdir()
    path.write_text('[flows."old".tasks."load"]\nmax_retries = 2\n', encoding="utf-8")
    return path, LoadError(path, 1, None, UNUSED, in_part=True, unused=True)


def test_a_reload_says_a_table_nothing_uses_once(tmp_path: Path) -> None:
    path, error = stale_overrides(tmp_path)
    listed = {str(path): error}
    first = WorkspaceChanged(paths=(path,), settings_changed=True, errors=(error,))
    said, _ = reload_said(first, {}, listed)
    assert str(error) in said  # as it appears
    again = WorkspaceChanged(paths=(path,), settings_changed=True)  # another table saved
    said, failing = reload_said(again, listed, listed)
    assert (said, failing) == (f"Reloaded {display_path(path)}", False)
    stops = LoadError(path, 1, None, "flow 'demo' has no task 'lod'", in_part=True)
    said, failing = reload_said(again, {str(path): stops}, {str(path): stops})
    assert (said, failing) == (f"Reloaded {display_path(path)}; still failing: {stops}", True)


async def test_saving_the_overrides_again_toasts_no_still_failing(tmp_path: Path) -> None:
    path, error = stale_overrides(tmp_path)
    ws = FakeWorkspace(tmp_path, {"demo": demo_flow(Calls())})
    ws.settings_errors.append(error)
    app = FlowtopApp(ws)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        assert list(app._listed_errors()) == [str(path)]
        for _ in range(2):  # each Save of the retry editor
            said = await push(
                pilot, app, ws, WorkspaceChanged(paths=(path,), settings_changed=True)
            )
            assert said == f"Reloaded {display_path(path)}"
        assert list(app._listed_errors()) == [str(path)]  # still listed
