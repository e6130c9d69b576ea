"""The retry editor's toast says each value as ``overrides.toml`` holds it: written by
``tomli_w``, the file's own writer, on one line (``retry_editor_saved.toml_value``). It
formatted TOML by hand, a string as JSON writes one: a DEL went raw into the toast where
the file holds ``\\u007f``."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
import tomli_w

from flowtop.tui.screens.retry_editor_saved import saved_text, toml_value


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (3, "3"),
        (2.5, "2.5"),
        (True, "true"),
        ([1, 5, 30], "[1, 5, 30]"),
        (("ValueError",), '["ValueError"]'),
        ('a"b\\c', '"a\\"b\\\\c"'),
        ("é\x7f\x01", '"é\\u007f\\u0001"'),
        ({"a b": [1], "c": "d"}, '{ "a b" = [1], c = "d" }'),
        ([], "[]"),
    ],
)
def test_a_value_is_said_as_the_file_holds_it_on_one_line(value: Any, said: str) -> None:
    assert toml_value(value) == said
    assert tomllib.loads(f"v = {said}")["v"] == tomllib.loads(tomli_w.dumps({"v": value}))["v"]


def test_a_scalar_is_written_as_tomli_w_writes_it() -> None:
    for value in (0, -1, 1e-9, float("inf"), False, "x\ty", "\U0001f600"):
        assert f"v = {toml_value(value)}\n" == tomli_w.dumps({"v": value})


def test_the_toast_names_each_value() -> None:
    assert saved_text("etl", "x", {"retry_delay": [1, 5], "retry_on": None}) == (
        "Saved etl / x to .flowtop/overrides.toml: retry_delay = [1, 5]; "
        "retry_on removed (inherited again)"
    )
