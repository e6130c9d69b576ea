"""docs/store.md says a dead run's note as flowtop writes it now (fx_loose, s60c): with
how its process ended and the tasks it was running, as README's `⚡ Interrupted` row does;
it still described only "its process … is gone"."""

from __future__ import annotations

from pathlib import Path

from flowtop.workspace.dead_runs_tasks import UNSAID

DOCS = Path(__file__).resolve().parents[1] / "docs"


def liveness() -> str:
    text = (DOCS / "store.md").read_text(encoding="utf-8")
    section = text.partition("## Liveness")[2].partition("\n## ")[0]
    return " ".join(section.split())


def test_the_liveness_section_says_a_dead_run_s_note_as_it_reads() -> None:
    said = liveness()
    assert "is gone; it was running extract, load" in said, said
    assert "(pid 4242 on vm, exit code 3)" in said and "killed by SIGKILL" in said, said
    assert f"it ended without a word while running extract, load ({UNSAID})" in said, said
