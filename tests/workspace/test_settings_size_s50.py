"""A settings file past a megabyte is refused by its size, its read stopped there: a 300 MB
``flowtop.toml`` (sparse, a slip of ``truncate``) was read whole by the workspace, the
flow host's first wait and a task's ``settings_table``, 640 MB of memory each, before
it was refused as invalid TOML."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flowtop.code_settings import settings_table
from flowtop.workspace import Workspace
from flowtop.workspace.settings_state import MAX_SETTINGS_BYTES, settings_text


def too_big(folder: Path) -> Path:
    path = folder / "flowtop.toml"
    path.write_text("[defaults]\nmax_retries = 2\n")
    os.truncate(path, 300 * 1024 * 1024)  # sparse: no disk used
    return path


def test_a_settings_file_past_the_limit_is_refused_by_its_size(tmp_path: Path) -> None:
    path = too_big(tmp_path)
    with pytest.raises(
        OSError,
        match=r"it is 314,572,800 bytes \(300 MB\); a settings file is at most 1,048,576 bytes",
    ):
        settings_text(path)
    with pytest.raises(ValueError, match=r"flowtop\.toml: it is 314,572,800 bytes"):
        settings_table("defaults", tmp_path / ".flowtop")


def test_the_workspace_says_why_and_keeps_its_defaults(tmp_path: Path) -> None:
    too_big(tmp_path)
    ws = Workspace(tmp_path)
    try:
        ws.load()
        assert "cannot read settings: it is 314,572,800 bytes (300 MB)" in str(ws.settings_error)
    finally:
        ws.close()


def test_a_file_at_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "flowtop.toml"
    path.write_text("# " + "x" * (MAX_SETTINGS_BYTES - 3) + "\n")
    assert len(settings_text(path)) == MAX_SETTINGS_BYTES
