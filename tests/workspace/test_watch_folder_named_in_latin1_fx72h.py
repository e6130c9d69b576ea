"""Hot reload works in a folder whose name is not UTF-8 (``lat\\xe9 dir/``, Latin-1).

watchfiles hands its paths to Rust as UTF-8 text: such a folder failed every watch with
"'utf-8' codec can't encode character '\\udce9' … surrogates not allowed" (polling too),
and the monitor said "Hot reload is off" for good. The watcher looks at the files there
every ``POLL_EVERY`` seconds instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from flowtop.workspace import Workspace

FLOW = "from flowtop import Flow\nflow = Flow({name!r})\n"


async def test_a_save_in_a_folder_named_in_latin1_is_reloaded(
    tmp_path: Path, workspace: Callable[..., Workspace]
) -> None:
    folder = Path(os.fsdecode(os.fsencode(tmp_path) + b"/lat\xe9 dir"))
    folder.mkdir()
    (folder / "etl.py").write_text(FLOW.format(name="etl"), encoding="utf-8")
    loaded = workspace(folder)
    assert "etl" in loaded.flows
    stop = asyncio.Event()
    changes = loaded.watch(stop)
    arriving = asyncio.ensure_future(anext(changes))
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20.0
        while loop.time() < deadline and "saved" not in loaded.flows:
            # (saved again until seen: the first save may come before the watch is on)
            (folder / "etl.py").write_text(FLOW.format(name="saved"), encoding="utf-8")
            await asyncio.wait({arriving}, timeout=1.0)
            if arriving.done():
                arriving.result()  # raises what ended the watch
                arriving = asyncio.ensure_future(anext(changes))
        assert "saved" in loaded.flows
    finally:
        stop.set()
        with contextlib.suppress(StopAsyncIteration):
            await asyncio.wait_for(arriving, 5.0)
        await changes.aclose()
