"""A fix saved while an import hangs shows at once: during the first load, or of a helper.

The monitor's watch starts once its first load is in: a fix of ``hang.py`` saved while
that load hung on it waited out the whole ``load_timeout``, then the load said
``hang.py: import did not finish`` and a reload ``Reloaded hang.py`` (the fixed file) at
once after. And a save of a helper module whose importer's reload hung (``c.py`` doing
``from helpers.util import x``, ``util.py`` saved hanging, then fixed) waited too, then
said ``No flow changed (helpers/util.py)`` and ``Reloaded c.py …``. Now either save drops
the hanging import, as a save of the flow file during a reload does, and is said once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from side_host_kit import QUICK, collected, loaded, side_folder

from flowtop.workspace import RemoteWorkspace
from flowtop.workspace.import_graph import ImportGraph
from waits import until

#: Long: a save that waited it out would fail the waits below, which are far shorter.
LOAD_TIMEOUT = 120
#: Seconds a fix may take to show (a fresh host's load of a few small files).
SHOWN_WITHIN = 30
#: A flow file importing the helper module ``helpers/util.py``.
IMPORTER = "from helpers.util import x\n" + QUICK.replace('"after"', '"c"')
#: Never done importing, once it noted beside itself that it is (``hanging``).
HANG = """
import pathlib
import time

import flowtop

pathlib.Path(__file__).with_name("hanging.flag").touch()
time.sleep(10**9)
x = 1
"""
HANGING_HELPER = HANG.replace("import flowtop\n", "")


def hanging(folder: Path) -> bool:
    """Whether a file of ``folder`` is importing, and hangs (as the host read it)."""
    return (folder / "hanging.flag").exists()


def with_helper(tmp_path: Path) -> tuple[Path, Path]:
    """``c.py`` and its helper ``helpers/util.py`` (quick to import), written."""
    (tmp_path / "helpers").mkdir()
    (tmp_path / "helpers" / "__init__.py").write_text("")
    util = tmp_path / "helpers" / "util.py"
    util.write_text("x = 1\n")
    importer = tmp_path / "c.py"
    importer.write_text(IMPORTER)
    return importer, util


async def fixed_while_loading(workspace: RemoteWorkspace, importing: Path, fixed: Path) -> None:
    """The first load, with ``fixed`` saved as fixed once it is importing ``importing``."""
    load = asyncio.ensure_future(asyncio.to_thread(workspace.load))
    try:
        await until(lambda: hanging(fixed.parent), f"{fixed.name} to hang", SHOWN_WITHIN)
        # (the host's word that it imports may come just after the import's flag)
        await until(lambda: workspace.still_importing() is not None, "its word", SHOWN_WITHIN)
        assert (now := workspace.still_importing()) is not None and now[0] == importing
        fixed.write_text(QUICK.replace('"after"', '"h"') if fixed.name == "hang.py" else "x = 2\n")
        change = await asyncio.wait_for(asyncio.shield(load), SHOWN_WITHIN)
    finally:
        if not load.done():
            workspace.stop_loading()  # (the test failed: the load ends at once)
            await asyncio.wait({load})
    assert not change.errors and workspace.host_error is None
    assert importing not in workspace.errors and workspace.still_importing() is None


async def test_a_fix_saved_while_the_first_load_hangs_on_it_loads_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = side_folder(tmp_path, monkeypatch, LOAD_TIMEOUT)
    folder.hang.write_text(HANG)
    with RemoteWorkspace(folder.root) as workspace:
        await fixed_while_loading(workspace, folder.hang, folder.hang)
        assert workspace.flow_files["h"] == folder.hang and "etl" in workspace.flow_files

        # The watch then has the fix as loaded: it reloads (and says) only what follows.
        async with collected(workspace, folder.starts) as changes:
            assert folder.starts.missed == [[]]
            after = tmp_path / "z_after.py"
            after.write_text(QUICK)
            await until(lambda: changes, "z_after.py loaded")
            assert [c.paths for c in changes] == [(after,)]


async def test_a_helper_fixed_while_the_first_load_hangs_on_it_loads_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = side_folder(tmp_path, monkeypatch, LOAD_TIMEOUT)
    importer, util = with_helper(tmp_path)
    util.write_text(HANGING_HELPER)
    with RemoteWorkspace(folder.root) as workspace:
        await fixed_while_loading(workspace, importer, util)
        assert workspace.flow_files["c"] == importer
        async with collected(workspace, folder.starts):
            assert folder.starts.missed == [[]]


async def test_a_helper_fixed_while_its_importer_hangs_is_said_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Said as a save of the helper is (its importer reloaded), once: not ``No flow
    changed (helpers/util.py)`` then ``Reloaded c.py``, after the hang's whole timeout."""
    folder = side_folder(tmp_path, monkeypatch, LOAD_TIMEOUT)
    importer, util = with_helper(tmp_path)
    async with loaded(folder) as workspace, collected(workspace, folder.starts) as changes:
        util.write_text(HANGING_HELPER)
        await until(lambda: hanging(util.parent), "helpers/util.py to hang")
        # (the host's word that it imports may come just after the import's flag: CI, 1 run)
        await until(lambda: workspace.still_importing() is not None, "its word", SHOWN_WITHIN)
        importing = workspace.still_importing()
        assert importing is not None and importing[0] == importer
        util.write_text("x = 2\n")  # the fix

        await until(lambda: changes, "the fix said", timeout=SHOWN_WITHIN)
        fixed = changes[0]
        assert fixed.paths == (util,) and fixed.modules == ("c.py",) and fixed.flows == ("c",)
        assert fixed.helpers == ("helpers/util.py",) and not fixed.errors
        assert fixed.summary() == "Reloaded c.py (1 flow), which imports helpers/util.py"
        assert workspace.host_error is None and importer not in workspace.errors

        # Its queued reload (the fix's own save) says nothing again.
        after = tmp_path / "z_after.py"
        after.write_text(QUICK)
        await until(lambda: any(after in c.paths for c in changes), "z_after.py loaded")
        assert [c.paths for c in changes] == [(util,), (after,)]

        util.write_text("x = 3\n")  # a later save of it is said again
        await until(lambda: len(changes) == 3, "helpers/util.py's next save said")
        assert changes[2].modules == ("c.py",) and changes[2].helpers == ("helpers/util.py",)


