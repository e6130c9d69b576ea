"""The retry editor (`e`) on a drop-in Prefect task (session 47).

On ``lookup_customer`` (``retry_jitter_factor=0.5``, a Prefect ``exponential_backoff``,
a ``retry_condition_fn``) it read `Jitter 0 ← builtin`, `Backoff factor none`, `Max delay
no cap (needs a backoff factor)` and `Retry on any exception when max retries is set ←
builtin`; saving Jitter 0.2 and Retry on ConnectionError then added a second jitter and a
type filter on top of the condition without a word (the next run refused a RateLimited
the condition retries: `RateLimited is not in retry_on`).
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, Static

from flowtop.engine import task
from flowtop.engine.states import State
from flowtop.tui.screens import RetryEditor
from flowtop.tui.screens.retry_form import combined_notes
from flowtop.workspace import Workspace
from flowtop.workspace.flow_shapes import FIELDS, PolicyView
from pilot_kit import screen_text, wait_for

from .conftest import LoadWorkspace
from .snapshot_apps import ETL_FILES, HostApp

ENRICH = """\
from prefect import flow, task
from prefect.tasks import exponential_backoff


class RateLimited(Exception):
    pass


def retry_only_transient(task, task_run, state) -> bool:
    try:
        state.result()
    except (ConnectionError, RateLimited):
        return True
    except Exception:
        return False
    return False


@task(retries=4, retry_delay_seconds=exponential_backoff(backoff_factor=1),
      retry_jitter_factor=0.5, retry_condition_fn=retry_only_transient)
def lookup_customer(cid: int) -> dict:
    return {"cid": cid}


@flow
def enrich_customers(ids: list[int] = [1, 2, 3]):
    return [lookup_customer(i) for i in ids]
