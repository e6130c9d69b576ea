"""A rate limit's ``slot_decay_per_second`` that frees a slot less often than once a year
is refused, with the file, line and key: ``1e-300`` was taken, and a second
``rate_limit("api")`` waited 1e300 seconds, the monitor saying only "running"."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_kit import flowtop
from flowtop.concurrency.limits import LEAST_DECAY, LEAST_DECAY_TEXT, check_config
from flowtop.concurrency.sync import rate_limit

FLOW = """\
from flowtop import Flow, task
from flowtop.concurrency.sync import rate_limit


@task
def twice():
    rate_limit("api")
    rate_limit("api")
    return "done"


flow = Flow("rl")
flow.add_task(twice)
"""


def settings(decay: str) -> str:
    return f"[concurrency]\ndatabase = 2\napi = {{ limit = 1, slot_decay_per_second = {decay} }}\n"


@pytest.mark.parametrize("decay", ["1e-300", "1e-9", "3e-8", "5e-324"])
def test_a_decay_slower_than_a_slot_a_year_is_refused_with_its_place(
    tmp_path: Path, decay: str
) -> None:
    (tmp_path / "flowtop.toml").write_text(settings(decay))
    (tmp_path / "r.py").write_text(FLOW)
    done = flowtop("run", "r.py", cwd=tmp_path, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"flowtop.toml:3: [concurrency] api: its slot_decay_per_second {float(decay)!r}" in (
        done.stderr
    )
    assert f"give at least {LEAST_DECAY_TEXT} (a slot a year), or 0" in done.stderr


def test_a_slot_a_year_and_no_decay_are_taken() -> None:
    for decay in (LEAST_DECAY, float(LEAST_DECAY_TEXT), 0, 0.0, 1.0):
        assert check_config({"limit": 1, "slot_decay_per_second": decay}) is None, decay


def test_a_decay_made_slower_since_the_load_fails_the_call_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flowtop.toml").write_text(settings("1e-300"))
    with pytest.raises(ValueError, match=r"\[concurrency\] api: its slot_decay_per_second 1e-300"):
        rate_limit("api")