async def test_a_helper_saved_hanging_says_its_importer_hung(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its importer's error, said by the careful host that replaces the one that hung: it
    said ``No flow changed (helpers/util.py)``, and ``c.py`` showed no error."""
    folder = side_folder(tmp_path, monkeypatch, load_timeout=3)
    importer, util = with_helper(tmp_path)
    async with loaded(folder) as workspace, collected(workspace, folder.starts) as changes:
        util.write_text(HANGING_HELPER)
        await until(lambda: changes, "c.py's error", timeout=SHOWN_WITHIN)
        assert [c.paths for c in changes] == [(util,)]
        assert [e.path for e in changes[0].errors] == [importer]
        assert "import did not finish in 3 s" in str(changes[0].errors[0])
        assert "import did not finish" in str(workspace.errors[importer])


def test_a_file_nested_too_deep_to_parse_imports_no_helper(tmp_path: Path) -> None:
    """Which helpers a hanging import reads is looked up in the monitor's process too
    (``reload_beside.read_by``): a flow file nested too deep for Python's parser (a load
    error of its own) raised ``RecursionError`` there, and ended the reload that asked."""
    (tmp_path / "util.py").write_text("x = 1\n")
    deep = tmp_path / "deep.py"
    deep.write_text("import util\nx = " + "+".join(["1"] * 300_000) + "\n")
    assert ImportGraph(tmp_path).closure(deep) == set()
