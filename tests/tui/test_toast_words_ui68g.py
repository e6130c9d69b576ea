"""Three toasts of the monitor that said too little or the wrong thing.

- A settings reload said "Reloaded settings", naming no file (a flow file's reload names
  it: ``Reloaded flows/etl.py (1 flow)``); after an error, ``…; Reloaded settings``, a
  capital after a semicolon; and each Save of the retry editor, after its own ``Saved etl
  / extract to .flowtop/overrides.toml: …``, toasted "Reloaded settings" again: the
  app's own write, reloaded. It names the file now, lower-cased after a semicolon, and
  says nothing of the app's own save (a save made outside the app is still said).
- *Clear override* said the task's settings "come from flowtop.toml and its code again"
  in a folder with no ``flowtop.toml``.
- ``o`` with ``VISUAL=`` (empty) and ``EDITOR=nosuchedit`` said ``Cannot run nosuchedit
  ($VISUAL or $EDITOR)``: it names the variable that gave the command now.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from flow_texts import ETL
from flowtop.engine.flow import Flow, Node
from flowtop.engine.layers import Layer
from flowtop.engine.policy import RetryPolicy
from flowtop.tui.app import FlowtopApp
from flowtop.tui.messages import WorkspaceReloaded
from flowtop.tui.reload_actions import reload_said
from flowtop.tui.screens.retry_editor import RetryEditor
from flowtop.workspace import RemoteWorkspace
from flowtop.workspace.changes import WorkspaceChanged
from flowtop.workspace.load_error import LoadError
from flowtop.workspace.workspace import Workspace
from pilot_kit import toasts_said, wait_for

from .conftest import FakeWorkspace, hosted_folder, run_demo

SIZE = (120, 36)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path``, the current folder: paths are said from it (``display_path``); its
    settings files there (a settings file gone is said removed)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".flowtop").mkdir()
    for name in ("flowtop.toml", ".flowtop/overrides.toml"):
        (tmp_path / name).write_text("")
    return tmp_path


# -- 1: the settings reload's words ----------------------------------------------------


def test_a_settings_reload_names_its_file(here: Path) -> None:
    toml, overrides = here / "flowtop.toml", here / ".flowtop" / "overrides.toml"
    said = WorkspaceChanged(paths=(toml,), settings_changed=True).summary()
    assert said == "Reloaded flowtop.toml"  # old: "Reloaded settings"
    both = WorkspaceChanged(paths=(toml, overrides), settings_changed=True)
    assert both.summary() == "Reloaded flowtop.toml, .flowtop/overrides.toml"
    assert WorkspaceChanged(settings_changed=True).summary() == "Reloaded settings"  # no file


def test_after_an_error_the_reload_is_lower_case(here: Path) -> None:
    toml = here / "flowtop.toml"
    errors = tuple(LoadError(here / f"{n}.py", 1, None, "SyntaxError: bad") for n in "ab")
    change = WorkspaceChanged(paths=(toml,), errors=errors, settings_changed=True)
    # old: "a.py:1: SyntaxError: bad (+1 more error); Reloaded settings"
    assert change.summary() == "a.py:1: SyntaxError: bad (+1 more error); reloaded flowtop.toml"
    modules = WorkspaceChanged(modules=("b.py",), flows=("b",), errors=errors[:1])
    assert modules.summary() == "a.py:1: SyntaxError: bad; reloaded b.py (1 flow)"
    # the monitor's toast, a file new to it: "…; loaded b.py (1 flow)"
    assert reload_said(modules, {}, {}, added=("b.py",))[0].endswith("; loaded b.py (1 flow)")
    # what the monitor joins after the summary: "…; still failing: …"
    still = LoadError(here / "c.py", 2, None, "NameError: x")
    again = WorkspaceChanged(paths=(toml, here / "c.py"), settings_changed=True)
    said, failing = reload_said(again, {"c.py": still}, {"c.py": still})
    assert (said, failing) == (f"Reloaded flowtop.toml; still failing: {still}", True)


def test_the_workspace_says_nothing_of_its_own_save(here: Path) -> None:
    (here / "etl.py").write_text(ETL, encoding="utf-8")
    workspace = Workspace(here)
    try:
        workspace.load()
        workspace.set_override("etl", "extract", max_retries=3)
        overrides = workspace.overrides_path
        own = workspace.reload_paths([overrides])
        assert own.settings_changed  # (the monitor still redraws from it)
        assert own.summary() == ""  # old: "Reloaded settings", after the save's own toast
        workspace.clear_override("etl", "extract")
        assert workspace.reload_paths([overrides]).summary() == ""
        text = '[flows."etl".tasks."extract"]\nmax_retries = 12\n'
        overrides.write_text(text, encoding="utf-8")  # saved outside the app
        said = workspace.reload_paths([overrides]).summary()
        assert said == "Reloaded .flowtop/overrides.toml"
    finally:
        workspace.close()


@pytest.fixture
def hosted(here: Path) -> Iterator[RemoteWorkspace]:
    """A folder of one flow, no ``flowtop.toml``, in a flow host of its own."""
    with hosted_folder(here, {"etl.py": ETL}) as workspace:
        yield workspace


async def reloaded(pilot: object, app: FlowtopApp, hosted: RemoteWorkspace) -> list[str]:
    """What the watcher does after ``overrides.toml`` is saved: the toasts it brought (the
    app's change is applied when the flows list has been redrawn from it)."""
    applied: list[WorkspaceChanged] = []
    apply = app.apply_change

    def noted(change: object) -> None:
        apply(change)  # type: ignore[arg-type]  # (a WorkspaceChanged: posted below)
        applied.append(change)  # type: ignore[arg-type]

    app.apply_change = noted  # type: ignore[method-assign]  # a spy on the one instance
    try:
        with toasts_said(app) as said:
            path = hosted.state_dir / "overrides.toml"
            change = await asyncio.to_thread(hosted.reload_paths, [path])
            app.post_message(WorkspaceReloaded(change))
            await wait_for(pilot, lambda: applied, "the reload to be applied")
    finally:
        app.apply_change = apply  # type: ignore[method-assign]
    return said


async def test_the_editor_s_save_is_said_once_and_a_save_elsewhere_still_is(
    hosted: RemoteWorkspace,
) -> None:
    app = FlowtopApp(hosted, load=True, run_processes=True, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.selected_flow == "etl", "the flow")
        await wait_for(pilot, lambda: app.table.move_to("extract"), "its task")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, RetryEditor), "the editor")
        with toasts_said(app) as saved:
            await pilot.press("ctrl+u", "3", "ctrl+s")
            await wait_for(pilot, lambda: saved, "the editor's toast")
        assert saved[0].startswith("Saved etl / extract to .flowtop/overrides.toml"), saved
        said = await reloaded(pilot, app, hosted)
        assert said == [], said  # old: ["Reloaded settings"], a second toast of the save
        path = hosted.state_dir / "overrides.toml"
        path.write_text('[flows."etl".tasks."extract"]\nmax_retries = 12\n', encoding="utf-8")
        said = await reloaded(pilot, app, hosted)
        assert said == ["Reloaded .flowtop/overrides.toml"], said
        app.shutdown()


