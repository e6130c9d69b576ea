"""Security review 45: writes through links planted in a shared ``.flowtop``, and user
text reaching the terminal raw.

A ``.flowtop`` shared with a group (``chmod 2770``, README "What is safe to share") is a
folder every member writes in: one of them may put a symbolic link where flowtop writes
as you (``y``'s error report, a lock, a run's log or parameters), pointing at a file of
yours (``~/.ssh/authorized_keys``). flowtop must never write through it. Links work as
root too, so these run anywhere, in ``tmp_path``.

And what user code writes reaches the terminal printable: a ``@flow`` body's prints and
log lines under ``flowtop run``, the TUI's "No flows found" header (file names), the Run
form's annotations.
"""

from __future__ import annotations

import os
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import pytest

from flowtop.tui.error_actions import ErrorActions
from flowtop.workspace import params_file
from flowtop.workspace.overrides import locked
from flowtop.workspace.private import FolderError, private_file
from pilot_kit import wait_for

from .conftest import flowtop, tui

#: What an escape does on a terminal: OSC 52 sets the clipboard, OSC 8 a link, CSI 2J
#: clears the screen, U+009B is the one-byte CSI.
ESCAPES = "\x1b]52;c;ZXZpbA==\x07\x1b]8;;http://evil\x1b\\L\x1b]8;;\x1b\\\x1b[2J\x9b31mX"
ATTACKER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIattacker attacker@evil"


def shared_state(tmp_path: Path) -> Path:
    """A workspace's ``.flowtop``, shared with a group as the README says."""
    state = tmp_path / "ws" / ".flowtop"
    state.mkdir(parents=True)
    os.chmod(state, 0o2770)
    return state


def copy_error(state: Path) -> list[str]:
    """Press ``y`` on task ``boom`` of flow ``victimflow``, whose error message holds an
    attacker's key line; returns the toasts."""
    error = types.SimpleNamespace(type="ValueError", message=f"x\n{ATTACKER_KEY}", traceback="")
    row = types.SimpleNamespace(key="boom", error=error)
    said: list[str] = []
    app: Any = types.SimpleNamespace(
        selected_flow="victimflow",
        workspace=types.SimpleNamespace(state_dir=state, root=state.parent),
        _selected_row=lambda: row,
        _no_flow_said=lambda: False,  # (a flow is selected)
        copy_to_clipboard=lambda text: None,
        notify=lambda message, **options: said.append(message),
    )
    app._error_row = lambda verb, doing: ErrorActions._error_row(app, verb, doing)
    ErrorActions.action_copy_error(app)
    return said


@pytest.mark.parametrize("existing", [False, True], ids=["dangling", "to-a-file"])
def test_copy_error_replaces_a_planted_link_instead_of_writing_through_it(
    tmp_path: Path, existing: bool
) -> None:
    """A dangling link created its target with the report (an attacker's key line in
    ``authorized_keys``); a link to a file overwrote it."""
    state = shared_state(tmp_path)
    victim = tmp_path / "home" / ".ssh" / "authorized_keys"
    victim.parent.mkdir(parents=True)
    if existing:
        victim.write_text("ssh-ed25519 AAAA mine\n")
    (state / "copied").mkdir()
    planted = state / "copied" / "victimflow-boom.txt"
    planted.symlink_to(victim)
    said = copy_error(state)
    assert said and "also in" in said[-1], said
    if existing:
        assert victim.read_text() == "ssh-ed25519 AAAA mine\n"
    else:
        assert not victim.exists()
    assert not planted.is_symlink() and ATTACKER_KEY in planted.read_text()
    assert (planted.stat().st_mode & 0o777) == 0o600  # the user's own copy
    assert [p.name for p in planted.parent.iterdir()] == [planted.name]  # no temporary left


def test_copy_error_refuses_a_copied_folder_that_is_a_link(tmp_path: Path) -> None:
    """``copied`` itself made a link to a folder of the victim's: nothing is written
    there, and the toast says why."""
    state = shared_state(tmp_path)
    elsewhere = tmp_path / "home" / ".ssh"
    elsewhere.mkdir(parents=True)
    (state / "copied").symlink_to(elsewhere)
    said = copy_error(state)
    assert list(elsewhere.iterdir()) == []
    assert "is a symbolic link" in said[-1], said


def test_the_overrides_lock_is_not_opened_through_a_link(tmp_path: Path) -> None:
    """Opening the lock to append created a dangling link's target, as the user."""
    state = shared_state(tmp_path)
    victim = tmp_path / "home" / ".hushlogin"
    victim.parent.mkdir()
    lock = state / ".overrides.lock"
    lock.symlink_to(victim)
    with pytest.raises(FolderError, match="is a symbolic link"), locked(lock):
        pass
    assert not victim.exists()


def test_a_link_planted_after_the_file_was_made_is_not_written_through(tmp_path: Path) -> None:
    """The launcher makes a run's parameters file, then writes it: a member of the group
    who swapped it for a link meanwhile (the folder is theirs to write in) had the
    parameters written through it."""
    state = shared_state(tmp_path)
    handed = private_file(state / "logs" / "abc.params.json")
    victim = tmp_path / "victim.txt"
    handed.unlink()
    handed.symlink_to(victim)
    with pytest.raises(FolderError, match="is a symbolic link"):
        params_file.put(handed, '{"token": "secret"}')
    assert not victim.exists()


