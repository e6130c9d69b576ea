"""rv403 §4 and §10, in the commands.

- A Prefect file (``from prefect import flow``, drop-in mode off) beside other flow files:
  ``flowtop list .`` listed the others, exit 0, without a word of it; only a folder of
  nothing else got the ``--prefect-compat`` hint. It says so on stderr, exit still 0, and
  ``--flow`` naming none of the flows read names it too.
- The ``--flow NAME`` a refused run suggests was not shell-quoted: ``--flow daily ingest
  check``, pasted, was three words.
"""

from __future__ import annotations

from pathlib import Path

from cli_kit import Here

FLOW = "from flowtop import Flow, task\n\n@task\ndef a():\n    pass\n\nflow = Flow('etl')\nflow.add_task(a)\n"
PREFECT = "from prefect import flow\n\n@flow(name='pf flow')\ndef pf(x: int = 1):\n    return x\n"
COMPAT = (
    "run flowtop with --prefect-compat, or set [workspace] prefect_compat = true in flowtop.toml"
)


def mixed(folder: Path) -> Path:
    (folder / "etl.py").write_text(FLOW)
    (folder / "pf.py").write_text(PREFECT)
    return folder


def test_list_names_the_prefect_file_it_did_not_read(tmp_path: Path, flowtop_here: Here) -> None:
    done = flowtop_here("list", ".", cwd=mixed(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("etl  (")
    # old: not a word of pf.py
    assert done.stderr == f"flowtop list: pf.py not read, as it imports prefect: {COMPAT}\n"


def test_list_of_one_flow_says_nothing_of_it(tmp_path: Path, flowtop_here: Here) -> None:
    done = flowtop_here("list", ".", "--flow", "etl", cwd=mixed(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_a_flow_not_found_names_the_prefect_file(tmp_path: Path, flowtop_here: Here) -> None:
    done = flowtop_here("list", ".", "--flow", "pf flow", cwd=mixed(tmp_path))
    assert done.returncode == 2
    assert done.stderr == (
        f"flowtop list: no flow named 'pf flow'; flows: etl; pf.py not read, as it imports"
        f" prefect: {COMPAT}\n"
    )


def test_in_drop_in_mode_it_is_read_and_nothing_is_said(tmp_path: Path, flowtop_here: Here) -> None:
    (mixed(tmp_path) / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    done = flowtop_here("list", ".", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "\npf flow  (" in done.stdout
    assert done.stderr == ""


def test_a_folder_of_prefect_files_alone_keeps_its_hint(tmp_path: Path, flowtop_here: Here) -> None:
    (tmp_path / "pf.py").write_text(PREFECT)
    done = flowtop_here("list", ".", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        f"flowtop list: no flows found in {tmp_path} (pf.py imports prefect: {COMPAT})\n"
    )


SPACED = """\
from flowtop import flow


@flow(name="daily ingest check")
def check() -> None:
    pass


@flow
def region_ingest(region: str) -> None:
    pass
"""


def test_a_suggested_flow_name_with_spaces_is_quoted(tmp_path: Path, flowtop_here: Here) -> None:
    (tmp_path / "ingest.py").write_text(SPACED)
    done = flowtop_here("run", "ingest.py", cwd=tmp_path)
    assert done.returncode == 2
    # old: "… alone: --flow daily ingest check", which the shell reads as three words
    assert done.stderr.rstrip("\n").endswith(
        "(with --flow region-ingest: parameters are given to one flow at a time);"
        " or run the file's other flow alone: --flow 'daily ingest check'"
    ), done.stderr
