"""A million events from four sink threads through the TUI's event path, checked exactly.

Run: ``python tests/benchmarks/bench_events.py`` (``--quick`` for a smoke run).

The README's reliability section states a million: this is where it is pushed. The check
is the suite's own (``tests/reliability/test_event_stress.py``, which pushes 200,000 in
CI): every task's final state and attempt count, and every finished run's counts, must
be what the engine decided. A million makes five times the hand-overs racing the drains;
it is the same property, so it runs here, not in every CI run. The seconds printed
include making the events (about a third of them).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the check's package

from _util import table

from reliability.test_event_stress import push_through_the_tui_path

FULL = 1_000_000
QUICK = 20_000


def main(quick: bool = False) -> str:
    total = QUICK if quick else FULL
    started = time.perf_counter()
    pushed = push_through_the_tui_path(total, seed=6)
    seconds = time.perf_counter() - started
    rows = [
        ("events", "hand-overs", "drains", "seconds (making them too)", "result"),
        (
            f"{pushed.events:,}",
            f"{pushed.hand_overs:,}",
            f"{pushed.drains:,}",
            f"{seconds:.1f}",
            "every task's state and attempts exact",
        ),
    ]
    text = table(rows)
    print(text)
    return text


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 events, for a smoke run")
    main(parser.parse_args().quick)
