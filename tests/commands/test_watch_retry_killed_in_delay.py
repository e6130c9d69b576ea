"""``flowtop watch`` of a ``@flow`` retry whose process is killed in its retry delay.

Its last line read ``nightly #2 INTERRUPTED in 7.1s``, the wait it had, though its body
never started: the watch counted from the retry's ``run_started``, logged as its delay
began, where ``flowtop history`` and the monitor count from its body's start (0s here,
as for a retry cancelled in its delay). The watch now counts as they do.
"""

from __future__ import annotations

import re
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.commands import watch
from flowtop.engine.events import RunStarted
from flowtop.workspace.history import History

RETRY = "c5c5c5c5c5c5"
WHY = "its process (pid 4242 on vm) is gone"


def _last_line_of_killed_retry(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    starts_in: float,
) -> str:
    """Watch a retry logged three seconds ago, its body due ``starts_in`` after that,
    whose owner the watch's look finds gone: the watch's last line."""
    monkeypatch.setattr(watch, "reap_quietly", lambda _db, _command: {RETRY: WHY})
    history = History(tmp_path / "history.db")
    logged = time.time() - 3.0
    try:
        history.sink(
            [RunStarted(RETRY, "nightly", 2, (), (), (), None, logged, starts_in=starts_in)]
        )
        assert history.flush(10)
        # its owner beat until now: its death is dated so (``reaper.last_sign_of_life``)
        with closing(sqlite3.connect(history.path)) as raw, raw:
            raw.execute("UPDATE runs SET heartbeat = ?", (time.time(),))
        assert watch.follow(history.path, RETRY, json_lines=False) == 1
    finally:
        history.close()
    return capsys.readouterr().out.splitlines()[-1]


def test_a_retry_killed_in_its_delay_took_no_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    last = _last_line_of_killed_retry(tmp_path, monkeypatch, capsys, starts_in=30.0)
    expected = rf"\d\d:\d\d:\d\d nightly #2 INTERRUPTED in 0s \({re.escape(WHY)}\)"
    assert re.fullmatch(expected, last), last  # it read "in 3.0s": the wait it had


def test_a_retry_killed_in_its_body_counts_from_the_body_s_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    last = _last_line_of_killed_retry(tmp_path, monkeypatch, capsys, starts_in=2.5)
    took = re.fullmatch(r"\d\d:\d\d:\d\d nightly #2 INTERRUPTED in (\d+\.?\d*)(m?s) \(.+\)", last)
    assert took is not None, last
    seconds = float(took[1]) / (1000 if took[2] == "ms" else 1)
    assert 0.5 <= seconds < 2.5, last  # 3 s since its start, 2.5 s of them a wait
