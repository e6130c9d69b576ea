"""A fix saved while the broken save still hangs at import shows at once.

In the monitor: ``hang.py`` saved with a ``time.sleep`` at import, then the fix saved a
couple of seconds later. The fix waited out the whole ``load_timeout`` (the flow host was
still importing the old version, and a file the host imports was never loaded beside),
then showed with the old version's ``import did not finish`` toast. Now a save of the
file the host is importing drops that import: the host is stopped and the reload asked
again of a fresh one, which imports the files as saved now, said once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from side_host_kit import HANG, QUICK, collected, loaded, noting_beside, side_folder

from waits import until

#: Long: a fix that waited it out would fail the waits below, which are far shorter.
LOAD_TIMEOUT = 120
#: Seconds the fix may take to show (a fresh host's load of three small files).
SHOWN_WITHIN = 30


async def test_a_fix_saved_while_its_broken_save_hangs_shows_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = side_folder(tmp_path, monkeypatch, LOAD_TIMEOUT)
    hang = folder.hang
    hang.write_text(QUICK.replace('"after"', '"h"'))
    async with loaded(folder) as workspace:
        assert workspace.flow_files["h"] == hang
        tried = noting_beside(workspace, monkeypatch)
        async with collected(workspace, folder.starts) as changes:
            hang.write_text(HANG)
            importing = await until(workspace.still_importing, "hang.py's reload to start")
            assert importing[0] == hang
            hang.write_text(QUICK.replace('"after"', '"h2"'))  # the fix, renaming its flow

            await until(lambda: changes, "the fix said", timeout=SHOWN_WITHIN)
            assert tried and tried[0][0] == [hang]  # (it waits for the host, asked again)
            fixed = changes[0]
            assert fixed.paths == (hang,) and fixed.flows == ("h2",)
            assert not fixed.errors and workspace.host_error is None
            assert workspace.flow_files.get("h2") == hang and "h" not in workspace.flow_files
            assert workspace.still_importing() is None

            # Its queued reload (the fix's own save) says nothing again: the next change
            # said is the next file saved.
            after = tmp_path / "z_after.py"
            after.write_text(QUICK)
            await until(lambda: any(after in c.paths for c in changes), "z_after.py loaded")
            assert [c.paths for c in changes] == [(hang,), (after,)]
            assert not any("import did not finish" in str(e) for c in changes for e in c.errors)


async def test_a_second_hanging_save_is_waited_for_as_the_first_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saved again still hanging, the new version's import is the one timed: its error
    comes one ``load_timeout`` after that save, with the host as careful as before."""
    folder = side_folder(tmp_path, monkeypatch, load_timeout=3)
    hang = folder.hang
    async with loaded(folder) as workspace, collected(workspace, folder.starts) as changes:
        hang.write_text(HANG)
        await until(workspace.still_importing, "hang.py's reload to start")
        hang.write_text(HANG + "# saved again\n")
        await until(lambda: changes, "hang.py's error", timeout=SHOWN_WITHIN)
        assert [c.paths for c in changes] == [(hang,)]
        assert "import did not finish in 3 s" in str(changes[0].errors[0])
        assert "import did not finish" in str(workspace.errors[hang])


async def test_a_file_deleted_while_its_save_hangs_is_removed_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deleted, the hanging file's reload went on for its whole ``load_timeout``, and its
    flows then went without a word (``No flow changed (hang.py)``, twice)."""
    folder = side_folder(tmp_path, monkeypatch, LOAD_TIMEOUT)
    hang = folder.hang
    hang.write_text(QUICK.replace('"after"', '"h"'))
    async with loaded(folder) as workspace, collected(workspace, folder.starts) as changes:
        hang.write_text(HANG)
        await until(workspace.still_importing, "hang.py's reload to start")
        hang.unlink()
        await until(lambda: changes, "the delete said", timeout=SHOWN_WITHIN)
        assert changes[0].removed == ("h",) and not changes[0].errors
        assert "h" not in workspace.flow_files and hang not in workspace.errors
        after = tmp_path / "z_after.py"
        after.write_text(QUICK)
        await until(lambda: any(after in c.paths for c in changes), "z_after.py loaded")
        assert [c.paths for c in changes if c] == [(hang,), (after,)]
