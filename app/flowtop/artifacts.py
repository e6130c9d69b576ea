"""Prefect 3's ``prefect.artifacts``, for a monitor with no API server to keep them.

An artifact is written where the code that makes it writes: into the task attempt's (or
the ``@flow`` body's) captured output, so it shows in the monitor's detail pane, the
history and under the attempt's line in ``flowtop run``; outside any run, to stdout.
A table is laid out in columns, a link as ``text: url``; a progress artifact is a
percentage, and its updates are lines of their own. Each call returns an id, as in
Prefect, and checks the key as Prefect does; called from async code (an ``async def``
flow or task), an awaitable of it, as Prefect 3's are: ``await create_markdown_artifact(...)``.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Coroutine, Mapping, Sequence
from typing import Any

from .engine.async_dispatch import dispatch
from .engine.prefect_json import model_error

__all__ = [
    "acreate_image_artifact",
    "acreate_link_artifact",
    "acreate_markdown_artifact",
    "acreate_progress_artifact",
    "acreate_table_artifact",
    "aupdate_progress_artifact",
    "create_image_artifact",
    "create_link_artifact",
    "create_markdown_artifact",
    "create_progress_artifact",
    "create_table_artifact",
    "update_progress_artifact",
]

_KEY = re.compile(r"^[a-z0-9-]*$")
#: The three shapes of table Prefect takes: columns by name, rows by name, bare rows.
Table = Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]] | Sequence[Sequence[Any]]
#: Progress artifacts' keys by id, for their updates' lines (this process's only).
_progress_keys: dict[uuid.UUID, str] = {}


def _write(kind: str, key: str | None, description: str | None, body: str) -> uuid.UUID:
    if key is not None and not _KEY.match(key):
        message = "Artifact key must only contain lowercase letters, numbers, and dashes."
        # as Prefect's: its ``MarkdownArtifact`` (...) model's pydantic ``ValidationError``
        raise model_error(f"{kind.capitalize()}Artifact", "key", key, message)
    title = f"artifact {key} ({kind})" if key else f"artifact ({kind})"
    if description:
        title += f": {description}"
    print(f"{title}\n{body}" if body else title)
    return uuid.uuid4()


#: What a ``create_*_artifact`` call returns: the id, or from async code an awaitable of it.
Made = uuid.UUID | Coroutine[Any, Any, uuid.UUID]


def create_markdown_artifact(
    markdown: str,
    key: str | None = None,
    description: str | None = None,
    _sync: bool | None = None,
    **_: Any,
) -> Made:
    return dispatch(_sync, lambda: _markdown(markdown, key, description))


def create_link_artifact(
    link: str,
    link_text: str | None = None,
    key: str | None = None,
    description: str | None = None,
    _sync: bool | None = None,
    **_: Any,
) -> Made:
    return dispatch(_sync, lambda: _link(link, link_text, key, description))


def create_image_artifact(
    image_url: str,
    key: str | None = None,
    description: str | None = None,
    _sync: bool | None = None,
    **_: Any,
) -> Made:
    return dispatch(_sync, lambda: _image(image_url, key, description))


def create_table_artifact(
    table: Table,
    key: str | None = None,
    description: str | None = None,
    _sync: bool | None = None,
    **_: Any,
) -> Made:
    return dispatch(_sync, lambda: _table(table, key, description))


def create_progress_artifact(
    progress: float,
    key: str | None = None,
    description: str | None = None,
    _sync: bool | None = None,
    **_: Any,
) -> Made:
    return dispatch(_sync, lambda: _progress(progress, key, description))


def update_progress_artifact(
    artifact_id: uuid.UUID,
    progress: float,
    description: str | None = None,
    _sync: bool | None = None,
    **_: Any,
) -> Made:
    return dispatch(_sync, lambda: _update(artifact_id, progress, description))


async def acreate_markdown_artifact(*args: Any, **kwargs: Any) -> uuid.UUID:
    return _markdown(*args, **kwargs)


async def acreate_link_artifact(*args: Any, **kwargs: Any) -> uuid.UUID:
    return _link(*args, **kwargs)


async def acreate_image_artifact(*args: Any, **kwargs: Any) -> uuid.UUID:
    return _image(*args, **kwargs)


async def acreate_table_artifact(*args: Any, **kwargs: Any) -> uuid.UUID:
    return _table(*args, **kwargs)


async def acreate_progress_artifact(*args: Any, **kwargs: Any) -> uuid.UUID:
    return _progress(*args, **kwargs)


async def aupdate_progress_artifact(*args: Any, **kwargs: Any) -> uuid.UUID:
    return _update(*args, **kwargs)


# -- what each call does, now -------------------------------------------------------------
def _markdown(
    markdown: str, key: str | None = None, description: str | None = None, **_: Any
) -> uuid.UUID:
    return _write("markdown", key, description, markdown.rstrip("\n"))


def _link(
    link: str,
    link_text: str | None = None,
    key: str | None = None,
    description: str | None = None,
    **_: Any,
) -> uuid.UUID:
    return _write("link", key, description, f"{link_text}: {link}" if link_text else link)


def _image(
    image_url: str, key: str | None = None, description: str | None = None, **_: Any
) -> uuid.UUID:
    return _write("image", key, description, image_url)


def _table(
    table: Table, key: str | None = None, description: str | None = None, **_: Any
) -> uuid.UUID:
    return _write("table", key, description, _columns(table))


def _progress(
    progress: float, key: str | None = None, description: str | None = None, **_: Any
) -> uuid.UUID:
    artifact_id = _write("progress", key, description, _percent(progress))
    _progress_keys[artifact_id] = key or ""
    return artifact_id


def _update(
    artifact_id: uuid.UUID, progress: float, description: str | None = None, **_: Any
) -> uuid.UUID:
    _write("progress", _progress_keys.get(artifact_id) or None, description, _percent(progress))
    return artifact_id


def _percent(progress: float) -> str:
    """Prefect keeps a progress within 0–100."""
    return f"{max(0.0, min(float(progress), 100.0)):g}%"


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""  # Prefect stores NaN as null
    return str(value)


def _columns(table: Table) -> str:
    """The three shapes Prefect takes (columns by name, rows by name, bare rows) as text
    columns, a header line first when the columns have names."""
    header: list[str] = []
    if isinstance(table, Mapping):
        header = [str(name) for name in table]
        rows = [list(row) for row in zip(*table.values(), strict=False)]
    elif table and all(isinstance(row, Mapping) for row in table):
        named = [row for row in table if isinstance(row, Mapping)]
        header = list(dict.fromkeys(str(name) for row in named for name in row))
        rows = [[row.get(name) for name in header] for row in named]
    else:
        rows = [list(row) for row in table]
    lines = [header] if header else []
    lines += [[_cell(value) for value in row] for row in rows]
    if not lines:
        return ""
    widths = [
        max(len(line[i]) for line in lines if i < len(line)) for i in range(max(map(len, lines)))
    ]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip() for line in lines
    )
