"""A run's page lists a subflow's own retries as one call, its last run (hs62).

``mom`` called ``kid``, whose first run failed and whose own retry (a run of its own that
reruns the first) completed. The monitor's main screen lists ``✓ kid #2 (retry of #1)``
(``RunModel.subflow_calls``); the run's page on the history screen listed ``kid #1 · ✗
Failed`` beside ``kid #2 · ✓ Completed``, two calls, one of them failed. It says the
call as the main screen does now.
"""

from __future__ import annotations

from pathlib import Path

from commands.test_history_subflow_retries_hs62 import family

from .test_run_page_handled_sb63 import subflows_listed


async def test_a_retried_subflow_call_is_listed_once_as_its_last_run(tmp_path: Path) -> None:
    lines = await subflows_listed(family(tmp_path), rows=24)
    assert "kid #2 (retry of #1) · ✓ Completed" in lines, lines
    assert not any(line.startswith("kid #1") for line in lines), lines
    assert lines.index("kid #2 (retry of #1) · ✓ Completed") > lines.index(
        "region #1 · ✗ Failed"
    ), lines  # the one that failed first, as the monitor lists them (sb63)
