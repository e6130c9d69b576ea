"""The retry editor's line for a save the flow host could not write says "Not saved" once.

With ``chattr +i .flowtop`` Save said ``Not saved: not saved: cannot write …``, and on a
full tmpfs ``Not saved: not saved: .flowtop: No space left on device``: the host's reply
said "not saved: …" and the editor put its own "Not saved: " before it. Clear override
said ``Could not clear the override: not saved: …``. The host says the reason only now.

The monitor's workspace as ``flowtop`` opens it (a flow host of its own); its save fails
for good because ``.flowtop/overrides.lock`` is a folder (as root too, where a read-only
``.flowtop`` would not stop a write).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flowtop.workspace import RemoteWorkspace
from pilot_kit import wait_for

from .conftest import hosted_folder
from .editor_kit import editor_app, editor_field, shown

FLOW = """\
from flowtop import Flow, task


@task
def extract():
    return 1


with Flow("etl") as flow:
    extract()
"""

SIZE = (120, 36)


@pytest.fixture
def hosted(tmp_path: Path) -> Iterator[RemoteWorkspace]:
    """A workspace whose saves fail: the overrides file's lock cannot be opened."""
    state = tmp_path / ".flowtop"
    state.mkdir(mode=0o700)
    (state / "overrides.toml").write_text(
        "[flows.etl.tasks.extract]\nmax_retries = 3\n", encoding="utf-8"
    )
    (state / "overrides.lock").mkdir()
    with hosted_folder(tmp_path, {"etl.py": FLOW}) as workspace:
        workspace.load()
        assert "etl" in workspace.shapes, workspace.errors
        yield workspace


def said_once(line: str) -> bool:
    return line.lower().count("not saved") == 1


async def test_a_save_the_host_cannot_write_says_not_saved_once(
    hosted: RemoteWorkspace,
) -> None:
    app = editor_app(hosted, "etl", "extract")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: editor_field(app, "max_retries").value == "3", "the form")
        editor_field(app, "max_retries").value = "5"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: shown(app, "form-error"), "the refusal")
        said = shown(app, "form-error")
        assert said.startswith("Not saved: cannot lock "), said
        assert said_once(said), said  # old: "Not saved: not saved: cannot lock …"
        assert said.endswith("overrides.lock: Is a directory"), said
        assert app.results == []  # still open


async def test_a_clear_the_host_cannot_write_says_why_once(hosted: RemoteWorkspace) -> None:
    app = editor_app(hosted, "etl", "extract")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: editor_field(app, "max_retries").value == "3", "the form")
        await pilot.click("#clear")
        await wait_for(pilot, lambda: shown(app, "form-error"), "the refusal")
        said = shown(app, "form-error")
        # old: "Could not clear the override: not saved: cannot lock …"
        assert said.startswith("Could not clear the override: cannot lock "), said
        assert "not saved" not in said.lower(), said
        assert app.results == []
