"""The settings layers a retry-policy value can come from, lowest first.

A ``StrEnum``: each member is its own name as stored and shown (``flowtop list``'s
``[builtin]``, the detail pane, the loader process's JSON), and compares equal to it.
"""

from __future__ import annotations

from enum import StrEnum


class Layer(StrEnum):
    """Where one policy value was set; a higher layer beats every one below it."""

    #: RetryPolicy's own default: nothing set the value.
    BUILTIN = "builtin"
    #: The ``@task(...)`` / ``task(...)`` arguments in the flow file.
    TASK = "task"
    #: ``[defaults]`` in flowtop.toml (fills only values still builtin) or a run's own default.
    DEFAULTS = "defaults"
    #: A ``[flows.<flow>.tasks.<task>]`` table in flowtop.toml.
    TOML = "flowtop.toml"
    #: The same tables in ``.flowtop/overrides.toml``, written by the retry editor.
    OVERRIDES = "overrides"
