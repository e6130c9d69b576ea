"""A settings file that is a symlink to nothing, or to itself, is said as such.

``ln -s /nonexistent/x.toml flowtop.toml`` was taken for no settings file at all:
``flowtop list`` exited 0 and every flow ran with the defaults, though a dangling flow
file link was reported (``broken symlink: its target … does not exist``). A settings
file linked to itself said ``[Errno 40] Too many levels of symbolic links: '…'``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cli_kit import Here, flowtop
from flow_texts import ETL
from flowtop.engine.layers import Layer
from flowtop.workspace.places import OVERRIDES_FILE, STATE_DIR
from flowtop.workspace.settings_state import SettingsState, settings_text


def read(path: Path) -> str | None:
    """The error a workspace keeps for the settings file ``path``, if any."""
    state = SettingsState()
    state.reread(((Layer.TOML, path),))
    error = state.errors.get(Layer.TOML)
    return None if error is None else error.message


def test_a_settings_file_linked_to_nothing_is_an_error_naming_its_target(tmp_path: Path) -> None:
    path = tmp_path / "flowtop.toml"
    os.symlink("/nonexistent/x.toml", path)
    said = "broken symlink: its target /nonexistent/x.toml does not exist"
    assert read(path) == f"cannot read settings: {said}"
    with pytest.raises(OSError, match=said) as raised:
        settings_text(path)
    assert not isinstance(raised.value, FileNotFoundError)  # (which reads as no file)
    path.unlink()
    assert read(path) is None  # no file at all is still no settings, no error


def test_a_settings_file_linked_to_itself_says_symlink_loop(tmp_path: Path) -> None:
    path = tmp_path / "flowtop.toml"
    os.symlink("flowtop.toml", path)
    assert read(path) == "cannot read settings: symlink loop"


@pytest.mark.parametrize("where", ["flowtop.toml", f"{STATE_DIR}/{OVERRIDES_FILE}"])
def test_list_exits_2_naming_a_dangling_settings_link(
    tmp_path: Path, flowtop_here: Here, where: str
) -> None:
    (tmp_path / "etl.py").write_text(ETL, encoding="utf-8")
    link = tmp_path / where
    link.parent.mkdir(exist_ok=True)
    os.symlink(tmp_path / "gone.toml", link)
    result = flowtop_here("list", str(tmp_path))
    assert result.returncode == 2, result
    said = f"{where}: cannot read settings: broken symlink: its target {tmp_path}/gone.toml"
    assert said in result.stderr, result.stderr


def test_run_exits_2_naming_a_dangling_settings_link(tmp_path: Path) -> None:
    """The flows did run, with the defaults, and the run exited 0."""
    (tmp_path / "etl.py").write_text(ETL, encoding="utf-8")
    os.symlink("/nonexistent/x.toml", tmp_path / "flowtop.toml")
    result = flowtop("run", "etl.py", cwd=tmp_path)
    assert result.returncode == 2, result
    said = "flowtop.toml: cannot read settings: broken symlink: its target /nonexistent/x.toml"
    assert said in result.stderr, result.stderr