"""

BOTH_JITTERS = (
    "Both jitters apply: Jitter 0.2 adds 0–20% to each delay, then retry_jitter_factor 0.5 "
    "(task) draws the wait around that, at most ×1.5."
)
BOTH_DECIDE = (
    "Retry on and retry_condition_fn retry_only_transient (task) both decide: a failure is "
    "retried only if it matches retry_on (ConnectionError) and retry_only_transient returns "
    "True."
)


@pytest.fixture
def prefect_workspace(load_workspace: LoadWorkspace) -> Workspace:
    """A loaded workspace in drop-in mode on ``enrich.py`` (the TUI takes a
    ``WorkspaceView``; the in-process ``Workspace`` is one, less its flow-host extras)."""
    return load_workspace(
        {"flowtop.toml": "[workspace]\nprefect_compat = true\n", "enrich.py": ENRICH}
    )


def lookup_view(workspace: Workspace) -> PolicyView:
    node = workspace.shapes["enrich-customers"].node("lookup_customer")
    assert node is not None
    return node.policy


def lines(app: Any) -> list[str]:
    return screen_text(app).splitlines()


def row(app: Any, label: str) -> str:
    """The screen line of the field labelled ``label``."""
    lines = [line for line in screen_text(app).splitlines() if f"█ {label}  " in line]
    assert len(lines) == 1, screen_text(app)
    return lines[0]


# -- the notes, without a terminal -------------------------------------------------------
def test_a_jitter_beside_the_jitter_factor_says_both_apply(prefect_workspace: Any) -> None:
    view = lookup_view(prefect_workspace)
    texts = dict(view.texts)
    assert combined_notes(texts, view) == []  # as the code has it: one jitter, no filter
    assert combined_notes({**texts, "retry_jitter": "0.2"}, view) == [BOTH_JITTERS]
    for wrong in ("", "0", "-1", "x"):  # no jitter, or one the field flags
        assert combined_notes({**texts, "retry_jitter": wrong}, view) == []


def test_a_retry_on_beside_a_condition_says_both_decide(prefect_workspace: Any) -> None:
    view = lookup_view(prefect_workspace)
    texts = dict(view.texts)
    assert combined_notes({**texts, "retry_on": "ConnectionError"}, view) == [BOTH_DECIDE]
    assert combined_notes({**texts, "retry_on": "Connection Error"}, view) == []  # flagged


def test_a_retry_on_beside_a_predicate_says_a_completed_attempt_asks_it_alone() -> None:
    def not_done(state: State) -> bool:
        return bool(state.result != "done")

    view = PolicyView.of(task(lambda: None, max_retries=2, retry_predicate=not_done).policy)
    [(option, name, layer)] = view.deciders()
    assert (option, name.rsplit(".", 1)[-1], layer) == ("retry_predicate", "not_done", "task")
    assert combined_notes({**view.texts, "retry_on": "TimeoutError, OSError"}, view) == [
        f"Retry on and retry_predicate {name} (task) both decide: a failure is retried only "
        f"if {name} returns true and it matches retry_on (TimeoutError, OSError); a completed "
        f"attempt, on {name} alone."
    ]


def test_a_flowtop_task_s_jitter_and_retry_on_combine_with_nothing(
    load_workspace: LoadWorkspace,
) -> None:
    node = load_workspace(ETL_FILES).shapes["etl"].node("fetch_orders")
    assert node is not None
    texts = {**node.policy.texts, "retry_jitter": "0.2", "retry_on": "OSError"}
    assert combined_notes(texts, node.policy) == []


# -- the editor, as a user meets it ------------------------------------------------------
@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_the_editor_shows_the_prefect_task_s_settings_as_flowtop_list_does(
    prefect_workspace: Any, size: tuple[int, int]
) -> None:
    app = HostApp(lambda: RetryEditor(prefect_workspace, "enrich-customers", "lookup_customer"))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        editor = app.screen
        fields = {name: editor.query_one(f"#field-{name}", Input).value for name in FIELDS}
        assert (fields["retry_delay"], fields["backoff_factor"]) == ("1", "2")  # the backoff
        assert fields["retry_jitter"] == "0" and fields["retry_on"] == ""
        for label in ("Delay (s)", "Backoff factor", "Max delay (s)", "Jitter factor"):
            assert row(app, label).rstrip(" █").endswith("← task"), row(app, label)
        assert "no cap (e.g. 60 caps each wait at 60 s)" in row(app, "Max delay (s)")
        assert fields["retry_jitter_factor"] == "0.5"  # a field now: saved to the overrides
        assert row(app, "Jitter").rstrip(" █").endswith("← builtin")  # flowtop's own: unset
        retry_on = row(app, "Retry on")
        assert retry_on.rstrip(" █").endswith("← task"), retry_on
        assert "retry_condition_fn decides (set to filter" in retry_on, retry_on
        assert not editor.query_one("#combined", Static).display


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_typing_a_second_jitter_and_a_type_filter_says_what_save_makes(
    prefect_workspace: Any, size: tuple[int, int]
) -> None:
    app = HostApp(lambda: RetryEditor(prefect_workspace, "enrich-customers", "lookup_customer"))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        # (the second Tab passes the Jitter factor, left as the code set it)
        await pilot.press("tab", "tab", "tab", "tab", *"0.2", "tab", "tab", *"ConnectionError")

        def shown() -> str:  # the dialog's lines as one, as wrapped to its width
            return " ".join(" ".join(line.strip(" █").split()) for line in lines(app))

        await wait_for(pilot, lambda: "returns True." in shown(), "the notes")
        assert " ".join(BOTH_JITTERS.split()) in shown(), shown()
        assert " ".join(BOTH_DECIDE.split()) in shown(), shown()
        text = shown()
        assert "Save" in text and "Cancel" in text  # the buttons stay on screen
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.results == [True], "the save")
    saved = prefect_workspace.override_for("enrich-customers", "lookup_customer")
    assert saved == {"retry_jitter": 0.2, "retry_on": ["ConnectionError"]}
