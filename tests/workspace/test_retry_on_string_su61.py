"""``retry_on = "ConnectionError"`` (a string, not a list) was taken as one name without
a word; SPEC has ``retry_on`` in TOML as a list of names, and ``retry_on = [1]`` was
refused as not one. Both settings files refuse it now, saying to add the brackets."""

from __future__ import annotations

import pytest

FLOW = """
from flowtop import Flow, task

@task
def load():
    return 1

with Flow("etl") as flow:
    load()
"""

HINT = (
    '[flows."etl".tasks."load"]: retry_on must be a list of exception names like '
    '["ConnectionError"], got str \'ConnectionError\'; write retry_on = ["ConnectionError"], '
    "with brackets"
)


@pytest.mark.parametrize("where", ["flowtop.toml", ".flowtop/overrides.toml"])
def test_a_single_name_without_brackets_is_refused_with_the_brackets_to_write(
    write, workspace, where
):
    write("etl.py", FLOW)
    write(where, '[flows."etl".tasks."load"]\nmax_retries = 2\nretry_on = "ConnectionError"\n')
    ws = workspace()
    assert str(ws.settings_error) == f"{where}:3: {HINT}"


def test_a_quoted_name_in_the_hint_is_written_as_toml(write, workspace):
    write("etl.py", FLOW)
    write("flowtop.toml", '[flows."etl".tasks."load"]\nretry_on = " a\\"b "\n')
    ws = workspace()
    assert str(ws.settings_error).endswith('; write retry_on = ["a\\"b"], with brackets')
