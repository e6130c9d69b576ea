"""``.flowtop`` opened up again (``chmod 700`` after a ``chmod 000``) has the watch read
its settings file again.

The monitor read ``.flowtop/overrides.toml`` while the folder was closed (an error it
showed), and nothing read it again once it was opened: a ``chmod`` changes no file in
it, so no save arrived; the flows list kept the error and POLICY the old values, while a
run process read the file right. The folder's own change now reloads the file. (Run as
root, the closed folder itself cannot be shown here: root reads it anyway.)
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from waits import WatchStarts

FLOW = "from flowtop import Flow\nflow = Flow('etl')\n"


async def _next(changes: AsyncIterator[Any], seconds: float = 5.0) -> Any:
    return await asyncio.wait_for(anext(changes), seconds)


async def test_a_change_to_the_state_folder_itself_reads_its_settings_again(
    write: Callable[..., Path], workspace: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    write("etl.py", FLOW)
    overrides = write(".flowtop/overrides.toml", '[flows."etl".tasks."t"]\ntimeout = 3\n')
    ws = workspace()
    starts = WatchStarts(monkeypatch)
    stop = asyncio.Event()
    changes = ws.watch(stop)
    watching = asyncio.ensure_future(_next(changes))
    await starts.on(1, watching)  # the watch is on before the chmod
    state = overrides.parent
    os.chmod(state, 0o700 if (state.stat().st_mode & 0o777) != 0o700 else 0o755)
    change = await watching
    while overrides not in change.paths:  # (a late event of the first writes may come first)
        change = await _next(changes)
    assert ws.override_for("etl", "t") == {"timeout": 3}
    stop.set()
    await changes.aclose()
