"""``json`` with its ``loads`` calls counted: patched in where a module reads JSON, a test
sees how often it decodes (a rerun's plan should decode no recorded parameters)."""

from __future__ import annotations

import json
from typing import Any


class CountedJson:
    """``json`` as a module reads it, its ``loads`` calls counted in ``decoded``."""

    def __init__(self) -> None:
        self.decoded = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(json, name)

    def loads(self, text: Any, *args: Any, **kwargs: Any) -> Any:
        self.decoded += 1
        return json.loads(text, *args, **kwargs)
