"""An editor that saves by deleting the file and writing it anew a moment later.

Deleted, then written back broken 0.3–0.5 s later (two batches of the watch), the file
was reloaded as removed, then as a new broken file: its last good flows were gone from
the monitor (a flow with no runs vanished). A batch that deletes a file now waits a
moment (``DELETED_WAIT``) for the next, and the two reload as one save.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from side_host_kit import BROKEN, collected, loaded, side_folder

from flowtop.workspace import reloads_meanwhile, watcher
from waits import until


def noting_taken(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every path a watch's batch was taken with (``watcher._restamp``), as it is."""
    taken: list[Path] = []
    restamp = watcher._restamp

    def noted(seen: dict[Path, watcher.Stamp], paths: list[Path]) -> None:
        taken.extend(paths)
        restamp(seen, paths)

    monkeypatch.setattr(watcher, "_restamp", noted)
    return taken


async def test_a_file_deleted_then_written_back_broken_keeps_its_flows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reloads_meanwhile, "DELETED_WAIT", 60.0)  # (the write ends it)
    folder = side_folder(tmp_path, monkeypatch)
    etl = folder.etl
    taken = noting_taken(monkeypatch)
    async with loaded(folder) as workspace, collected(workspace, folder.starts) as changes:
        etl.unlink()
        await until(lambda: etl in taken, "the delete's batch taken")
        etl.write_text(BROKEN)  # (a batch of its own: after the delete's was taken)
        await until(lambda: changes, "the save said", timeout=30)
        said = changes[0]
        assert said.paths == (etl,) and not said.removed
        assert "boom" in str(said.errors[0])
        assert workspace.flow_files.get("etl") == etl  # its last good flow, still listed
        assert "etl" in workspace.shapes


async def test_a_file_deleted_for_good_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reloads_meanwhile, "DELETED_WAIT", 0.05)
    folder = side_folder(tmp_path, monkeypatch)
    async with loaded(folder) as workspace, collected(workspace, folder.starts) as changes:
        folder.etl.unlink()
        await until(lambda: changes, "the delete said", timeout=30)
        assert changes[0].removed == ("etl",)
        assert "etl" not in workspace.flow_files
