"""``history --prune N --json`` prints the same keys whether or not a store exists yet.

In a workspace no run had used, the one object a pruning script reads lacked
``kept_beyond``: a script reading ``kept_beyond["live"]`` failed there alone.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from cli_kit import Here
from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.workspace.history import History


def pruned(flowtop_here: Here, folder: Path) -> dict[str, object]:
    done = flowtop_here("history", ".", "--prune", "3", "--json", cwd=folder)
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout)
    assert isinstance(said, dict)
    return said


def shape(said: dict[str, object]) -> dict[str, object]:
    """The keys of ``said``, a nested object's own keys too."""
    return {k: shape(v) if isinstance(v, dict) else type(v) for k, v in said.items()}


def test_no_store_yet_says_every_key_a_store_s_prune_says(
    tmp_path: Path, flowtop_here: Here
) -> None:
    empty = pruned(flowtop_here, tmp_path)
    assert not (tmp_path / ".flowtop").exists()  # nothing made to say nothing was pruned
    assert empty["kept_beyond"] == {"live": 0, "called": 0, "stood_for": 0, "rerunning": 0}
    history = History(tmp_path / ".flowtop" / "history.db")
    try:
        now = time.time()
        history.sink(
            [
                RunStarted("etl-1", "etl", 1, (), (), (), None, now),
                RunFinished("etl-1", "etl", 1, StateType.COMPLETED, {}, 1.0, now),
            ]
        )
        assert history.flush(10)
    finally:
        history.close()
    assert shape(pruned(flowtop_here, tmp_path)) == shape(empty)
