"""``flowtop history`` says a subflow's own retries as the monitor does (hs62).

``mom`` called ``kid``, whose first run failed and whose own retry (``@flow(retries=1)``,
a run of its own that reruns the first) completed, then ``region``, which failed and
which its body caught. The monitor's main screen lists the call once, ``✓ kid #2 (retry
of #1)``, and its header says ``(1 subflow failed, handled by the flow)``; ``history
--run`` listed ``kid #1  FAILED`` as a call of its own, and the table's NOTE said nothing
of the handled failure. ``--json`` keeps every run in ``subflow_runs`` (a script reading
it meets the same entries) and marks a retry (``retry_of``) and a run retried
(``retried``). And ``--run`` reads the subflow runs on the run's own connection.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from cli_kit import Here, parent_run_said, stored_calls
from flowtop.engine.states import StateType as S
from flowtop.workspace import store_reader, subflow_runs


def family(folder: Path) -> Path:
    """``mom`` #1 (completed) called ``kid`` #1 (failed), its retry ``kid`` #2
    (completed) and ``region`` #1 (failed, handled)."""
    return stored_calls(
        folder,
        (
            ("k1", "kid", 1, S.FAILED, None, "p"),
            ("k2", "kid", 2, S.COMPLETED, "k1", "p"),
            ("r1", "region", 1, S.FAILED, None, "p"),
        ),
        parent_ended=5,
    )


def test_history_run_lists_a_retried_subflow_call_once(tmp_path: Path, flowtop_here: Here) -> None:
    family(tmp_path)
    said = parent_run_said(flowtop_here, tmp_path)
    lines = said.splitlines()
    listed = lines[lines.index("subflow runs (each a run of its own):") + 1 :]
    assert listed == ["  ✗ region #1  FAILED", "  ✓ kid #2 (retry of #1)  COMPLETED"], said


def test_history_run_json_keeps_every_run_and_marks_retries(
    tmp_path: Path, flowtop_here: Here
) -> None:
    family(tmp_path)
    said = parent_run_said(flowtop_here, tmp_path, "--json")
    children = json.loads(said.splitlines()[0])["subflow_runs"]
    assert children == [
        {"run_id": "k1", "flow": "kid", "run": 1, "state": "FAILED", "retried": True},
        {"run_id": "k2", "flow": "kid", "run": 2, "state": "COMPLETED", "retry_of": "k1"},
        {"run_id": "r1", "flow": "region", "run": 1, "state": "FAILED"},
    ], children


def test_history_table_notes_a_handled_subflow_failure(tmp_path: Path, flowtop_here: Here) -> None:
    family(tmp_path)
    shown = flowtop_here("history", ".", "--flow", "mom", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    header, row = shown.stdout.splitlines()[:2]
    note = row[header.index("NOTE") :]
    assert note == "1 subflow failed, handled", shown.stdout  # kid's retry completed: no failure
    kid = flowtop_here("history", ".", "--flow", "kid", cwd=tmp_path)
    assert "handled" not in kid.stdout, kid.stdout


def test_history_run_reads_its_subflows_on_the_run_s_connection(
    tmp_path: Path, flowtop_here: Here, monkeypatch: pytest.MonkeyPatch
) -> None:
    family(tmp_path)
    opened: list[str] = []

    def counted(module: Any, name: str) -> None:
        real = module.connect_reader

        def connect(path: Path) -> sqlite3.Connection:
            opened.append(name)
            return real(path)

        monkeypatch.setattr(module, "connect_reader", connect)

    counted(store_reader, "reader")
    counted(subflow_runs, "subflows")
    said = parent_run_said(flowtop_here, tmp_path)
    assert "kid #2" in said, said
    assert "subflows" not in opened, opened  # old: a connection of its own beside the run's
