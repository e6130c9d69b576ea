"""Three settings-file messages that said too much or too little.

- The flow host's refusal of a retry editor save said "not saved: …", and the editor
  put its own "Not saved: " before it: ``Not saved: not saved: .flowtop: No space left
  on device`` on a full tmpfs. The host says the reason only (the editor's line itself:
  ``tests/tui/test_editor_not_saved_fx73c.py``).
- A TOML error at the end of the file had no column (``flowtop.toml:3: invalid TOML:
  Invalid value at end of file``, tomllib saying only "(at end of document)"), and the
  line after the last newline; other syntax errors say both (``:2:15``).
- A bad table of a flow that does not exist said nothing under ``run --flow``, where
  ``run .`` and ``list .`` say it (a table nothing uses), as ``--flow`` does of a valid one.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from flowtop.workspace import Workspace
from flowtop.workspace import overrides as overrides_file
from flowtop.workspace.flow_host import FlowHost
from flowtop.workspace.settings import SettingsError

Write = Callable[[str, str | bytes], Path]
Open = Callable[..., Workspace]

FLOWS = """
from flowtop import Flow, task

@task
def a():
    return 1

with Flow("quick") as flow:
    a()

with Flow("other") as flow2:
    a()
"""


# -- 1: the host's refusal says the reason, not "not saved" ---------------------------


def test_a_save_on_a_full_disk_is_refused_with_its_reason_alone(
    write: Write, workspace: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("flow.py", FLOWS)
    ws = workspace()

    def full(path: Path, payload: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # as a write to a full tmpfs

    monkeypatch.setattr(overrides_file, "write_atomic", full)
    request = {"kind": "set_override", "flow": "quick", "task": "a", "values": {"max_retries": 2}}
    reply = FlowHost(ws).answer(request)
    # old: "not saved: .flowtop: No space left on device", after the editor's "Not saved: "
    assert reply == {"refused": ".flowtop: No space left on device", "key": None}
    cleared = FlowHost(ws).answer({"kind": "clear_override", "flow": "quick", "task": "a"})
    assert "refused" not in cleared  # (nothing to clear: nothing written)


# -- 2: the end of the file has a line and a column ------------------------------------


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("[defaults]\nworkers = 2\nmax_retries = [\n", "3:16"),  # old: "4:" (after the newline)
        ("[defaults]\nworkers = 2\nmax_retries = [", "3:16"),  # old: "3:"
        ("[defaults]\nmax_retries = [\n\n  \n", "2:16"),  # blank lines after it
        ('[defaults]\nexecutor = """thread\n', "2:21"),
        ("max_retries", "1:12"),
    ],
)
def test_an_error_at_the_end_of_flowtop_toml_says_its_line_and_column(
    write: Write, workspace: Open, text: str, place: str
) -> None:
    write("flow.py", FLOWS)
    write("flowtop.toml", text)
    error = workspace().settings_error
    assert error is not None
    assert str(error).startswith(f"flowtop.toml:{place}: invalid TOML: "), str(error)
    assert str(error).endswith(" at end of file"), str(error)


def test_an_error_at_the_end_of_overrides_toml_says_its_line_and_column(
    write: Write, workspace: Open
) -> None:
    write("flow.py", FLOWS)
    write(".flowtop/overrides.toml", '[flows."quick".tasks."a"]\nmax_retries = [\n')
    ws = workspace()
    said = ".flowtop/overrides.toml:2:16: invalid TOML: Invalid value at end of file"
    assert str(ws.settings_error) == said  # old: ".flowtop/overrides.toml:3: …"
    with pytest.raises(SettingsError) as refused:  # the retry editor's save, refused
        ws.set_override("quick", "a", max_retries=2)
    # old: "cannot be updated: Invalid value (at end of document)", where another error
    # says "Invalid value (at line 2, column 15)"
    assert str(refused.value) == (
        ".flowtop/overrides.toml cannot be updated: Invalid value at end of file "
        "(at line 2, column 16); fix or delete it first"
    )


# -- 3: under --flow, a bad table of no flow is said ----------------------------------

NO_FLOW = '.flowtop/overrides.toml:2: [flows."nope".tasks."t"]: max_retries must be an integer >= 0'


def test_a_bad_table_of_no_flow_is_a_warning_in_a_run_of_one_flow(
    write: Write, workspace: Open
) -> None:
    write("flow.py", FLOWS)
    write("etl.py", FLOWS.replace('"quick"', '"etl"').replace('"other"', '"etl2"'))
    write(
        ".flowtop/overrides.toml",
        '[flows."nope".tasks."t"]\nmax_retries = "x"\n\n'
        '[flows."etl".tasks."a"]\nmax_retries = "y"\n\n'
        '[flows."other".tasks."a"]\nmax_retries = "z"\n',
    )
    every = workspace()  # `run .`, `list .`: said, stops no run
    assert [str(w) for w in every.settings_warnings][:1] == [f"{NO_FLOW}, got str 'x'"]
    one = workspace(load=False)
    one.load(flow="quick")  # as `flowtop run . --flow quick` loads it (etl.py not imported)
    assert one.settings_error is None  # no table of quick's: the run goes on
    # old: [] (said only when the value was good: "no flow named 'nope'")
    warned = [str(w) for w in one.settings_warnings]
    assert warned == [f"{NO_FLOW}, got str 'x'"]  # not etl's nor other's: flows that exist


def test_a_one_file_workspace_says_no_table_of_the_folder_s_other_flows(
    write: Write, workspace: Open
) -> None:
    """A flow file opened alone knows not the folder's other flows: their tables are not
    called "nothing uses" (nor is one of a flow no file has: it cannot tell)."""
    write("flow.py", FLOWS)
    write("etl.py", FLOWS.replace('"quick"', '"etl"').replace('"other"', '"etl2"'))
    write(".flowtop/overrides.toml", '[flows."etl".tasks."a"]\nmax_retries = "y"\n')
    for flow in (None, "quick"):
        ws = workspace("flow.py", load=False)
        ws.load(flow=flow)
        assert ws.settings_error is None and ws.settings_warnings == []
