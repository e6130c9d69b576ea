"""A flow file broken as the monitor opens: its flows with runs are listed as they last
ran (``✗ etl``), yet its pane said "it has not loaded yet, so none of them is [listed]"
and `r`/`h` on its row "it has no flow yet". Both now say what the list shows."""

from __future__ import annotations

from pathlib import Path

from flowtop.tui.file_rows import file_advice, file_row_said
from flowtop.workspace.load_error import LoadError

from .conftest import FakeWorkspace

ERROR = LoadError(Path("etl.py"), 14, None, "TypeError: unknown option 'max_retry'")


def test_the_pane_of_a_file_never_loaded_does_not_say_none_of_its_flows_is_listed() -> None:
    said = file_advice("etl.py", ERROR, flows_listed=False)
    assert "none of them is" not in said, said
    assert "the flows it defines are listed then" in said  # once it loads
    assert "only those with runs are, as they last ran" in said, said


def test_a_key_on_its_row_names_the_flows_listed_for_their_runs(tmp_path: Path) -> None:
    workspace = FakeWorkspace(tmp_path, {})
    key = str(tmp_path / "etl.py")
    said = file_row_said(
        workspace,
        key,
        "select a flow in the list for its history",
        "select one for its history",
        of_broken={"etl": Path(key), "other": tmp_path / "other.py"},
    )
    assert "no flow yet" not in said, said
    assert said == (
        "etl.py failed to load; its flows with runs are listed as they last ran (etl): "
        "select one for its history"
    )


def test_with_none_of_its_flows_listed_it_still_has_no_flow_yet(tmp_path: Path) -> None:
    workspace = FakeWorkspace(tmp_path, {})
    said = file_row_said(workspace, str(tmp_path / "etl.py"), "pick", "pick one", of_broken={})
    assert said.startswith("etl.py failed to load, so it has no flow yet"), said
