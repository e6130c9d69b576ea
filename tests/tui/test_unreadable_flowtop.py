"""A ``.flowtop`` this user may not read: the monitor says whose it is and what to ask,
in the line the commands say (``workspace/access.py``).

In another user's private ``.flowtop`` the monitor said ``.flowtop/overrides.toml: cannot
read settings: [Errno 13] Permission denied: '…'`` (its load toast and the flows list's
✗ entry, whose pane said to fix the file and save it) and ``Cannot run flows: [Errno 13]
Permission denied: '…/history.db'``, where ``flowtop list`` and ``flowtop run`` say whose
private folder it is and what to ask them. The monitor runs as "another user" in a
process of its own: root without the capabilities that pass over the modes (``setpriv``),
as ``tests/reliability/test_shared_workspace.py`` does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

#: A uid no account has: the owner of a private ``.flowtop``.
ALICE = 60001

FLOW = """
from flowtop import Flow, task

@task
def extract():
    return 1

with Flow("etl") as flow:
    extract()
"""

#: The monitor on the folder it runs in, as ``flowtop`` opens it: what it said in its
#: toasts, and the pane of the flows list's first ✗ entry, as JSON on stdout.
MONITOR = """
import asyncio, json, time
from flowtop.tui.app import FlowtopApp
from flowtop.workspace.remote_workspace import RemoteWorkspace

def text(app):
    lines = app.screen._compositor.render_strips()
    return "\\n".join("".join(s.text for s in line).rstrip() for line in lines)

async def main():
    workspace = RemoteWorkspace(".")
    app = FlowtopApp(workspace, load=True, run_processes=True, watch=False)
    try:
        async with app.run_test(size=(200, 40), notifications=True) as pilot:
            deadline = time.monotonic() + 30
            while app.first_loading or (app.control is None and app.control_error is None):
                assert time.monotonic() < deadline, "the monitor never loaded"
                await pilot.pause(0.05)
            toasts = [str(n.message) for n in app._notifications]
            app.clear_notifications()  # off the pane
            await pilot.press("left", "down")  # the flows list's ✗ entry, under the flow
            while app.selected_error is None:
                assert time.monotonic() < deadline, "the entry was never selected"
                await pilot.pause(0.05)
            await pilot.pause(0.2)
            said = {"toasts": toasts, "screen": text(app)}
            app.shutdown()
    finally:
        workspace.close()
    print(json.dumps(said))

asyncio.run(main())
"""


def another_user() -> tuple[str, ...]:
    if os.geteuid() != 0:
        pytest.skip("the owners below are set with chown, which needs root")
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: every file is readable")
    return (setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner")


def monitor(folder: Path, prefix: tuple[str, ...]) -> dict[str, object]:
    done = subprocess.run(
        [*prefix, sys.executable, "-c", MONITOR],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=90,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_another_user_s_private_flowtop_is_said_as_the_commands_say_it(tmp_path: Path) -> None:
    prefix = another_user()
    (tmp_path / "flow.py").write_text(FLOW)
    state = tmp_path / ".flowtop"
    state.mkdir()
    (state / "history.db").write_bytes(b"")
    for path in (state, state / "history.db"):
        os.chown(path, ALICE, ALICE)
    state.chmod(0o700)
    said = monitor(tmp_path, prefix)
    toasts, screen = said["toasts"], str(said["screen"])
    assert isinstance(toasts, list)
    private = (
        f".flowtop is private to uid {ALICE} (drwx------): ask them to share it with a group "
        "you are in (chmod 2770 .flowtop) or run from a copy of the workspace"
    )
    unread = f".flowtop/overrides.toml is not read (flowtop.toml's settings apply): {private}"
    assert any(str(toast).startswith(unread) for toast in toasts), toasts
    assert f"Cannot run flows: {private}" in toasts, toasts
    assert not any("Errno" in str(toast) for toast in toasts), toasts
    # the ✗ entry's pane: the same line, and no "fix the file and save it"
    right = [line.rpartition("▕")[2] for line in screen.splitlines()]  # right of the list
    pane = " ".join(" ".join(right).split())  # its lines wrap
    assert "✗ overrides.toml cannot be read" in pane, screen
    assert " ".join(unread.split()) in pane, screen
    assert "Errno" not in pane and "Fix the file" not in pane, screen
