"""A run live as ``.flowtop`` is deleted ends on screen, ⚡ Interrupted, saying why: it
went with its store, so `f` and `t` cannot rerun it. The footer offered both, and `f`
said the store "was replaced since", though it was deleted: the rerun's own try had
made a new store there before the words were chosen."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from flowtop.workspace import store_client
from pilot_kit import footer_labels, toasts_said, wait_for

from .test_launch_notes import launching

#: ``hang`` runs until its run is cancelled (its process does, seeing its store deleted).
FLOW = """
    import threading

    from flowtop import Flow, task

    @task
    def hang() -> None:
        threading.Event().wait()

    with Flow("hang") as flow:
        hang()
"""


async def test_a_run_gone_with_its_store_offers_no_rerun_and_says_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "hang.py").write_text(textwrap.dedent(FLOW).lstrip())
    monkeypatch.chdir(tmp_path)  # paths are said from here
    monkeypatch.setattr(store_client, "REAP_EVERY", 0.1)  # the client's look at the file
    async with launching(tmp_path) as (app, pilot):
        app.flow_list.select_flow("hang")
        app.table.focus()
        await pilot.press("r")

        def shown_live() -> bool:
            run = app.store.latest_for("hang")
            return run is not None and run.is_live

        await wait_for(pilot, shown_live, "the run to show live", 30)
        shutil.rmtree(tmp_path / ".flowtop")

        def ended_with_store() -> bool:
            run = app.store.latest_for("hang")
            return run is not None and not run.is_live and "deleted" in run.note

        await wait_for(pilot, ended_with_store, "the run to end with its store", 30)
        await pilot.pause()  # the footer redrawn (the live tick asks)
        offered = footer_labels(app).values()
        assert "Rerun failed" not in offered and "Rerun task" not in offered, offered
        assert "Run" in offered, offered  # what does act: a new run
        with toasts_said(app) as said:
            await pilot.press("f")
            await wait_for(pilot, lambda: any("went with" in s for s in said), "f's word")
        words = next(s for s in said if "went with" in s)
        assert ".flowtop/history.db was deleted since" in words, words
        assert "replaced" not in words, words
        app.shutdown(cancel=True)
