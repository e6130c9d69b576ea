"""Settings file errors say what and where (rv405 §5-§10): the line of a dotted key, how
to write a number given as text, a key or table set twice by name and both lines, a
flow name holding quotes as TOML spells it, the exact size of a file past the limit, and
one class named twice in ``retry_on`` counted once."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from flowtop.workspace import SettingsError, Workspace
from flowtop.workspace.settings import SettingsFileError, parse_settings, table_name
from flowtop.workspace.settings_state import settings_text

FLOW = """
from flowtop import Flow, task

@task
def load():
    return 1

with Flow("etl") as flow:
    load()
"""

Write = Callable[[str, str | bytes], Path]


def said(text: str, name: str = "flowtop.toml") -> str:
    with pytest.raises(SettingsFileError) as refused:
        parse_settings(Path(name), text, allow_defaults=name == "flowtop.toml")
    return str(refused.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[flows.etl.tasks]\nload.max_retries = 1\nload.timeout = -1\n",
            'flowtop.toml:3: [flows."etl".tasks."load"]: timeout must be',
        ),
        (
            "[flows.etl.tasks.load]\nretry_delay.base = 1\nretry_delay.factr = 2\n",
            'flowtop.toml:3: [flows."etl".tasks."load".retry_delay]: unknown key \'factr\'',
        ),
        (
            "[flows.etl]\ntasks.load.max_retries = 1\ntasks.load.timeout = -1\n",
            'flowtop.toml:3: [flows."etl".tasks."load"]: timeout must be',
        ),
    ],
)
def test_a_dotted_key_is_said_by_its_own_line(text: str, expected: str) -> None:
    assert said(text).startswith(expected), said(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[defaults]\nworkers = "8"\n',
            "[defaults]: workers must be an integer from 1 to 1024, got str '8'; "
            "write workers = 8, without quotes",
        ),
        (
            '[defaults]\nmax_result_bytes = "100"\n',
            "[defaults]: max_result_bytes must be an integer >= 0, got str '100'; "
            "write max_result_bytes = 100, without quotes",
        ),
        (
            '[concurrency]\ndb = "2"\n',
            "[concurrency] db: its limit must be a whole number of slots >= 1, got str '2'; "
            "write db = 2, without quotes",
        ),
        (
            "[concurrency]\ndb = -1\n",
            "[concurrency] db: its limit must be a whole number of slots >= 1, got int -1",
        ),
        (
            '[concurrency]\ndb = { limit = "3" }\n',
            "[concurrency] db: its limit must be a whole number of slots >= 1, got str '3'; "
            "write limit = 3, without quotes",
        ),
    ],
)
def test_a_count_written_as_text_says_what_to_write(text: str, expected: str) -> None:
    assert said(text) == f"flowtop.toml:2: {expected}"


def test_a_key_set_twice_is_named_with_both_lines() -> None:
    assert said("[defaults]\nmax_retries = 3\nmax_retries = 4\n") == (
        "flowtop.toml:3: [defaults]: max_retries is set twice (lines 2 and 3)"
    )
    text = (
        '[flows."etl".tasks."load"]\nmax_retries = 1\n\n[flows."etl".tasks."load"]\ntimeout = 2\n'
    )
    assert said(text, ".flowtop/overrides.toml") == (
        '.flowtop/overrides.toml:4: [flows."etl".tasks."load"] is declared twice (lines 1 and 4)'
    )


def test_a_save_over_a_table_declared_twice_says_it_so_too(
    write: Write, workspace: Callable[..., Workspace]
) -> None:
    write("etl.py", FLOW)
    write(
        ".flowtop/overrides.toml",
        '[flows."etl".tasks."load"]\nmax_retries = 1\n[flows."etl".tasks."load"]\ntimeout = 2\n',
    )
    ws = workspace()
    with pytest.raises(SettingsError) as refused:
        ws.set_override("etl", "load", max_retries=3)
    assert str(refused.value) == (
        '.flowtop/overrides.toml cannot be updated: line 3: [flows."etl".tasks."load"] is '
        "declared twice (lines 1 and 3); fix or delete it first"
    )


def test_a_flow_name_with_quotes_is_said_as_toml_spells_it() -> None:
    assert table_name(("flows", 'a "b"', "tasks", "t2")) == r'[flows."a \"b\"".tasks."t2"]'
    text = '[flows."a \\"b\\"".tasks.t2]\nmax_retries = -1\n'
    assert said(text, ".flowtop/overrides.toml").startswith(
        r'.flowtop/overrides.toml:2: [flows."a \"b\"".tasks."t2"]: max_retries must be'
    )


def test_a_file_just_past_the_limit_is_said_by_its_bytes(tmp_path: Path) -> None:
    path = tmp_path / "flowtop.toml"
    path.write_text("[defaults]\nmax_retries = 3\n")
    os.truncate(path, 1_100_028)
    with pytest.raises(OSError, match="settings file is at most") as refused:
        settings_text(path)
    assert str(refused.value) == "it is 1,100,028 bytes; a settings file is at most 1,048,576 bytes"


def test_one_class_named_twice_in_retry_on_counts_once(
    write: Write, workspace: Callable[..., Workspace]
) -> None:
    write("etl.py", FLOW)
    write(
        "flowtop.toml",
        '[flows."etl".tasks."load"]\nretry_on = ["ValueError", "builtins.ValueError"]\n',
    )
    ws = workspace()
    flow = ws.flows["etl"]
    assert ws.policy_for(flow, flow.node("load")).retry_on == (ValueError,)
