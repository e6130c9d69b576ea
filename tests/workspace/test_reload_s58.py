"""Hot reload and settings defects found by rv373 (s58): a broken first file of two
defining one flow name, a missing task named among thousands, a misplaced ``retry_on``."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.app import App, ComposeResult

from flowtop.tui.widgets.detail_pane import DetailPane
from flowtop.workspace import RemoteWorkspace, Workspace
from pilot_kit import screen_text

A_FAST = """
from flowtop import Flow, task

@task
def ok():
    return 2

@task
def bang(x):
    return x

with Flow("fast") as flow:
    bang(ok())

other = Flow("other")
other.add_task(ok)
"""

FAST = """
from flowtop import Flow, task

@task
def ok():
    return 1

@task(max_retries=1, retry_delay=3)
def bang(x):
    raise ValueError("bang")

with Flow("fast") as flow:
    bang(ok())
"""

Write = Callable[[str, str], Path]


def state(ws: Workspace | RemoteWorkspace) -> tuple[dict[str, Path], dict[Path, str]]:
    return dict(ws.flow_files), {path: str(error) for path, error in ws.errors.items()}


def test_the_first_file_saved_broken_keeps_the_name_as_a_fresh_load_does(
    write: Write, workspace: Callable[..., Workspace], tmp_path: Path
) -> None:
    """F4: a_fast.py kept ``fast``; saved broken, it keeps it (``name_owners``) in the open
    monitor and in a fresh load (``flowtop list``/``run``) alike. It gave the name up, and
    ``r`` then ran fast.py's code as a run of the flow a_fast.py had (fx70d)."""
    first, second = write("a_fast.py", A_FAST), write("fast.py", FAST)
    ws = workspace()
    assert ws.flow_files == {"fast": first, "other": first}
    refused = "fast.py:11: flow 'fast' is already defined in a_fast.py"
    assert str(ws.errors[second]) == refused
    write("a_fast.py", A_FAST + "def x(:\n")
    ws.reload_paths([first])
    fresh = workspace()
    assert fresh.flow_files == {}  # nothing of a_fast.py loaded, fast.py still refused
    # the monitor lists a_fast.py's flows as they last loaded, as any broken file's
    assert ws.flow_files == {"fast": first, "other": first}
    assert state(ws)[1] == state(fresh)[1]
    assert str(ws.errors[second]) == refused and "SyntaxError" in str(ws.errors[first])
    assert set(ws.flows["fast"].nodes) == {"ok", "bang"}  # a_fast.py's, not fast.py's
    write("a_fast.py", A_FAST)  # fixed: as before
    ws.reload_paths([first])
    assert ws.flow_files == {"fast": first, "other": first}
    assert state(ws) == state(workspace())


def test_the_monitor_keeps_it_too(write: Write, tmp_path: Path) -> None:
    """The TUI's flows come from its flow host: the same answer there."""
    first, second = write("a_fast.py", A_FAST), write("fast.py", FAST)
    remote = RemoteWorkspace(tmp_path)
    try:
        remote.load()
        assert remote.flow_files["fast"] == first
        write("a_fast.py", A_FAST + "def x(:\n")
        remote.reload_paths([first])
        assert remote.flow_files["fast"] == first
        assert "already defined in a_fast.py" in str(remote.errors[second])
        assert str(remote.errors[first]).startswith("a_fast.py:16:")
    finally:
        remote.close()


class PaneApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DetailPane()


async def test_the_refused_file_is_said_to_need_a_rename_not_a_fix(
    write: Write, workspace: Callable[..., Workspace], tmp_path: Path
) -> None:
    """F5: fast.py imported fine; its detail said "Fix the file … it has not loaded yet"."""
    write("a_fast.py", A_FAST)
    second = write("fast.py", FAST)
    error = workspace().errors[second]
    app = PaneApp()
    async with app.run_test(size=(120, 30)) as pilot:
        app.query_one(DetailPane).show_error("fast.py", error, flows_listed=False)
        await pilot.pause()
        text = " ".join(screen_text(app).split())
    assert "flow 'fast' is already defined in a_fast.py" in text
    assert "Rename the flow in this file or in a_fast.py" in text
    assert "loads again on its own when a_fast.py changes, is renamed or is deleted" in text
    assert "Fix the file" not in text


def test_a_missing_task_of_a_big_flow_names_the_closest_few_and_the_count(
    write: Write, workspace: Callable[..., Workspace]
) -> None:
    """F2: every task key was listed (3,000 made one 20,000-character line, and a toast
    that covered half the monitor); the closest few and how many there are say as much."""
    tasks = "".join(f"@task\ndef t{i}(x=None):\n    return {i}\n\n" for i in range(1001))
    chain = "".join(f"    prev = t{i}(prev)\n" for i in range(1, 1001))
    write(
        "zhuge.py",
        f"from flowtop import Flow, task\n\n{tasks}with Flow('huge') as flow:\n"
        f"    prev = t0()\n{chain}",
    )
    write("flowtop.toml", '[flows."huge".tasks."t_0"]\nmax_retries = 1\n')
    said = str(workspace().settings_error)
    assert said.startswith(
        "flowtop.toml:1: [flows.\"huge\".tasks.\"t_0\"]: flow 'huge' has no task 't_0' "
        "(did you mean 't0'?); its tasks: t0, "
    )
    assert said.endswith(", … (1,001 tasks)") and len(said) < 200, said


