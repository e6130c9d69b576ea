"""Every reader of a settings file's TOML refuses a value nested too deep, as TOML.

tomllib reads arrays and inline tables by recursion: ``[[[…]]]`` 500 deep in a 1 KB file
raised ``RecursionError``, which no reader caught (they catch ``TOMLDecodeError``): the
workspace's check, the monitor's first read of ``load_timeout``, a task's
``settings_table``, and the retry editor's reads of ``overrides.toml``. Nesting is capped
as ``-p`` JSON's is (``MAX_JSON_DEPTH``), at the line where the value starts.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from flowtop.code_settings import settings_table
from flowtop.engine.parameters import MAX_JSON_DEPTH
from flowtop.workspace import overrides
from flowtop.workspace.remote_workspace import RemoteWorkspace
from flowtop.workspace.settings import SettingsFileError, parse_settings
from flowtop.workspace.settings_toml import deepest, read_settings_toml


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


DEEP = f"[defaults]\nretry_delay = {nested(500)}\n"
STACK = "too deep to read (limit 500, less in Python's TOML parser)"


def test_a_value_past_the_cap_is_refused_at_the_line_where_it_starts() -> None:
    text = f"[variables]\n# [[[[\nx = [\n  1,\n  {nested(MAX_JSON_DEPTH)}]\n"
    with pytest.raises(tomllib.TOMLDecodeError) as caught:
        read_settings_toml(text)
    assert str(caught.value) == (
        f"value nested {MAX_JSON_DEPTH + 1} deep, too deep to read (limit {MAX_JSON_DEPTH})"
        " (at line 3, column 5)"
    )


def test_an_inline_table_past_the_cap_is_refused_too() -> None:
    text = "x = " + "{a=" * 600 + "1" + "}" * 600 + "\n"
    with pytest.raises(
        tomllib.TOMLDecodeError,
        match=r"nested 600 deep, too deep to read \(limit 500\) \(at line 1, ",
    ):
        read_settings_toml(text)


def test_dotted_keys_past_the_cap_are_refused_at_the_key_s_line() -> None:
    """Old: ``tables nested over 500 deep``, at no line."""
    with pytest.raises(tomllib.TOMLDecodeError) as caught:
        read_settings_toml("[variables]\n\n  x" + ".a" * 600 + " = 1\n")
    said = "tables nested 601 deep, too deep to read (limit 500) (at line 3, column 3)"
    assert str(caught.value) == said
    header = "[" + "a." * 600 + "b]\nx = 1\n"
    with pytest.raises(
        tomllib.TOMLDecodeError, match=r"nested 601 deep, .* \(at line 1, column 1\)$"
    ):
        read_settings_toml(header)


def test_a_dotted_key_deep_with_its_value_is_refused_at_no_line() -> None:
    """Neither the key's dots nor the value's brackets are past the cap, only the two."""
    text = "x" + ".a" * 300 + " = " + nested(300) + "\n"
    with pytest.raises(
        tomllib.TOMLDecodeError, match=r"^tables nested 600 deep, [^(]*\(limit 500\)$"
    ):
        read_settings_toml(text)


def test_what_the_parser_cannot_recurse_into_is_refused_at_its_line() -> None:
    """Under the cap (500 deep here), more than tomllib's recursion takes: old, the
    ``RecursionError`` itself."""
    with pytest.raises(tomllib.TOMLDecodeError) as caught:
        read_settings_toml(DEEP)
    assert str(caught.value) == f"value nested 500 deep, {STACK} (at line 2, column 15)"


def test_an_inline_table_the_parser_cannot_read_is_said_as_an_array_is() -> None:
    """Old: ``value nested 400 deep, too deep to read``, no limit, where 600 said
    ``value nested over 500 deep``: one wording now, the nesting and the limit."""
    text = "\n x = " + "{a=" * 400 + "1" + "}" * 400 + "\n"
    with pytest.raises(tomllib.TOMLDecodeError) as caught:
        read_settings_toml(text)
    assert str(caught.value) == f"value nested 400 deep, {STACK} (at line 2, column 6)"


def test_brackets_in_strings_comments_and_table_headers_nest_nothing() -> None:
    text = '[[a]]\n[b]\ns = """ [[[\n\n"""\nt = \'[[[[\' # {{{{\nx = [\n [\n  [1]]]\n'
    assert deepest(text) == (3, (7, 5))  # x's line, its first bracket
    # past the quick count (a bracket each), so scanned: nothing nests
    many = "".join(f'[t{n}]\nv = "[{{"\n' for n in range(MAX_JSON_DEPTH))
    assert len(read_settings_toml(many)) == MAX_JSON_DEPTH


def test_200_deep_still_reads() -> None:
    value = read_settings_toml(f"x = {nested(200)}\n")["x"]
    for _ in range(199):
        (value,) = value
    assert value == []
    assert deepest(f"x = {nested(200)}\n") == (200, (1, 5))


def test_the_workspace_check_says_it_as_the_file_s_error(tmp_path: Path) -> None:
    path = tmp_path / "flowtop.toml"
    with pytest.raises(SettingsFileError) as caught:
        parse_settings(path, DEEP)
    error = caught.value.error
    assert (error.line, error.message) == (
        2,
        f"invalid TOML: value nested 500 deep, {STACK}",
    )


def test_a_task_s_settings_table_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "flowtop.toml").write_text(DEEP, encoding="utf-8")
    with pytest.raises(ValueError, match="nested 500 deep"):
        settings_table("variables", tmp_path / ".flowtop")


def test_the_retry_editor_s_reads_of_overrides_say_it_as_toml(tmp_path: Path) -> None:
    path = tmp_path / "overrides.toml"
    path.write_text(DEEP.replace("[defaults]", "[flows.etl.tasks.x]"), encoding="utf-8")
    with pytest.raises(tomllib.TOMLDecodeError):
        overrides.read_toml(path)
    with pytest.raises(tomllib.TOMLDecodeError):
        overrides.read_for_rewrite(path)


def test_the_monitor_s_first_load_timeout_passes_over_it(tmp_path: Path) -> None:
    """Read in the monitor's process before the host says: old, a ``RecursionError`` that
    toasted "Hot reload is off: maximum recursion depth exceeded"."""
    (tmp_path / "flowtop.toml").write_text(DEEP, encoding="utf-8")
    workspace = RemoteWorkspace(str(tmp_path))
    try:
        said: Any = workspace.settings.load_timeout
        assert workspace._load_timeout() == said
    finally:
        workspace.close()


def test_a_string_left_open_is_scanned_once() -> None:
    """Each ``"`` began a string that failed at the text's end: ``"\\`` repeated over
    10 KB took over a second, 1 MB would take hours (now: the string ends at the line's
    end, as tomllib would refuse it anyway)."""
    assert deepest('"\\' * 200_000 + "\nx = " + nested(3)) == (3, (2, 5))
    assert deepest('"""\\' * 100_000) == (0, (1, 1))


def test_a_recursion_the_scan_cannot_place_is_said_without_a_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def recursing(text: str) -> dict[str, Any]:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(tomllib, "loads", recursing)
    with pytest.raises(
        tomllib.TOMLDecodeError,
        match=r"^value nested too deep to read \(limit 500, less in Python's TOML parser\)$",
    ):
        read_settings_toml("x = 1\n")
    with pytest.raises(tomllib.TOMLDecodeError, match=r"nested 3 deep, .* \(at line 2, column 5\)"):
        read_settings_toml(f"\nx = {nested(3)}\n")
