"""Paths in the monitor's toasts as reached from where flowtop was started: started with
``flowtop flows``, the copied error's file read ``.flowtop/copied/…``, from the flows
folder, and ``cat`` of it said "No such file" (reload and error toasts said
``flows/etl.py:27``, from the start folder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowtop.tui.error_actions import shown_path


def test_a_file_of_the_workspace_is_shown_from_the_folder_flowtop_started_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "flows"
    root.mkdir()
    copied = root / ".flowtop" / "copied" / "etl-load.txt"
    monkeypatch.chdir(tmp_path)
    assert shown_path(copied, root) == "flows/.flowtop/copied/etl-load.txt"
    monkeypatch.chdir(root)
    assert shown_path(copied, root) == ".flowtop/copied/etl-load.txt"


def test_started_elsewhere_it_is_shown_from_the_workspace_else_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "flows"
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert shown_path(root / ".flowtop" / "x.txt", root) == ".flowtop/x.txt"
    outside = tmp_path / "state" / "x.txt"
    assert shown_path(outside, root) == str(outside)
