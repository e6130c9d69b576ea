"""A row a ``@flow`` body left half-written is its own stream's: with ``flowtop run f.py
>out 2>err`` a body's ``print("a", end="")`` on stdout, then flowtop's note on stderr
(``say_past``), gave the note a leading newline on stderr (an empty row there) and the
body's next ``"\\nb"`` lost its newline on stdout (``ab``): one ``row_open`` flag for both
streams. Streams to the same file (``2>&1``, a terminal) still share the row."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import pytest

from cli_kit import PLAIN
from commands.test_subflow_note_half_row_lg62 import COMMAND, NOTE, swapped_folder
from flowtop.engine import capture, status_line


@contextlib.contextmanager
def body_writing_to(monkeypatch: pytest.MonkeyPatch, out: TextIO, err: TextIO) -> Iterator[None]:
    """A ``@flow`` body's capture on this thread, teed to ``out`` and ``err`` (no status
    line). (Not a fixture: pytest puts its own ``sys.stdout`` back after one.)"""
    monkeypatch.setattr(status_line, "terminal", None)
    monkeypatch.setattr(status_line, "row_open", False)
    monkeypatch.setattr(status_line, "row_open_on", None, raising=False)
    monkeypatch.setattr(sys, "stdout", capture._ThreadRoutedStream(out))
    monkeypatch.setattr(sys, "stderr", capture._ThreadRoutedStream(err))
    capture.begin(tee=lambda: None)
    try:
        yield
    finally:
        capture.end()
        out.flush()
        err.flush()


def _body() -> None:
    sys.stdout.write("a")  # ``print("a", end="")``
    capture.say_past("note")
    sys.stdout.write("\nb\n")


def test_a_note_on_stderr_leaves_stdout_s_half_row_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        open(tmp_path / "out", "w", encoding="utf-8") as out,
        open(tmp_path / "err", "w", encoding="utf-8") as err,
        body_writing_to(monkeypatch, out, err),
    ):
        _body()
    assert (tmp_path / "out").read_text() == "a\nb\n"
    assert (tmp_path / "err").read_text().splitlines() == ["flowtop: note"]


def test_2_to_1_the_note_goes_below_the_half_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        open(tmp_path / "both", "w", encoding="utf-8") as out,
        open(os.dup(out.fileno()), "w", encoding="utf-8") as err,  # ``2>&1``
        body_writing_to(monkeypatch, out, err),
    ):
        sys.stdout.write("a")
        out.flush()
        capture.say_past("note")
        sys.stdout.write("\nb\n")
    assert (tmp_path / "both").read_text() == "a\nflowtop: note\nb\n"


def test_flowtop_run_with_stdout_and_stderr_to_two_files(tmp_path: Path) -> None:
    swapped = swapped_folder(tmp_path)
    with (
        open(swapped / "out", "w", encoding="utf-8") as out,
        open(swapped / "err", "w", encoding="utf-8") as err,
    ):
        done = subprocess.run(
            COMMAND,
            cwd=swapped,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env={**os.environ, **PLAIN},
            timeout=60,
            check=False,
        )
    said = (swapped / "out").read_text()
    notes = (swapped / "err").read_text()
    assert done.returncode == 0, notes
    rows = [row.rstrip() for row in said.splitlines()]
    for region in ("b", "a"):  # the printer's lines below the half row, or after ``done``
        (row,) = [row for row in rows if row.startswith(f"calling {region}")]
        assert row in (f"calling {region}...", f"calling {region}... done"), said
    assert sum(row.endswith("done") for row in rows) == 2, said
    assert notes.startswith(NOTE), notes  # no empty row before it
    assert "\n\n" not in notes, notes
