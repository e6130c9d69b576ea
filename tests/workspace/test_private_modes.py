"""A file flowtop makes in a shared ``.flowtop`` that cannot be given the folder's group
(the user is not in it, and the folder has no setgid bit) is kept private, with a warning:
it was left with the group's bits open to the user's own group instead, shared with no one
the owner chose."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from flowtop.workspace import private
from flowtop.workspace.private import private_file, private_folder

OTHER_GROUP = 60001  # no account: a group the user is not in


def refused(*args: object) -> None:
    raise PermissionError(1, "Operation not permitted")


@pytest.mark.skipif(os.geteuid() != 0, reason="gives the folder a group only root may give")
def test_what_cannot_take_the_shared_group_stays_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    shared = tmp_path / ".flowtop"
    shared.mkdir()
    os.chown(shared, -1, OTHER_GROUP)
    shared.chmod(0o770)  # shared with the group, without the setgid bit
    monkeypatch.setattr(private.os, "chown", refused)
    monkeypatch.setattr(private.os, "fchown", refused)
    with caplog.at_level(logging.WARNING, logger="flowtop.store"):
        made = private_file(shared / "limits.db")
        folder = private_folder(shared / "logs")
    assert stat.S_IMODE(os.stat(made).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert f"not shared with group gid {OTHER_GROUP}, which you are not in" in caplog.text
