"""A runner refused as it is built leaves no owner agent thread behind.

``recorded_runner`` starts the agent first (its parts come together or not at all), but
a ``Runner`` refusing its options (``workers=0``) left the agent's thread running, its
heartbeats going, after the workspace closed.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from flowtop.workspace import Workspace

FLOW = """
from flowtop import Flow, task

@task
def one():
    return 1

with Flow("one") as flow:
    one()
"""


def test_a_refused_runner_leaves_no_owner_thread(tmp_path: Path) -> None:
    (tmp_path / "one.py").write_text(FLOW)
    before = {t.ident for t in threading.enumerate() if t.name == "flowtop-owner"}
    with Workspace(tmp_path) as ws:
        ws.load()
        with pytest.raises(ValueError, match="workers must be an integer from 1"):
            ws.make_runner(workers=0)
    left = [t for t in threading.enumerate() if t.name == "flowtop-owner" and t.ident not in before]
    for thread in left:
        thread.join(2)
    assert not [t for t in left if t.is_alive()]
