"""``flowtop serve --help``'s description: its one-line summary, then what the link is."""

from __future__ import annotations

from flowtop.cli import COMMANDS, build_parser


def test_the_summary_ends_with_a_full_stop_before_the_text_that_follows() -> None:
    """It read ``serve the TUI in a web browser (textual-serve) The page can start runs``."""
    description = build_parser("serve").commands["serve"].description or ""
    summary = COMMANDS["serve"][1]
    assert description.startswith(f"{summary}. The page can start runs and change settings")
    assert ".." not in description