def test_a_runs_log_is_not_written_through_a_planted_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TUI's launcher opened ``logs/<run id>.log`` to write (truncating) through a
    link at that name: the run's output replaced the file it pointed at."""
    from flowtop.workspace import launcher

    state = shared_state(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("mine\n")
    (state / "logs").mkdir()
    (state / "logs" / "0123456789ab.log").symlink_to(victim)
    monkeypatch.setattr(launcher, "new_run_id", lambda: "0123456789ab")  # as if foreseen
    with pytest.raises(FolderError, match="is a symbolic link"):
        launcher.launch(tmp_path / "ws" / "f.py", "f", state_dir=state)
    assert victim.read_text() == "mine\n"


def test_private_file_says_a_link_is_in_its_place(tmp_path: Path) -> None:
    """Before SQLite opens a store, a link at its name is refused, saying where."""
    state = shared_state(tmp_path)
    victim = tmp_path / "victim.db"
    victim.write_bytes(b"")
    (state / "slots.db").symlink_to(victim)
    with pytest.raises(FolderError, match=r"slots\.db is a symbolic link"):
        private_file(state / "slots.db")


def escape_free(text: str) -> bool:
    return "\x1b" not in text and "\x9b" not in text and "\x07" not in text


def test_a_flow_bodys_prints_and_logs_reach_flowtop_runs_terminal_printable(
    tmp_path: Path,
) -> None:
    """Its tasks' output was printable already; the body's own went out raw (the
    clipboard set, the screen cleared). A progress bar's carriage return and a tab stay."""
    (tmp_path / "evil.py").write_text(
        textwrap.dedent(
            f"""
            import logging, sys
            from flowtop import flow

            E = {ESCAPES!r}

            @flow(name="evil")
            def evil() -> None:
                print("print" + E)
                print("bar 1\\rbar 2\\tdone")
                sys.stdout.buffer.write(("bytes" + E + "\\n").encode())
                logging.getLogger("x").warning("log" + E)
            """
        )
    )
    done = flowtop("run", "evil.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert escape_free(done.stdout) and escape_free(done.stderr), (done.stdout, done.stderr)
    assert "print␛]52;c;ZXZpbA==␇" in done.stdout
    assert "bytes␛]52" in done.stdout and "log␛]52" in done.stderr
    # (read as text, the carriage return came as a newline: not made "␍")
    assert "bar 1\nbar 2\tdone\n" in done.stdout and "␍" not in done.stdout


def test_a_plain_scripts_flow_body_writes_as_python_would(tmp_path: Path) -> None:
    """No flowtop command runs it: its output is the script's own, left as it is."""
    (tmp_path / "script.py").write_text(
        "from flowtop import flow\n"
        "@flow(name='plain')\n"
        "def plain() -> None:\n"
        "    print('\\x1b[32mgreen\\x1b[0m')\n"
        "plain()\n"
    )
    done = subprocess_run([sys.executable, "script.py"], tmp_path)
    assert "\x1b[32mgreen\x1b[0m\n" in done


def subprocess_run(command: list[str], cwd: Path) -> str:
    import subprocess

    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=30, check=True
    ).stdout


async def test_no_flows_found_shows_the_folder_and_file_names_printable(tmp_path: Path) -> None:
    """The header named the folder and a Prefect file whose names hold escapes raw."""
    from flowtop.tui.app import FlowtopApp
    from tui.conftest import FakeWorkspace  # as the flow host reports such a folder

    root = tmp_path / "dir\x1b]52;c;RElS\x07\x1b[2JX"
    root.mkdir()
    workspace = FakeWorkspace(root, {})
    workspace.unread_prefect = ["p\x1b]52;c;UFJFRg==\x07\x1b[2J\n.py"]
    app = FlowtopApp(workspace)
    async with app.run_test(size=(200, 40)) as pilot:
        await wait_for(pilot, lambda: "No flows found" in str(app.header.render()), "the header")
        said = str(app.header.render())
        assert escape_free(said) and "\n" not in said, said
        assert "dir␛]52;c;RElS␇␛[2JX: p␛]52;c;UFJFRg==␇␛[2J␊.py imports prefect" in said, said


async def test_the_run_form_shows_a_string_annotation_printable(tmp_path: Path) -> None:
    """``R`` on a flow whose parameter is annotated with a string holding escapes."""
    from textual.widgets import Static

    from flowtop.tui.screens.run_form import RunForm

    (tmp_path / "ann.py").write_text(
        "from flowtop import flow\n"
        "@flow(name='ann')\n"
        f"def ann(x: {('int' + ESCAPES)!r} = 1) -> None:\n"
        "    pass\n"
    )
    async with tui(tmp_path, watch=False) as (app, pilot):
        app.flow_list.select_flow("ann")
        await wait_for(pilot, lambda: app.selected_flow == "ann", "flow ann to be selected")
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RunForm), "the run form")
        kinds = [str(w.render()) for w in app.screen.query(".kind").results(Static)]
        assert kinds and all(escape_free(kind) for kind in kinds), kinds
        assert any(kind.startswith("int␛]52") for kind in kinds), kinds
        await pilot.press("escape")
