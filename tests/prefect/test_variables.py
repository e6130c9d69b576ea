"""Prefect 3's ``prefect.variables`` (``flowtop.variables``): kept by the workspace, in
``.flowtop/variables.json``, with ``flowtop.toml``'s ``[variables]`` beneath. What Prefect
itself does is checked side by side (``variables``); these hold flowtop's own side."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from flowtop import flow
from flowtop.compat import prefect_imports
from flowtop.engine import Runner
from flowtop.variables import Variable
from flowtop.workspace import Workspace


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_run_of_a_workspace_keeps_them_in_its_state_folder(tmp_path: Path, here: Path) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "flowtop.toml").write_text('[variables]\nregion = "eu"\nlimits = { rows = 10 }\n')

    @flow
    def nightly() -> list[object]:
        Variable.set("last_day", "mon", overwrite=True)
        return [Variable.get("region"), Variable.get("limits"), Variable.get("last_day")]

    with Workspace(folder) as workspace, workspace.make_runner(record=False) as runner:
        assert runner.run(nightly).value == ["eu", {"rows": 10}, "mon"]
    stored = json.loads((folder / ".flowtop" / "variables.json").read_text())
    assert stored == {"last_day": {"tags": [], "value": "mon"}}
    assert not (here / ".flowtop").exists()  # not the current directory's


def test_outside_a_workspace_s_run_the_current_directory_keeps_them(here: Path) -> None:
    assert Variable.get("region", default="none yet") == "none yet"
    made = Variable.set("region", "us", tags=["geo"])
    assert (made.name, made.value, made.tags) == ("region", "us", ["geo"])
    with Runner() as runner:  # a script's runner: no workspace either
        assert runner.run(flow(lambda: Variable.get("region"))).value == "us"
    assert (here / ".flowtop" / "variables.json").exists()


def test_set_values_shadow_the_settings_which_unset_leaves(here: Path) -> None:
    (here / "flowtop.toml").write_text("[variables]\nregion = 'eu'\n")
    with pytest.raises(ValueError, match=r"already exists\. Use `overwrite=True`"):
        Variable.set("region", "us")
    Variable.set("region", "us", overwrite=True)
    assert Variable.get("region") == "us"
    assert Variable.unset("region") is True and Variable.get("region") == "eu"
    assert Variable.unset("region") is False  # kept with the code


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("Region", 1, "lowercase letters, numbers, and dashes or underscores"),
        ("x" * 256, 1, "at most 255"),
        ("rows", {1, 2}, "serializable to JSON"),
        ("rows", "x" * 5000, "less than 5000 characters"),
    ],
)
def test_names_and_values_are_checked_as_prefect_checks_them(
    here: Path, name: str, value: object, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        Variable.set(name, value)


def test_a_broken_file_is_named_with_what_to_do(here: Path) -> None:
    (here / ".flowtop").mkdir()
    (here / ".flowtop" / "variables.json").write_text("{not json")
    with pytest.raises(
        ValueError, match=r"variables\.json: cannot be read as variables .*fix or delete it"
    ):
        Variable.get("region")
    (here / ".flowtop" / "variables.json").unlink()
    (here / "flowtop.toml").write_text("[variables\n")
    with pytest.raises(ValueError, match=r"flowtop\.toml: .*line 1"):
        Variable.get("region")


def test_two_writers_at_once_lose_nothing(here: Path) -> None:
    def write(prefix: str) -> None:
        for i in range(25):
            Variable.set(f"{prefix}_{i}", i)

    threads = [threading.Thread(target=write, args=(p,)) for p in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = json.loads((here / ".flowtop" / "variables.json").read_text())
    assert len(stored) == 50


def test_drop_in_import(here: Path) -> None:
    with prefect_imports():
        from prefect.variables import Variable as PrefectVariable  # type: ignore[import-not-found]

        assert PrefectVariable is Variable
