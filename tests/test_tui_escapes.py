"""The TUI shows user-made names (retry_on classes, retry_delay functions) with their
control characters visible, never sent raw to the terminal (issue 16 #10)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from pilot_kit import screen_text, wait_for

ESCAPES = """
    from flowtop import Flow, task

    Boom = type("Boom\\x1b]0;PWNED-TITLE\\x07", (Exception,), {})


    def wait(attempt):
        return 0.01


    wait.__qualname__ = "wait\\x1b[2J"


    @task(retry_on=[Boom], max_retries=1, retry_delay=wait)
    def explode():
        raise Boom("bad\\x1b[31m message")


    with Flow("evil") as flow:
        explode()
"""

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


async def test_policy_names_from_user_code_reach_the_screen_printable(tmp_path: Path) -> None:
    from flowtop.tui.app import FlowtopApp
    from flowtop.workspace import Workspace

    (tmp_path / "evil.py").write_text(textwrap.dedent(ESCAPES))
    workspace = Workspace(tmp_path)
    workspace.load()
    assert not workspace.errors, workspace.errors
    app = FlowtopApp(workspace, watch=False)
    try:
        async with app.run_test(size=(160, 40), notifications=True) as pilot:
            await pilot.pause()
            await wait_for(pilot, lambda: "explode" in screen_text(app), "the task row")
            before_run = screen_text(app)
            assert not CONTROL.search(before_run), before_run
            assert "Boom␛]0;PWNED-TITLE␇" in before_run  # the policy, before any run
            await pilot.press("r")

            def ended() -> bool:
                run = app.store.latest_for("evil")
                return run is not None and run.state.value == "FAILED"

            await wait_for(pilot, ended, "the run to fail")
            await pilot.pause()
            after_run = screen_text(app)
            assert not CONTROL.search(after_run), after_run
            assert "wait␛[2J" in after_run
            assert not any(CONTROL.search(str(n.message)) for n in app._notifications)
            await pilot.press("e")  # the retry editor starts with retry_on's names in a field
            await wait_for(pilot, lambda: "Retry settings" in screen_text(app), "the editor")
            editor = screen_text(app)
            assert "Boom␛]0;PWNED-TITLE␇" in editor and not CONTROL.search(editor), editor
    finally:
        workspace.close()


async def test_a_broken_file_s_name_reaches_the_flows_list_printable(tmp_path: Path) -> None:
    """The ✗ row of a file that failed to load wrote its name raw: a file called
    `ev\x1b]0;TITLE\x07il.py` retitled the window (and one with a byte 0x9b, not UTF-8,
    began an 8-bit escape), and one called `two\nlines.py` took two rows."""
    import os

    from flowtop.tui.app import FlowtopApp
    from flowtop.workspace import Workspace

    (tmp_path / "ev\x1b]0;TITLE\x07il.py").write_text("import flowtop\nraise RuntimeError('bad')\n")
    os.close(os.open(os.fsencode(tmp_path) + b"/g\x9b2J.py", os.O_CREAT | os.O_WRONLY))
    (tmp_path / "two\nlines.py").write_text("import flowtop\nraise RuntimeError('bad')\n")
    workspace = Workspace(tmp_path)
    workspace.load()
    app = FlowtopApp(workspace, watch=False)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            text = screen_text(app)
            assert "✗ ev␛]0;TITLE␇il.py" in text, text
            assert "✗ two␊lines.py" in text, text
            assert not CONTROL.search(text) and "\udc9b" not in text, text
    finally:
        workspace.close()
