"""Three saves during a hanging import that waited out ``load_timeout`` (or two).

A helper deleted while its importer hung in the first load (``useit.py`` doing ``import
helper``, ``helper.py`` sleeping) kept the load going its whole ``load_timeout``, then
said ``No flow changed (helper.py)``; deleted while a reload hung on it, alike. A flow
file renamed while it hung (``mv ren.py renamed.py``) was imported by the fresh host,
then once more: the first load's watch, or the rename's queued reload, reloaded it
(a second timeout for one rename). A fix renaming a hung file's flow said no
``removed flow thirdfix``. Now a deleted helper drops the import, a renamed file is
imported once, and the fix says what a plain save of it says.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from side_host_kit import QUICK, collected, loaded, side_folder

from flowtop.workspace import RemoteWorkspace
from waits import until

#: Long: a save that waited it out would fail the waits below, which are far shorter.
LOAD_TIMEOUT = 120
#: Seconds a save may take to show (a fresh host's load of a few small files).
SHOWN_WITHIN = 30
#: Never done importing, once it noted beside itself that it is (``hanging.flag``).
HANGING_HELPER = """
import pathlib
import time

pathlib.Path(__file__).with_name("hanging.flag").touch()
time.sleep(10**9)
"""
#: A flow file importing ``helper.py``.
IMPORTER = "import helper\n" + QUICK.replace('"after"', '"useit"')
#: Notes each import of it in ``imports.log`` (not a file the watch reloads), then
#: imports until ``go.flag`` exists.
GATED = """
import pathlib
import time

from flowtop import Flow, task

here = pathlib.Path(__file__)
with open(here.with_name("imports.log"), "a") as log:
    log.write(here.name + "\\n")
while not here.with_name("go.flag").exists():
    time.sleep(0.02)


@task
def one():
    return 1


with Flow("ren") as flow:
    one()
