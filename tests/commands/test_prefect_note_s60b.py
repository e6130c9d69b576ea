"""A Prefect file (drop-in mode off) beside other flows, in ``flowtop run``.

``flowtop run .`` of a folder of ``etl.py`` and a dropped-in ``pf.py`` (``from prefect
import flow``) ran etl and said not a word of pf.py, whose flow the user meant to run too
(``flowtop list .`` said it). It says so on stderr, once, before the runs start (and
launched, with ``--detach``); the exit status is the runs'. ``--flow etl`` names the one
flow wanted: nothing is said.

Said of the workspace the run opened: one opened and closed to ask it ended drop-in mode
for the processes a run then spawned (``test_drop_in_children``).
"""

from __future__ import annotations

import json
from pathlib import Path

import fork_cli
from cli_kit import Here, wait_for_runs

FLOW = "from flowtop import Flow, task\n\n@task\ndef a():\n    pass\n\nflow = Flow('etl')\nflow.add_task(a)\n"
PREFECT = "from prefect import flow\n\n@flow(name='pf flow')\ndef pf(x: int = 1):\n    return x\n"
NOTE = (
    "flowtop run: pf.py not read, as it imports prefect: run flowtop with --prefect-compat,"
    " or set [workspace] prefect_compat = true in flowtop.toml"
)


def mixed(folder: Path) -> Path:
    (folder / "etl.py").write_text(FLOW)
    (folder / "pf.py").write_text(PREFECT)
    return folder


def test_run_of_the_folder_names_the_prefect_file_it_did_not_read(
    tmp_path: Path, flowtop_here: Here
) -> None:
    done = flowtop_here("run", ".", "--no-history", cwd=mixed(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "etl" in done.stdout
    # old: not a word of pf.py
    assert done.stderr.splitlines().count(NOTE) == 1, done.stderr


def test_json_output_stays_json_and_the_note_is_on_stderr(
    tmp_path: Path, flowtop_here: Here
) -> None:
    done = flowtop_here("run", ".", "--json", "--no-history", cwd=mixed(tmp_path))
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert records and all("pf.py" not in json.dumps(r) for r in records)
    assert done.stderr.splitlines().count(NOTE) == 1, done.stderr


def test_a_failed_run_keeps_its_exit_status(tmp_path: Path, flowtop_here: Here) -> None:
    (mixed(tmp_path) / "etl.py").write_text(FLOW.replace("pass", "raise ValueError('no')"))
    done = flowtop_here("run", ".", "--no-history", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines().count(NOTE) == 1, done.stderr


def test_run_of_one_flow_says_nothing_of_it(tmp_path: Path, flowtop_here: Here) -> None:
    done = flowtop_here("run", ".", "--flow", "etl", "--no-history", cwd=mixed(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "pf.py" not in done.stderr


def test_in_drop_in_mode_nothing_is_said(tmp_path: Path, flowtop_here: Here) -> None:
    (mixed(tmp_path) / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    done = flowtop_here("run", ".", "--no-history", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "pf.py" not in done.stderr


def test_detach_says_it_too(tmp_path: Path) -> None:
    started = fork_cli.run(["run", ".", "--detach"], cwd=mixed(tmp_path), timeout=60)
    assert started.returncode == 0, started.stderr
    assert started.stderr.splitlines() == [NOTE]
    run_id = started.stdout.strip()
    wait_for_runs(
        tmp_path, lambda runs: any(r.run_id == run_id and r.state != "RUNNING" for r in runs)
    )
