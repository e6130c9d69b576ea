"""The whole promise, in a real terminal: run, watch a retry, fix the file, rerun failed.

Drives ``python -m flowtop`` in tmux exactly as a user would: keys in, the screen read
back with ``capture-pane``. Every wait polls the screen with a timeout; none is a sleep.
"""

from __future__ import annotations

import re
import sys

import pytest

pytestmark = pytest.mark.e2e

#: Its first retry waits 0.8 s, time to read the countdown (the screen is read every
#: 0.05 s, the app paints it every 0.1 s); its second 0.1 s.
BROKEN = """\
from flowtop import Flow, task


@task(max_retries=2, retry_delay=(0.8, 0.1), retry_on=[ConnectionError])
def fetch_prices():
    raise ConnectionError("price API unreachable")


@task
def publish(prices):
    return f"published {prices}"


with Flow("prices") as flow:
    publish(fetch_prices())
"""

FIXED = BROKEN.replace('raise ConnectionError("price API unreachable")', "return [101, 102]")


STATE_SYMBOLS = ("✓", "✗", "⟳", "▶", "…", "⊘", "·")


def row(screen: str, task: str) -> str:
    """The first line showing ``task`` with a state: its table row (the table is on top)."""
    name = re.compile(rf"(?<![\w-]){re.escape(task)}(?![\w-])")
    for line in screen.splitlines():
        if name.search(line) and any(symbol in line for symbol in STATE_SYMBOLS):
            return line
    return ""


def test_run_retry_fail_fix_reload_rerun_failed(tmux, tmp_path):
    flow_file = tmp_path / "prices.py"
    flow_file.write_text(BROKEN, encoding="utf-8")
    tmux.start(
        [sys.executable, "-m", "flowtop", str(tmp_path)],
        cwd=str(tmp_path),
        env={"TERM": "xterm-256color", "COLORTERM": "truecolor"},
    )

    tmux.wait_text("fetch_prices")  # the app is up, the flow loaded
    tmux.keys("r")
    tmux.wait_for(
        lambda s: "⟳ Retry in" in row(s, "fetch_prices"), "a retry countdown on fetch_prices"
    )
    # both rows at once: tmux may be read halfway through the frame that paints them
    screen = tmux.wait_for(
        lambda s: "✗ Failed" in row(s, "fetch_prices") and "⊘ Upstream failed" in row(s, "publish"),
        "fetch_prices to fail, and publish after it",
    )
    assert "3/3" in row(screen, "fetch_prices")  # 1 attempt + 2 retries

    flow_file.write_text(FIXED, encoding="utf-8")
    tmux.wait_text("Reloaded")
    tmux.keys("f")
    tmux.wait_for(  # run #2: a new run, linked to #1
        lambda s: (
            "✓ Completed" in row(s, "fetch_prices")
            and "✓ Completed" in row(s, "publish")
            and "run #2" in s
        ),
        "the rerun to complete fetch_prices and publish",
    )
    # Its end, not just its tasks': q with a live run started here would ask first.
    tmux.wait_for(lambda s: "(rerun of #1)  ✓ Completed" in s, "run #2 to end")

    tmux.keys("q")
    tmux.wait_dead()


def test_o_with_an_editor_that_is_not_installed_keeps_the_app_usable(tmux, tmp_path):
    """Textual resumes a suspended app only when the ``with suspend()`` block ends
    normally: an ``$EDITOR`` that does not exist used to leave a blank screen that read
    no keys. Now the app comes back and says why."""
    quick = BROKEN.replace("retry_delay=(0.8, 0.1)", "retry_delay=0.05")  # no countdown read
    (tmp_path / "prices.py").write_text(quick, encoding="utf-8")
    tmux.start(
        [sys.executable, "-m", "flowtop", str(tmp_path)],
        cwd=str(tmp_path),
        env={"TERM": "xterm-256color", "EDITOR": "no-such-editor-here", "VISUAL": ""},
    )
    tmux.wait_text("fetch_prices")
    tmux.keys("r")
    tmux.wait_for(lambda s: "✗ Failed" in row(s, "fetch_prices"), "fetch_prices to fail")
    tmux.keys("o")
    tmux.wait_text("Cannot run no-such-editor-here")
    tmux.wait_for(lambda s: "✗ Failed" in row(s, "fetch_prices"), "the table back on screen")
    tmux.keys("q")
    tmux.wait_dead()
