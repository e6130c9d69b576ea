"""Prefect 3's ``prefect.variables``: named JSON values that flows and tasks share.

With no API server, a workspace keeps them, in ``.flowtop/variables.json``.
``Variable.set`` writes there (the file replaced whole, as the retry editor replaces
``overrides.toml``, under a lock, so two processes setting at once lose nothing);
``Variable.get`` reads there first, then the ``[variables]`` table of ``flowtop.toml``,
for values kept with the code. The workspace is the one whose flowtop runs the code (a
run started by the TUI, ``flowtop run``, a browser); elsewhere (a script calling a flow,
a module's top level) the current directory's. Names and values are checked as Prefect
checks them. As in Prefect 3, ``get``, ``set`` and ``unset`` called from async code (an
``async def`` flow or task) return an awaitable: ``await Variable.get(...)``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from .code_settings import settings_table, state_dir
from .engine.async_dispatch import dispatch
from .engine.prefect_json import model_error
from .workspace.access import explain
from .workspace.overrides import locked, write_atomic
from .workspace.private import private_folder

__all__ = ["Variable"]

_NAME = re.compile(r"^[a-z0-9_-]*$")
MAX_NAME = 255
MAX_VALUE = 5000  # characters of its JSON, as Prefect's limit
_MODEL = "VariableCreate"  # the Prefect model whose validation error a bad one raises


class Variable:
    """A variable as Prefect returns it from ``set``: ``name``, ``value``, ``tags``."""

    __slots__ = ("name", "tags", "value")

    def __init__(self, name: str, value: Any, tags: list[str] | None = None) -> None:
        self.name = name
        self.value = value
        self.tags = list(tags or [])

    def __repr__(self) -> str:
        return f"Variable(name={self.name!r}, value={self.value!r}, tags={self.tags!r})"

    @classmethod
    def get(cls, name: str, default: Any = None, _sync: bool | None = None) -> Any:
        """Its value, or ``default`` when no such variable is kept. From async code an
        awaitable of it, as in Prefect (``await Variable.get(...)``; ``_sync=True``: the
        value)."""
        return dispatch(_sync, lambda: _get(name, default))

    @classmethod
    def set(
        cls,
        name: str,
        value: Any,
        tags: list[str] | None = None,
        overwrite: bool = False,
        _sync: bool | None = None,
    ) -> Variable | Coroutine[Any, Any, Variable]:
        """Keep ``value`` under ``name``; one that exists needs ``overwrite=True``. From
        async code an awaitable of it, as ``get``."""
        return dispatch(_sync, lambda: _set(cls, name, value, tags, overwrite))

    @classmethod
    def unset(cls, name: str, _sync: bool | None = None) -> bool | Coroutine[Any, Any, bool]:
        """Forget a variable ``set`` kept: True if there was one (those of ``flowtop.toml``
        stay, as they are kept with the code). From async code an awaitable of it."""
        return dispatch(_sync, lambda: _unset(name))

    @classmethod
    async def aget(cls, name: str, default: Any = None) -> Any:
        return _get(name, default)

    @classmethod
    async def aset(
        cls, name: str, value: Any, tags: list[str] | None = None, overwrite: bool = False
    ) -> Variable:
        return _set(cls, name, value, tags, overwrite)

    @classmethod
    async def aunset(cls, name: str) -> bool:
        return _unset(name)


def _get(name: str, default: Any) -> Any:
    folder = state_dir()
    stored = _read(folder)
    if name in stored:
        return stored[name]["value"]
    return settings_table("variables", folder).get(name, default)


def _set(
    cls: type[Variable], name: str, value: Any, tags: list[str] | None, overwrite: bool
) -> Variable:
    _check(name, value)
    folder = state_dir()
    with locked(private_folder(folder) / "variables.lock"):
        stored = _read(folder)
        exists = name in stored or name in settings_table("variables", folder)
        if exists and not overwrite:
            raise ValueError(
                f"Variable {name!r} already exists. Use `overwrite=True` to update it."
            )
        stored[name] = {"value": value, "tags": list(tags or [])}
        _write(folder, stored)
    return cls(name, value, tags)


def _unset(name: str) -> bool:
    folder = state_dir()
    with locked(private_folder(folder) / "variables.lock"):
        stored = _read(folder)
        if stored.pop(name, None) is None:
            return False
        _write(folder, stored)
    return True


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot name a variable (Prefect's rule), or None; ``flowtop.toml``'s
    ``[variables]`` are checked by it too."""
    if not isinstance(name, str) or not _NAME.match(name):
        return (
            "Variable name must only contain lowercase letters, numbers, and dashes or underscores."
        )
    if len(name) > MAX_NAME:
        return f"Variable name must be at most {MAX_NAME} characters"
    return None


def _check(name: str, value: Any) -> None:
    """Prefect's checks of a name and a value, failing with the error its
    ``VariableCreate`` model raises (pydantic's ``ValidationError``, a ``ValueError``)."""
    problem = name_problem(name)
    if problem is not None:
        too_long = isinstance(name, str) and len(name) > MAX_NAME and _NAME.match(name)
        raise model_error(_MODEL, "name", name, problem, MAX_NAME if too_long else 0)
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        message = "Variable value must be serializable to JSON"
        raise model_error(_MODEL, "value", value, message) from None
    if value is not None and len(text) > MAX_VALUE:
        message = f"Variable value must be less than {MAX_VALUE} characters"
        raise model_error(_MODEL, "value", value, message)


def _read(folder: Path) -> dict[str, dict[str, Any]]:
    path = folder / "variables.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except PermissionError as exc:  # whose file, or whose private folder, and what to do
        raise ValueError(f"cannot read variables: {explain(exc, path)}") from None
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot be read as variables ({exc}); fix or delete it") from None
    if not isinstance(stored, dict) or not all(
        isinstance(entry, dict) and "value" in entry for entry in stored.values()
    ):
        raise ValueError(f"{path}: not a variables file; fix or delete it")
    return stored


def _write(folder: Path, stored: dict[str, dict[str, Any]]) -> None:
    """The file with its variables in name order (a stable file to diff), each value's
    own keys in the order it was set with: ``get`` gives a dict back as Prefect keeps it."""
    by_name = dict(sorted(stored.items()))
    write_atomic(folder / "variables.json", json.dumps(by_name, indent=1).encode())