# -- 2: Clear override names flowtop.toml only when it has a say -------------------------


async def clear_said(app: FlowtopApp, workspace: FakeWorkspace) -> str:
    """Clear the override of ``demo / flaky`` in the retry editor: the toast it says."""
    workspace.set_override("demo", "flaky", max_retries=5)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert app.table.move_to("flaky")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, RetryEditor), "the editor")
        with toasts_said(app) as said:
            await pilot.click("#clear")
            await wait_for(pilot, lambda: said, "the clear's toast")
    assert ("demo", "flaky") not in workspace.overrides
    return said[0]


async def test_clear_override_without_flowtop_toml_says_the_code(
    workspace: FakeWorkspace,
) -> None:
    said = await clear_said(FlowtopApp(workspace, watch=False), workspace)
    # old: "…: its settings come from flowtop.toml and its code again", with no such file
    assert said == "Cleared the override of demo / flaky: its settings come from its code again"


class WithToml(FakeWorkspace):
    """A workspace whose ``flowtop.toml`` has a table for ``demo / flaky``."""

    def policy_for(self, flow: Flow, node: Node) -> RetryPolicy:
        policy = super().policy_for(flow, node)
        return policy.with_values(Layer.TOML, timeout=9) if node.key == "flaky" else policy


async def test_clear_override_names_flowtop_toml_when_it_sets_the_task(
    workspace: FakeWorkspace,
) -> None:
    toml = WithToml(workspace.root, workspace.flows, workspace.errors)
    said = await clear_said(FlowtopApp(toml, watch=False), toml)
    assert said.endswith(": its settings come from flowtop.toml and its code again"), said


# -- 3: which variable named the editor ------------------------------------------------


class _Nothing:
    """``App.suspend`` as a context that does nothing: a terminal to hand over."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


@pytest.mark.parametrize(
    ("visual", "editor", "named"),
    [("", "nosuchedit", "$EDITOR"), ("nosuchedit", "vi", "$VISUAL")],
)
async def test_o_names_the_variable_that_gave_the_editor(
    workspace: FakeWorkspace,
    monkeypatch: pytest.MonkeyPatch,
    visual: str,
    editor: str,
    named: str,
) -> None:
    monkeypatch.setenv("VISUAL", visual)
    monkeypatch.setenv("EDITOR", editor)
    monkeypatch.setattr(FlowtopApp, "suspend", lambda self: _Nothing())
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_demo(pilot, app)
        assert app.table.move_to("broken")
        with toasts_said(app) as said:
            await pilot.press("o")
            await wait_for(pilot, lambda: said, "o's toast")
    # old: "Cannot run nosuchedit ($VISUAL or $EDITOR): …"
    assert said[0].startswith(f"Cannot run nosuchedit ({named}): No such file or directory; ")
