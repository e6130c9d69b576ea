"""A folder of the workspace this user may not list (another user's database folder,
mode 700) is left unwatched: a watch on it failed the whole watch, and hot reload
stopped for every file of the session ("File watching stopped: Permission denied")."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from flowtop.workspace import Workspace

    async def main():
        root = Path(sys.argv[1])
        ws = Workspace(root)
        ws.load_flows()
        stop = asyncio.Event()
        changes = ws.watch(stop)
        waiting = asyncio.ensure_future(asyncio.wait_for(anext(changes), 10))
        await asyncio.sleep(0.5)
        (root / "etl.py").write_text("from flowtop import Flow\\nflow = Flow('renamed')\\n")
        change = await waiting
        stop.set()
        print(",".join(change.flows))

    asyncio.run(main())
    """
)


def as_a_user_without_dac_override() -> list[str]:
    """Root lists a chmod-000 folder anyway; without these capabilities it cannot."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: every folder is listable")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


def test_hot_reload_goes_on_beside_a_folder_this_user_may_not_list(tmp_path: Path) -> None:
    (tmp_path / "etl.py").write_text("from flowtop import Flow\nflow = Flow('etl')\n")
    locked = tmp_path / "dbdata"
    locked.mkdir()
    locked.chmod(0o000)
    try:
        done = subprocess.run(
            [*as_a_user_without_dac_override(), sys.executable, "-c", SCRIPT, str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        locked.chmod(0o700)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "renamed"
