"""The retry editor (`e`) after a refused save, and what its fields write.

- A Save refused over an ``overrides.toml`` with an error said ``Not saved: … fix or
  delete it first``, and kept saying it once the file was fixed (Save then wrote fine);
  the "Not in use" line gone, every field got a blank row under it, and at 120×36 the
  last fields went out of view.
- The delay note said ``Save writes it whole: 0.123s`` while 0.123456789123 was written.
- A ``retry_on`` name typed twice was written twice.
- ``[1, 5]`` in Delay read ``delay #1 must be a number, got '[1'``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from textual.widgets import Button

from flowtop.engine.delays import ExponentialBackoff
from flowtop.tui.screens.retry_form import parse_delays, read_form, written_delay
from flowtop.workspace import Workspace
from flowtop.workspace.flow_shapes import FIELDS

from .conftest import LoadWorkspace
from .editor_kit import editor_app, editor_field, saved_overrides, shown

FLOW = """\
from flowtop import Flow, task


@task(max_retries=4)
def extract():
    return 1


with Flow("etl") as flow:
    extract()
"""

GOOD = "[flows.etl.tasks.extract]\nmax_retries = 6\n"
BROKEN = '[flows.etl.tasks.extract]\nmax_retries = 6\nretry_delay = "5s"\n'


@pytest.fixture
def workspace(tmp_path: Path, load_workspace: LoadWorkspace) -> Workspace:
    (tmp_path / ".flowtop").mkdir(mode=0o700)
    (tmp_path / ".flowtop" / "overrides.toml").write_text(GOOD, encoding="utf-8")
    return load_workspace({"etl.py": FLOW})


def saved_as(workspace: Workspace, text: str) -> None:
    """What a text editor's save does, and the watcher's reload after it."""
    workspace.overrides_path.write_text(text, encoding="utf-8")
    workspace.reload_paths([workspace.overrides_path])


def all_in_view(app) -> bool:
    """Every field and the Save button shown whole, the fields not scrolled."""
    fields = app.screen.query_one("#fields")
    save = app.screen.query_one("#save", Button)
    return fields.max_scroll_y == 0 and save.region.height > 0


async def test_a_refusal_goes_once_the_file_is_fixed_and_the_fields_stay_in_view(
    workspace: Workspace,
) -> None:
    saved_as(workspace, BROKEN)
    app = editor_app(workspace, "etl", "extract")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        editor_field(app, "max_retries").value = "2"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert shown(app, "form-error").endswith("fix or delete it first")
        assert all_in_view(app)

        saved_as(workspace, GOOD)  # fixed from outside
        app.screen.settings_reloaded()  # (what the app does after the watcher's reload)
        await pilot.pause()
        assert shown(app, "not-in-use") == ""
        assert shown(app, "form-error") == ""  # old: "Not saved: … fix or delete it first"
        assert app.screen.has_class("-dense")  # old: a blank row back under every field
        assert all_in_view(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.results == [True]
    assert saved_overrides(workspace)["flows"]["etl"]["tasks"]["extract"]["max_retries"] == 2


async def test_a_refusal_stays_while_the_file_still_fails(workspace: Workspace) -> None:
    saved_as(workspace, BROKEN)
    app = editor_app(workspace, "etl", "extract")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        editor_field(app, "max_retries").value = "2"
        await pilot.press("ctrl+s")
        await pilot.pause()
        saved_as(workspace, BROKEN.replace("6", "7"))  # saved again, still broken
        app.screen.settings_reloaded()
        await pilot.pause()
        assert shown(app, "form-error").endswith("fix or delete it first")


async def test_the_delay_note_says_the_delay_as_it_is_written(workspace: Workspace) -> None:
    app = editor_app(workspace, "etl", "extract")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        editor_field(app, "retry_delay").value = "0.123456789123"
        editor_field(app, "backoff_factor").value = "2"
        editor_field(app, "max_delay").value = "0.1"
        await pilot.pause()
        note = shown(app, "combined")
        assert "Every wait is 0.1s: Max delay 0.1s is not above the first wait " in note
        assert "(Delay 0.123456789123s)" in note
        editor_field(app, "backoff_factor").value = ""
        editor_field(app, "max_delay").value = ""
        await pilot.pause()
        assert "Save writes it whole: 0.123456789123s, no backoff factor" in shown(app, "combined")
        await pilot.press("ctrl+s")
        await pilot.pause()
    written = tomllib.loads(workspace.overrides_path.read_text(encoding="utf-8"))
    assert written["flows"]["etl"]["tasks"]["extract"]["retry_delay"] == 0.123456789123


def test_what_save_writes_is_said_with_every_number_whole() -> None:
    assert written_delay(ExponentialBackoff(0.123456789123, 2.5, 90)) == (
        "backoff 0.123456789123s×2.5^(n-1), max 90s"  # old: 0.123s×2.5^(n-1), max 1m30s
    )
    assert written_delay((1, 0.000012345)) == "[1s, 1.2345e-05s]"


def blank() -> dict[str, str]:
    return dict.fromkeys(FIELDS, "")


def test_a_retry_on_name_typed_twice_is_written_once() -> None:
    texts = {**blank(), "retry_on": "ConnectionError, TimeoutError,ConnectionError"}
    assert read_form(texts, blank()).values == {"retry_on": ["ConnectionError", "TimeoutError"]}


@pytest.mark.parametrize(
    ("typed", "value"),
    [("[1, 5]", [1, 5]), ("[1,5]", [1, 5]), (" [ 2.5 ] ", [2.5]), ("1, 5", [1, 5]), ("3", 3)],
)
def test_a_delay_list_may_be_typed_in_brackets(typed: str, value: object) -> None:
    assert parse_delays(typed) == value


@pytest.mark.parametrize("typed", ["[1, 5", "1, 5]", "[[1, 5]]", "[]"])
def test_a_bracket_out_of_place_says_how_a_list_is_written(typed: str) -> None:
    with pytest.raises(ValueError, match=r"a list of delays is written 1, 5 or \[1, 5\]"):
        parse_delays(typed)
