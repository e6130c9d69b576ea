"""docs/workspace.md describes the flow hosts but said nothing of the watcher each one
forks (``host_watch``): a ``python -I -S -c …`` child of the host that a user sees in
``ps`` and that ends the host when the TUI goes. The paragraph names it as it runs."""

from __future__ import annotations

import inspect
from pathlib import Path

from flowtop.workspace import host_watch

DOCS = Path(__file__).resolve().parents[2] / "docs" / "workspace.md"


def test_the_workspace_docs_describe_the_flow_host_s_watcher() -> None:
    text = " ".join(DOCS.read_text().split())
    assert "**watcher**" in text
    assert "`python -I -S -c …`" in text
    assert "kills the host" in text
    # as the watcher is started: a bare interpreter, flags and all
    assert '"-I", "-S", "-c", WATCHER' in inspect.getsource(host_watch.die_with_peer)
