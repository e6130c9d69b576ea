"""What the retry editor's toasts say it wrote: each value as ``overrides.toml`` holds it.

Words, not layout: apart from the editor's dialog (``retry_editor.py``, at its 600
lines), and tested on their own (``saved_text``).
"""

from __future__ import annotations

from typing import Any

# (imported first by ``workspace.overrides``, before a flows folder is on sys.path)
import tomli_w

from ...workspace.places import OVERRIDES_FILE, STATE_DIR

#: What a save's toast adds when the file it rewrote held comments of someone's own: the
#: workspace that rewrote it says so (``OverridesSaved``); the editor reads no file.
COMMENTS_LOST = "comments in overrides.toml were not kept"


def saved_text(
    flow: str,
    task: str,
    values: dict[str, Any],
    *,
    comments_lost: bool = False,
    into: str = f"{STATE_DIR}/{OVERRIDES_FILE}",
) -> str:
    """The toast after Save: each value written, or dropped back to the layers below;
    and, when the file held comments (``has_comments``), that they are gone. ``into``:
    the file, as the user reaches it from where flowtop was started (``flows/.flowtop/…``
    for ``flowtop flows``: it read ``.flowtop/…``, a path that did not exist there)."""
    parts = []
    for name, value in values.items():
        if value is None:
            parts.append(f"{name} removed (inherited again)")
        else:
            parts.append(f"{name} = {toml_value(value)}")
    if comments_lost:
        parts.append(COMMENTS_LOST)
    return f"Saved {flow} / {task} to {into}: " + "; ".join(parts)


def toml_value(value: Any) -> str:
    """``value`` as ``overrides.toml`` holds it, on one line: the toast said `retry_delay
    = 1, 5, 30` and `retry_on = ValueError` where the file holds `[1, 5, 30]` and
    `["ValueError"]`. Each string, number and key as ``tomli_w`` writes it to the file;
    an array on one line here (the file has an item a line)."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        pairs = ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        return f"{{ {pairs} }}" if pairs else "{}"
    return tomli_w.dumps({"v": value}).removeprefix("v = ").removesuffix("\n")


def toml_key(key: str) -> str:
    """A bare key as is, any other quoted, as ``tomli_w`` writes it."""
    return tomli_w.dumps({key: 0}).removesuffix(" = 0\n")
