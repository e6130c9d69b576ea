"""Quitting the TUI knows the @flow retry of a run started there.

The retry is a new run with an id the TUI never launched: quitting did not ask about it,
and "cancel" left it to run its body once the window was gone.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from pilot_kit import wait_for

from .conftest import wait_until
from .test_flow_retry_pending import ALWAYS_FAILS
from .test_tui_client import client_app, store_runs


async def test_quitting_with_cancel_cancels_the_flow_retry_of_a_run_started_here(
    tmp_path: Path,
) -> None:
    (tmp_path / "pretry.py").write_text(textwrap.dedent(ALWAYS_FAILS))
    async with client_app(tmp_path, "pretry") as (app, pilot):
        await pilot.press("r")
        assert app.control is not None
        await wait_for(
            pilot,
            lambda: app.control.live_started_here() == ["pretry #2"],
            "the waiting retry to count as started here",
            20,
        )
        app.shutdown(cancel=True)  # what quitting with "cancel" does
    ended = {1: "FAILED", 2: "CANCELLED"}  # its process takes the request in a moment
    wait_until(lambda: {r.number: r.state for r in store_runs(tmp_path)} == ended, "the cancel")
    assert (tmp_path / "bodies").read_text() == "ran\n"  # the retry's body never ran
