"""Issue 17: a duration shown to users is written by the one formatter (``fmt_seconds``).

The loading and reloading rows, ``flowtop run``'s "waiting for … to import" line, a
stale owner's reason and ``flowtop cancel``'s give-up wrote theirs by hand, ``12 s`` (and
``10 min``) where every other screen says ``12s`` (``10m00s``); ``cancel``'s ``0.2``-second
wait read ``0 s``.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app" / "flowtop"
#: A number of seconds or minutes formatted by hand in an f-string: ``{n:.0f} s``.
BY_HAND = re.compile(r"\.0f\} (s|min)\b")


def test_no_duration_is_formatted_by_hand() -> None:
    found = [
        f"{path.relative_to(APP)}:{number}: {line.strip()}"
        for path in sorted(APP.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if BY_HAND.search(line)
    ]
    assert found == []


def test_the_rows_say_the_seconds_as_the_tables_do() -> None:
    from flowtop.tui.first_load import loading_line, loading_row
    from flowtop.tui.reload_actions import reloading_row

    slow = Path("flows/slow.py")
    assert loading_line((slow, 75.4)) == "Loading flows… flows/slow.py still importing (1m15s)"
    assert loading_row((slow, 9.6)) == "⋯ importing 10s\n  slow.py"
    assert reloading_row((slow, 2.2)) == "⋯ reloading 2s\n  slow.py"


def test_a_stale_owner_says_for_how_long_as_the_tables_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flowtop.workspace import ownership

    elsewhere = ownership.Owner("another-host", 1, "another-boot", "123")
    monkeypatch.setattr(ownership, "heartbeat_unchanged", lambda *_: 65.2)
    why = ownership.owner_gone(elsewhere, time.time(), 0.0)
    assert why == "its process (pid 1 on another-host) sent no heartbeat for 1m05s"
