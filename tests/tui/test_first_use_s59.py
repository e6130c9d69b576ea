"""What a new user following README from its first line met in the monitor (review rv395).

- F2: after a *rerun* that did not start (its flow file saved broken, then `f`), the
  footer said `f Run again`, but `f` reran the failed tasks only, reusing what the rerun's
  source completed (README: such a rerun stands for its source): `f Rerun failed`, and
  `t` is offered.
- F3: in a folder with no flow file, at 80x24 the one instruction on screen was cut
  (`…add a .py file that def…`), `s` put `No flow selected` in its place for good, and
  the footer offered `/ Filter  s Sort  ← Flows  a Auto-rerun`, which act on nothing.
- F6: the retry editor counted "1 of 2 calls of extract in run #3" of a run that did
  not start (it made no call): counted in the flow.
- F7: README's ``retry_on = ["ConnectionError", "TooManyRequests"]`` read
  ``ConnectionError, flaky_api.TooManyRequests ← flowtop.toml`` in the editor: shown as
  the file writes it, and saved as before.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Static

from flowtop import Flow, task
from flowtop.engine.events import ErrorInfo, RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.looks import NOT_STARTED
from flowtop.tui.app import FlowtopApp
from flowtop.tui.call_scope import counted_in
from flowtop.tui.model import RunModel
from flowtop.tui.screens import RetryEditor
from flowtop.tui.screens.retry_editor_retry_on import retry_on_as_written
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace, LoadWorkspace
from .snapshot_apps import HostApp

BROKEN = "flows/etl.py:5: SyntaxError: '(' was never closed"


def labels(app: FlowtopApp) -> dict[str, str]:
    entries, _ = app.footer_entries()
    return dict(entries)


def did_not_start(run_id: str, number: int, rerun_of: str | None) -> list[Any]:
    """A run whose process ended before importing its flow file did (its file broken)."""
    return [
        RunStarted(run_id, "demo", number, (), (), (), rerun_of, ts=2.0),
        RunFinished(
            run_id,
            "demo",
            number,
            StateType.FAILED,
            {},
            0.0,
            2.0,
            error=ErrorInfo(NOT_STARTED, BROKEN),
        ),
    ]


# -- F2 ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rerun_of", "f_says", "t_shown"),
    [("r1", "Rerun failed", True), (None, "Run again", False)],
    ids=["a rerun: it stands for its source", "a first run: nothing to reuse"],
)
async def test_after_a_run_that_did_not_start_f_says_what_it_will_do(
    workspace: FakeWorkspace, rerun_of: str | None, f_says: str, t_shown: bool
) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        keys = tuple(app.table.keys)
        app.buffer.append_batch(
            [
                RunStarted("r1", "demo", 1, keys, (1,) * len(keys), ("",) * len(keys), ts=1.0),
                RunFinished("r1", "demo", 1, StateType.FAILED, {}, 0.0, 1.0),
                *did_not_start("r2", 2, rerun_of),
            ]
        )
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.run_id == "r2",
            "the run that did not start, shown",
        )
        await wait_for(pilot, lambda: labels(app).get("f") == f_says, f"f's words: {f_says}")
        assert ("t" in labels(app)) is t_shown, labels(app)
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert f"f {f_says}" in footer, footer


# -- F3 ----------------------------------------------------------------------------------
def header_said(app: FlowtopApp) -> str:
    """The header's lines on screen (right of the flows list), as one, spaces dropped: a
    long folder's name is folded at the header's edge."""
    rows = screen_text(app).splitlines()[: app.header.size.height]
    return "".join("".join(row.partition("▕")[2].split()) for row in rows)


async def test_an_empty_folder_s_hint_fits_at_80x24_stays_and_no_idle_key_is_offered(
    tmp_path: Path,
) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {}))  # watched, as `flowtop` is
    hint = f"No flows found in {tmp_path}: add a .py file that defines a Flow, and it shows"
    hint += " here when saved"
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "No flows found" in str(app.header.render()), "the hint")
        await pilot.pause()
        assert header_said(app) == "".join(hint.split()), screen_text(app)
        footer = screen_text(app).splitlines()[-1]
        for idle in ("/ Filter", "s Sort", "← Flows", "a Auto-rerun"):
            assert idle not in footer, footer
        assert "? Help" in footer and "q Quit" in footer, footer
        await pilot.press("s")  # typed anyway: the hint stays
        await pilot.pause()
        assert header_said(app) == "".join(hint.split()), screen_text(app)
        assert "No flow selected" not in str(app.header.render())


async def test_the_header_is_two_cut_lines_again_once_a_flow_is_listed(
    workspace: FakeWorkspace,
) -> None:
    flows, workspace.flows, errors, workspace.errors = workspace.flows, {}, workspace.errors, {}
    app = FlowtopApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "No flows found" in str(app.header.render()), "the hint")
        await wait_for(pilot, lambda: app.header.size.height > 2, "the hint wrapped")
        workspace.flows, workspace.errors = flows, errors
        app._show_flows()  # (as a reload does: the first flow is selected)
        await wait_for(pilot, lambda: app.selected_flow == "demo", "demo selected")
        await wait_for(pilot, lambda: app.header.size.height == 2, "the header's two lines")
        assert "/ Filter" in screen_text(app).splitlines()[-1]


# -- F6 ----------------------------------------------------------------------------------
def twice_flow() -> Flow:
    """``extract`` called twice (``extract``, ``extract-2``), as etl.py calls it."""

    @task(max_retries=2)
    def extract(path: str) -> str:
        return path

    with Flow("demo") as flow:
        extract("/orders")
        extract("/refunds")
    return flow


def scope_said(editor: RetryEditor) -> str:
    found = editor.query("#scope").results(Static)
    return " ".join(str(line.render()) for line in found if line.display)


async def test_the_editor_counts_the_calls_of_a_run_that_did_not_start_in_the_flow(
    tmp_path: Path,
) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {"demo": twice_flow()}), watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.buffer.append_batch(did_not_start("r3", 3, None))
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.run_id == "r3",
            "the run that did not start, shown",
        )
        await wait_for(pilot, lambda: app.table.keys == ["extract", "extract-2"], "its rows")
        await pilot.press("right")
        assert app.table.move_to("extract")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, RetryEditor), "the retry editor")
        assert isinstance(app.screen, RetryEditor)
        said = scope_said(app.screen)
        assert "1 of 2 calls of extract in the flow:" in said, said
        assert "run #3" not in said, said


def test_calls_are_counted_in_a_run_that_made_them() -> None:
    ran = RunModel("demo", ["extract", "extract-2"], run_id="r1", number=1)
    assert counted_in(ran) == "in run #1"  # (its rows pending: a run under way)
    unstarted = RunModel("demo", [], run_id="r3", number=3)
    unstarted.state = StateType.FAILED
    unstarted.list_unstarted(["extract", "extract-2"])
    assert counted_in(unstarted) == "in the flow"


# -- F7 ----------------------------------------------------------------------------------
ERRS = "class TooManyRequests(Exception):\n    pass\n"
ETL = """\
from errs import TooManyRequests