def test_a_small_flow_still_lists_every_task(
    write: Write, workspace: Callable[..., Workspace]
) -> None:
    write("a_fast.py", A_FAST)
    write("flowtop.toml", '[flows."fast".tasks."bnag"]\nmax_retries = 1\n')
    assert str(workspace().settings_error).endswith(
        "has no task 'bnag' (did you mean 'bang'?); its tasks: ok, bang"
    )


def test_retry_on_in_defaults_is_said_to_be_set_per_task(
    write: Write, workspace: Callable[..., Workspace]
) -> None:
    """F7: it was "unknown key 'retry_on' (did you mean 'retry_delay'?)"."""
    write("a_fast.py", A_FAST)
    write("flowtop.toml", '[defaults]\nretry_on = ["ValueError"]\n')
    assert str(workspace().settings_error) == (
        'flowtop.toml:2: [defaults]: retry_on is set per task: [flows."NAME".tasks."KEY"]'
    )


def test_a_save_writes_through_a_linked_overrides_file(
    write: Write, workspace: Callable[..., Workspace], tmp_path: Path
) -> None:
    """F1: the retry editor's save replaced a symlinked ``.flowtop/overrides.toml`` with a
    plain file; the link's target (a dotfiles copy) never had the new table."""
    write("a_fast.py", A_FAST)
    dotfiles = write("dotfiles/overrides.toml", '[flows."fast".tasks."ok"]\nretry_delay = 0.3\n')
    link = tmp_path / ".flowtop" / "overrides.toml"
    link.parent.mkdir()
    link.symlink_to(dotfiles)
    ws = workspace()
    ws.set_override("fast", "bang", max_retries=2)
    assert link.is_symlink() and link.resolve() == dotfiles
    assert ws.override_for("fast", "bang") == {"max_retries": 2}
    assert ws.override_for("fast", "ok") == {"retry_delay": 0.3}
    saved = dotfiles.read_text()
    assert "[flows.fast.tasks.bang]\nmax_retries = 2" in saved and "retry_delay = 0.3" in saved
    assert [p.name for p in dotfiles.parent.iterdir()] == ["overrides.toml"]  # no temporary
    ws.clear_override("fast", "bang")
    assert link.is_symlink() and "bang" not in dotfiles.read_text()


@pytest.mark.skipif(os.geteuid() != 0, reason="a link of another user's needs root to make")
def test_another_users_link_is_replaced_not_written_through(
    write: Write, workspace: Callable[..., Workspace], tmp_path: Path
) -> None:
    """Any member of a shared ``.flowtop`` may put a link there, to a file of yours: only
    a link of this user's own is written through."""
    write("a_fast.py", A_FAST)
    victim = write("victim.toml", "# keep me\n")
    link = tmp_path / ".flowtop" / "overrides.toml"
    link.parent.mkdir()
    link.symlink_to(victim)
    os.lchown(link, 65534, -1)
    workspace().set_override("fast", "bang", max_retries=2)
    assert victim.read_text() == "# keep me\n"
    assert not link.is_symlink() and "max_retries = 2" in link.read_text()


@pytest.mark.parametrize("table", ["[defaults]", '[flows."fast".tasks."ok"]'])
def test_a_function_option_in_a_settings_file_is_said_to_be_code(
    table: str, write: Write, workspace: Callable[..., Workspace]
) -> None:
    """``retry_predicate = "x"`` was "unknown key (did you mean 'retry_jitter'?)": no
    settings file sets a function."""
    write("a_fast.py", A_FAST)
    write("flowtop.toml", f'{table}\nretry_predicate = "x"\n')
    assert str(workspace().settings_error) == (
        f"flowtop.toml:2: {table}: retry_predicate is a function, given in code "
        "(@task(retry_predicate=...)), not in a settings file"
    )


@pytest.mark.parametrize(
    ("key", "said"),
    [
        ("on_failure", "on_failure is a function, given in code (@task(on_failure=...))"),
        (
            "retry_predicat",
            "unknown key 'retry_predicat' (did you mean 'retry_predicate'?): a function, "
            "given in code",
        ),
        ("retry_dely", "unknown key 'retry_dely' (did you mean 'retry_delay'?); valid keys: "),
    ],
)
def test_a_hook_or_a_near_miss_of_a_function_option_is_said_to_be_code(
    key: str, said: str, write: Write, workspace: Callable[..., Workspace]
) -> None:
    """``on_failure`` read "unknown key", ``retry_predicat`` "did you mean 'retry_delay'?";
    a slip of a key a settings file takes still gets that key."""
    write("a_fast.py", A_FAST)
    write("flowtop.toml", f'[defaults]\n{key} = "x"\n')
    assert str(workspace().settings_error).startswith(f"flowtop.toml:2: [defaults]: {said}")
