"""The private tmux server a test starts leaves no socket file behind once killed.

``tmux kill-server`` ends the server but keeps its socket in ``/tmp/tmux-UID``: a suite
run left about fifteen there, a day of runs a hundred.
"""

from __future__ import annotations

import os
import shutil
import uuid

import pytest

from .conftest import Tmux


def test_a_killed_server_leaves_no_socket(tmp_path) -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (.ci/run installs it; apt-get install tmux)")
    server = Tmux(f"flowtop-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    server.start(["sleep", "30"], cwd=str(tmp_path))
    assert server.socket_path().exists()  # where tmux put it
    server.kill()
    assert not server.socket_path().exists()