from flowtop import Flow, task


@task(max_retries=2, retry_on=(ConnectionError, TooManyRequests))
def extract(path: str) -> str:
    return path


with Flow("etl") as flow:
    extract("/orders")
    extract("/refunds")
"""
TOML = """\
[flows."etl".tasks."extract"]
max_retries = 5
retry_on = ["ConnectionError", "TooManyRequests"]   # a builtin, and a class of etl.py above
"""


def field(app: HostApp, name: str) -> str:
    return app.screen.query_one(f"#field-{name}", Input).value


def layer(app: HostApp, name: str) -> str:
    return str(app.screen.query_one(f"#layer-{name}", Static).render())


async def test_retry_on_from_flowtop_toml_reads_as_the_file_writes_it_and_saves_as_before(
    load_workspace: LoadWorkspace,
) -> None:
    workspace = load_workspace({"errs.py": ERRS, "etl.py": ETL, "flowtop.toml": TOML})
    app = HostApp(lambda: RetryEditor(workspace, "etl", "extract"))
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        assert field(app, "retry_on") == "ConnectionError, TooManyRequests"
        assert layer(app, "retry_on") == "← flowtop.toml"
        await pilot.press("ctrl+s")  # nothing typed: nothing written
        await wait_for(pilot, lambda: app.results == [False], "the editor closed")
    assert workspace.override_for("etl", "extract") == {}

    app = HostApp(lambda: RetryEditor(workspace, "etl", "extract"))
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        box = app.screen.query_one("#field-retry_on", Input)
        box.value += ", TimeoutError"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.results == [True], "the save")
    saved = workspace.override_for("etl", "extract")
    assert saved == {"retry_on": ["ConnectionError", "TooManyRequests", "TimeoutError"]}

    workspace.load()  # (as the watcher does after the save)
    app = HostApp(lambda: RetryEditor(workspace, "etl", "extract"))
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        assert field(app, "retry_on") == "ConnectionError, TooManyRequests, TimeoutError"
        assert layer(app, "retry_on") == "← overrides"


def test_retry_on_as_written_by_a_workspace_that_keeps_no_tables(
    load_workspace: LoadWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The monitor's workspace (its flow host reads the tables) keeps none: the file is read."""
    workspace = load_workspace({"errs.py": ERRS, "etl.py": ETL, "flowtop.toml": TOML})
    node = workspace.shapes["etl"].node("extract")
    assert node is not None
    no_tables = replace(workspace.settings, tasks={})
    monkeypatch.setattr(type(workspace), "settings", property(lambda _: no_tables))
    said = retry_on_as_written(workspace, "etl", "extract", node.policy, {})
    assert said == "ConnectionError, TooManyRequests"
    coded = workspace.shapes["etl"].node("extract-2")  # the code's: no file spells it
    assert coded is not None
    assert retry_on_as_written(workspace, "etl", "extract-2", coded.policy, {}) is None
