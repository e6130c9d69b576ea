"""`flowtop list .` in a folder whose flows are in ./flows (rv402 §11): it said "no flows
found" and no word of ./flows; PATH defaults to ./flows only when none is given."""

from __future__ import annotations

from pathlib import Path

from cli_kit import Here

FLOW = "from flowtop import Flow, task\n\n@task\ndef a():\n    pass\n\nflow = Flow('{name}')\nflow.add_task(a)\n"


def project(folder: Path) -> Path:
    """A project folder with two flow files in its ``flows`` (and an ``__init__.py``,
    which is no flow file)."""
    (folder / "flows").mkdir(parents=True)
    for name in ("etl", "report"):
        (folder / "flows" / f"{name}.py").write_text(FLOW.format(name=name))
    (folder / "flows" / "__init__.py").write_text("")
    return folder


def test_list_dot_beside_flows_says_where_they_are(tmp_path: Path, flowtop_here: Here) -> None:
    done = flowtop_here("list", ".", cwd=project(tmp_path))
    assert done.returncode == 2
    assert done.stderr == (
        f"flowtop list: no flows found in {tmp_path} (./flows holds 2 flow files: flowtop flows)\n"
    )


def test_a_folder_above_says_the_path_to_type(tmp_path: Path, flowtop_here: Here) -> None:
    project(tmp_path / "proj")
    done = flowtop_here("list", "proj", cwd=tmp_path)
    assert done.returncode == 2
    assert "(./proj/flows holds 2 flow files: flowtop proj/flows)" in done.stderr


def test_a_folder_with_no_flows_below_says_nothing_more(tmp_path: Path, flowtop_here: Here) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "notes.txt").write_text("")
    done = flowtop_here("list", ".", cwd=tmp_path)
    assert done.stderr == f"flowtop list: no flows found in {tmp_path}\n"
