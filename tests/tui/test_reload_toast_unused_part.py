"""The toast for a deleted settings file that had loaded, but for a part not in use.

``.flowtop/overrides.toml`` with ``retry_on = ["NoSuchErr"]`` loads, and the flows list
shows it as ``✗ … part of it is not in use``. Deleting it said ``Removed
.flowtop/overrides.toml, which had failed to load``, though it never failed to load:
the toast now says it was removed, and its unused part with it.
"""

from __future__ import annotations

from pathlib import Path

from flowtop.tui.app import FlowtopApp
from flowtop.tui.reload_actions import reload_said
from flowtop.workspace.changes import WorkspaceChanged
from flowtop.workspace.load_error import LoadError, display_path

from .conftest import Calls, FakeWorkspace, demo_flow
from .test_reload_toasts_hanging import push


def overrides_with_an_unused_part(tmp_path: Path) -> tuple[Path, LoadError]:
    path = tmp_path / ".flowtop" / "overrides.toml"
    path.parent.mkdir()
    path.write_text('[flows.etl.tasks.load]\nretry_on = ["NoSuchErr"]\n', encoding="utf-8")
    said = "flows.etl.tasks.load.retry_on: NoSuchErr is not an exception this flow can raise"
    return path, LoadError(path, 2, None, said, in_part=True)


def test_what_a_reload_says_of_a_removed_file_that_had_only_an_unused_part(
    tmp_path: Path,
) -> None:
    path, error = overrides_with_an_unused_part(tmp_path)
    path.unlink()
    change = WorkspaceChanged(paths=(path,), settings_changed=True)
    said, failing = reload_said(change, {str(path): error}, {})
    assert said == f"Removed {display_path(path)} (its part not in use went with it)"
    assert not failing
    assert "failed to load" not in said


async def test_deleting_a_settings_file_with_an_unused_part(tmp_path: Path) -> None:
    path, error = overrides_with_an_unused_part(tmp_path)
    ws = FakeWorkspace(tmp_path, {"demo": demo_flow(Calls())})
    ws.settings_errors.append(error)
    app = FlowtopApp(ws)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        assert list(app._listed_errors()) == [str(path)]
        path.unlink()
        ws.settings_errors.clear()
        said = await push(pilot, app, ws, WorkspaceChanged(paths=(path,), settings_changed=True))
        assert said == f"Removed {display_path(path)} (its part not in use went with it)"
        assert list(app._notifications)[-1].severity == "information"
        assert not app._listed_errors()