"""
#: ``hang.py`` with its flow named ``name``.
NAMED = QUICK.replace('"after"', '"{name}"')


def imports(folder: Path) -> list[str]:
    """The files of ``folder`` whose ``GATED`` import began, each time, in order."""
    log = folder / "imports.log"
    return log.read_text().split() if log.exists() else []


async def test_a_helper_deleted_while_the_first_load_hangs_on_it_drops_that_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = side_folder(tmp_path, monkeypatch, LOAD_TIMEOUT)
    importer, helper = tmp_path / "useit.py", tmp_path / "helper.py"
    importer.write_text(IMPORTER)
    helper.write_text(HANGING_HELPER)
    with RemoteWorkspace(folder.root) as workspace:
        load = asyncio.ensure_future(asyncio.to_thread(workspace.load))
        try:
            await until(lambda: (tmp_path / "hanging.flag").exists(), "helper.py to hang")
            await until(workspace.still_importing, "useit.py said importing")
            helper.unlink()
            await asyncio.wait_for(asyncio.shield(load), SHOWN_WITHIN)
        finally:
            if not load.done():
                workspace.stop_loading()  # (the test failed: the load ends at once)
                await asyncio.wait({load})
        assert "No module named 'helper'" in str(workspace.errors[importer])
        assert "etl" in workspace.flow_files and workspace.host_error is None

        # The watch has the deletion as loaded: it says no "No flow changed (helper.py)".
        async with collected(workspace, folder.starts):
            assert folder.starts.missed == [[]]


async def test_a_helper_deleted_while_a_reload_hangs_on_it_drops_that_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = side_folder(tmp_path, monkeypatch, LOAD_TIMEOUT)
    importer, helper = tmp_path / "useit.py", tmp_path / "helper.py"
    importer.write_text(IMPORTER)
    helper.write_text("x = 1\n")
    async with loaded(folder) as workspace, collected(workspace, folder.starts) as changes:
        assert workspace.flow_files["useit"] == importer
        helper.write_text(HANGING_HELPER)
        await until(lambda: (tmp_path / "hanging.flag").exists(), "helper.py to hang")
        await until(workspace.still_importing, "useit.py said importing")
        helper.unlink()

        await until(lambda: changes, "the deletion said", timeout=SHOWN_WITHIN)
        assert [c.paths for c in changes] == [(helper,)]
        assert [e.path for e in changes[0].errors] == [importer]
        assert "No module named 'helper'" in str(changes[0].errors[0])

        # Said once: its queued reload says no "No flow changed (helper.py)" after it.
        after = tmp_path / "z_after.py"
        after.write_text(QUICK)
        await until(lambda: any(after in c.paths for c in changes), "z_after.py loaded")
        assert [c.paths for c in changes] == [(helper,), (after,)]


async def test_a_file_renamed_while_the_first_load_hangs_on_it_is_imported_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = side_folder(tmp_path, monkeypatch, LOAD_TIMEOUT)
    ren, renamed = tmp_path / "ren.py", tmp_path / "renamed.py"
    ren.write_text(GATED)
    with RemoteWorkspace(folder.root) as workspace:
        load = asyncio.ensure_future(asyncio.to_thread(workspace.load))
        try:
            await until(lambda: imports(tmp_path) == ["ren.py"], "ren.py to import")
            await until(workspace.still_importing, "ren.py said importing")
            ren.rename(renamed)
            await until(lambda: "renamed.py" in imports(tmp_path), "renamed.py to import")
            folder.go.touch()
            await asyncio.wait_for(asyncio.shield(load), SHOWN_WITHIN)
        finally:
            if not load.done():
                workspace.stop_loading()  # (the test failed: the load ends at once)
                await asyncio.wait({load})
        assert workspace.flow_files["ren"] == renamed and not workspace.errors

        # The watch has renamed.py as loaded: it imports it no more.
        async with collected(workspace, folder.starts):
            assert folder.starts.missed == [[]]
        assert imports(tmp_path) == ["ren.py", "renamed.py"]


async def test_a_file_renamed_while_a_reload_hangs_on_it_is_imported_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = side_folder(tmp_path, monkeypatch, LOAD_TIMEOUT)
    ren, renamed = tmp_path / "ren.py", tmp_path / "renamed.py"
    ren.write_text(QUICK.replace('"after"', '"ren"'))
    async with loaded(folder) as workspace, collected(workspace, folder.starts) as changes:
        ren.write_text(GATED)
        await until(lambda: imports(tmp_path) == ["ren.py"], "ren.py to import")
        await until(workspace.still_importing, "ren.py said importing")
        ren.rename(renamed)
        await until(lambda: "renamed.py" in imports(tmp_path), "renamed.py to import")
        folder.go.touch()

        await until(lambda: changes, "the rename said", timeout=SHOWN_WITHIN)
        assert set(changes[0].paths) == {ren, renamed} and changes[0].flows == ("ren",)
        assert workspace.flow_files["ren"] == renamed and not workspace.errors

        # Its queued reload imports renamed.py no more, nor says it again.
        after = tmp_path / "z_after.py"
        after.write_text(QUICK)
        await until(lambda: any(after in c.paths for c in changes), "z_after.py loaded")
        assert [c.paths for c in changes][1:] == [(after,)]
        assert imports(tmp_path) == ["ren.py", "renamed.py"]


async def test_a_fix_saved_while_a_reload_hangs_says_the_flow_it_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a plain save of it says: ``Reloaded hang.py (1 flow); removed flow thirdfix``."""
    folder = side_folder(tmp_path, monkeypatch, LOAD_TIMEOUT)
    folder.hang.write_text(NAMED.format(name="thirdfix"))
    async with loaded(folder) as workspace, collected(workspace, folder.starts) as changes:
        folder.hang.write_text("import time\n\ntime.sleep(3600)\n")
        await until(workspace.still_importing, "hang.py said importing")
        folder.hang.write_text(NAMED.format(name="fourth"))

        await until(lambda: changes, "the fix said", timeout=SHOWN_WITHIN)
        fixed = changes[0]
        assert fixed.summary() == "Reloaded hang.py (1 flow); removed flow thirdfix"
        assert fixed.removed == ("thirdfix",) and fixed.flows == ("fourth",)
        assert workspace.flow_files == {"etl": folder.etl, "fourth": folder.hang}
