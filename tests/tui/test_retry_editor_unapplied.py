"""The retry editor shows an override's ``retry_on`` that does not apply, to be fixed there.

``overrides.toml`` named an exception no lookup finds: the workspace left it out of the
task's policy and said so (``flowtop list``, a toast), but the editor prefilled Retry on
from the policy, `any exception when max retries is set ← builtin`: the value the user
was told to fix was nowhere in it. Now it shows the value as written, marked not
applied, with the workspace's words under it; Save waits until it is corrected or
emptied (emptied, it leaves the override).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flowtop.workspace import Workspace

from .conftest import LoadWorkspace
from .editor_kit import editor_app, editor_field, saved_overrides, shown

FLOW = """\
from flowtop import Flow, task


@task(max_retries=1)
def fetch():
    return 1


with Flow("etl") as flow:
    fetch()
"""

OVERRIDES = """\
[flows.etl.tasks.fetch]
max_retries = 2
retry_on = ["NoSuchError", "TimeoutError"]
"""

#: What the workspace says of the table (``flowtop list``, the toast), after its table name.
WHY = (
    "retry_on: unknown exception 'NoSuchError' (not a builtin, not defined in the flow's "
    "module; use a dotted name like 'requests.exceptions.HTTPError')"
)


@pytest.fixture
def workspace(tmp_path: Path, load_workspace: LoadWorkspace) -> Workspace:
    (tmp_path / ".flowtop").mkdir(mode=0o700)
    (tmp_path / ".flowtop" / "overrides.toml").write_text(OVERRIDES, encoding="utf-8")
    return load_workspace({"etl.py": FLOW})


async def test_the_editor_shows_it_as_written_marked_not_applied_with_why(
    workspace: Workspace,
) -> None:
    (error,) = workspace.settings_errors  # the rest of the override applies
    assert str(error).endswith(f'overrides.toml:3: [flows."etl".tasks."fetch"]: {WHY}')
    app = editor_app(workspace, "etl", "fetch")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert editor_field(app, "retry_on").value == "NoSuchError, TimeoutError"
        assert shown(app, "layer-retry_on") == "← not applied"
        where = str(error).removesuffix(f": {error.message}")
        assert shown(app, "error-retry_on") == f"not applied ({where}): {WHY}"
        assert shown(app, "layer-max_retries") == "← overrides"  # the rest applies
        await pilot.press("ctrl+s")  # refused, saying how to fix it
        await pilot.pause()
        assert shown(app, "form-error") == (
            "Not saved: Retry on is wrong (see under it). It does not apply as "
            "overrides.toml has it: correct it, or empty it to drop it from the override."
        )
        assert app.results == []


async def test_corrected_there_it_is_saved(workspace: Workspace) -> None:
    app = editor_app(workspace, "etl", "fetch")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        field = editor_field(app, "retry_on")
        assert field.value == "NoSuchError, TimeoutError"
        field.value = "ConnectionError, TimeoutError"
        await pilot.pause()
        assert shown(app, "error-retry_on") == ""
        assert shown(app, "layer-retry_on") == "← overrides*"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.results == [True]
    table = saved_overrides(workspace)["flows"]["etl"]["tasks"]["fetch"]
    assert table == {"max_retries": 2, "retry_on": ["ConnectionError", "TimeoutError"]}


async def test_emptied_it_leaves_the_override(workspace: Workspace) -> None:
    app = editor_app(workspace, "etl", "fetch")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        editor_field(app, "retry_on").value = ""
        await pilot.pause()
        assert shown(app, "error-retry_on") == ""
        assert shown(app, "layer-retry_on") == "← below*"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.results == [True]
    assert saved_overrides(workspace)["flows"]["etl"]["tasks"]["fetch"] == {"max_retries": 2}


async def test_typed_back_as_it_was_it_is_flagged_again(workspace: Workspace) -> None:
    app = editor_app(workspace, "etl", "fetch")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        field = editor_field(app, "retry_on")
        field.value = "ConnectionError"
        await pilot.pause()
        field.value = "NoSuchError, TimeoutError"
        await pilot.pause()
        assert shown(app, "layer-retry_on") == "← not applied"
        assert shown(app, "error-retry_on").startswith("not applied (")
