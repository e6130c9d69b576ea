"""Drop-in mode turned off while open: the view of a fresh start with it off (ex63b §6).

The drop-in flows stayed listed (each ``r`` a FAILED run "did not start: … No module
named 'prefect'") and their files broken, where a fresh start has them not read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flowtop.workspace import Workspace

PREFECT = "from prefect import flow\n\n@flow\ndef pf():\n    return 1\n"
FLOWTOP = "from flowtop import flow\n\n@flow\ndef ft():\n    return 2\n"
#: A file naming both: read either way, broken with drop-in mode off.
BOTH = "import flowtop\nfrom prefect import flow\n\n@flow\ndef both():\n    return 3\n"
ON = "[workspace]\nprefect_compat = true\n"
OFF = "[workspace]\nprefect_compat = false\n"


@pytest.mark.parametrize("isolate", [False, True])
def test_compat_turned_off_is_a_fresh_start(tmp_path: Path, isolate: bool) -> None:
    (tmp_path / "pf.py").write_text(PREFECT)
    (tmp_path / "ft.py").write_text(FLOWTOP)
    (tmp_path / "both.py").write_text(BOTH)
    settings = tmp_path / "flowtop.toml"
    settings.write_text(ON)
    with Workspace(tmp_path, isolate_imports=isolate) as workspace:
        workspace.load()
        assert set(workspace.flows) == {"pf", "ft", "both"}
        settings.write_text(OFF)
        change = workspace.reload_paths([settings])
        assert set(workspace.flows) == {"ft"}  # old: pf and both kept, each r a failed run
        assert set(change.removed) == {"pf", "both"}
        assert set(workspace.errors) == {tmp_path / "both.py"}  # old: pf.py too
        said = str(workspace.errors[tmp_path / "both.py"])  # (tests/prefect: a namespace)
        assert said.startswith("both.py:2: ") and "'prefect'" in said, said
        assert workspace.unread_prefect == ["pf.py"]
        assert "pf.py not read, as it imports prefect" in change.summary()
    with Workspace(tmp_path, isolate_imports=isolate) as fresh:  # what it should match
        fresh.load()
        assert set(fresh.flows) == {"ft"}
        assert set(fresh.errors) == {tmp_path / "both.py"}
        assert fresh.unread_prefect == ["pf.py"]


def test_compat_turned_on_again_reads_them(tmp_path: Path) -> None:
    (tmp_path / "pf.py").write_text(PREFECT)
    settings = tmp_path / "flowtop.toml"
    settings.write_text(OFF)
    with Workspace(tmp_path, isolate_imports=False) as workspace:
        workspace.load()
        assert workspace.flows == {}
        settings.write_text(ON)
        change = workspace.reload_paths([settings])
        assert set(workspace.flows) == {"pf"} and change.flows == ("pf",)
        settings.write_text(OFF)
        workspace.reload_paths([settings])
        assert workspace.flows == {} and workspace.errors == {}
