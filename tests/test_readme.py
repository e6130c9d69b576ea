"""Every code block of README.md works as written, in a fresh folder.

- ``python`` blocks run as scripts (exit 0), and the ones that define flows load in
  ``flowtop list`` with no error and no run at import time;
- ``toml`` blocks parse, and settings tables load as ``flowtop.toml`` beside the README's
  first flow file with no error;
- ``flowtop …`` lines of ``bash`` blocks parse with flowtop's own argument parser;
- the JSON lines example is what ``flowtop run hello.py --json`` prints, byte for byte,
  apart from the values that differ per run (``run_id``, ``ts``, ``duration``, the path).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from cli_kit import UNBUFFERED, Here

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


@dataclass(frozen=True)
class Block:
    language: str
    text: str
    line: int  # where the fence opens, for messages

    def __str__(self) -> str:
        return f"README.md:{self.line} ({self.language or 'plain'})"


def blocks() -> list[Block]:
    text = README.read_text()
    return [
        Block(match[1], match[2], text.count("\n", 0, match.start()) + 1)
        for match in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.S | re.M)
    ]


def of(language: str) -> list[Block]:
    return [b for b in blocks() if b.language == language]


def run(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_the_readme_has_the_blocks_these_tests_expect() -> None:
    assert len(of("python")) >= 3 and len(of("toml")) >= 3 and len(of("bash")) >= 3
    assert json_example() is not None


@pytest.mark.parametrize("block", of("python"), ids=str)
def test_python_block_runs_as_written(block: Block, tmp_path: Path, flowtop_here: Here) -> None:
    script = tmp_path / "example.py"
    script.write_text(block.text)
    done = run(str(script), cwd=tmp_path)
    assert done.returncode == 0, f"{block}: {done.stderr}"
    if re.search(r"\bFlow\(|@flow\b", block.text):
        listed = flowtop_here("list", str(script), cwd=tmp_path, env=UNBUFFERED)
        assert listed.returncode == 0, f"{block}: {listed.stderr}"
        assert listed.stderr == "", f"{block}: {listed.stderr}"
        assert "FAILED" not in listed.stdout  # nothing ran at import time


def first_flow_file() -> str:
    return of("python")[0].text


SETTINGS_TABLES = re.compile(r"^\[(defaults|keys|flows\.)", re.M)


@pytest.mark.parametrize("block", of("toml"), ids=str)
def test_toml_block_loads_as_settings(block: Block, tmp_path: Path, flowtop_here: Here) -> None:
    tomllib.loads(block.text)  # at least valid TOML
    assert SETTINGS_TABLES.search(block.text), f"{block}: not a flowtop.toml example?"
    (tmp_path / "etl.py").write_text(first_flow_file())
    (tmp_path / "flowtop.toml").write_text(block.text)
    listed = flowtop_here("list", str(tmp_path), cwd=tmp_path, env=UNBUFFERED)
    assert listed.returncode == 0, f"{block}: {listed.stderr}"
    assert listed.stderr == "", f"{block}: {listed.stderr}"


def command_lines() -> list[str]:
    lines: list[str] = []
    for block in of("bash"):
        for line in block.text.splitlines():
            command = line.split("  #", 1)[0].strip()
            lines.extend(
                part.strip() for part in command.split("&&") if part.strip().startswith("flowtop ")
            )
    return lines


@pytest.mark.parametrize("line", command_lines())
def test_flowtop_command_lines_parse(line: str) -> None:
    from flowtop.cli import COMMANDS, build_parser

    argv = [arg for arg in shlex.split(line)[1:] if arg != "--prefect-compat"]
    if not argv or argv[0] not in COMMANDS:
        argv.insert(0, "open")
    # As flowtop.cli.main parses a command line: the command's own parser, intermixed.
    command = build_parser(argv[0]).commands[argv[0]]
    _, unknown = command.parse_known_intermixed_args(argv[1:])  # exits 2 on a bad value
    assert not unknown, f"{line}: unrecognized arguments {unknown}"


def json_example() -> Block | None:
    for block in blocks():
        lines = block.text.splitlines()
        if lines and all(line.startswith('{"event": ') for line in lines):
            return block
    return None


def hello_block() -> Block:
    (block,) = [b for b in of("python") if 'Flow("hello")' in b.text]
    return block


VARYING = ("run_id", "ts", "duration")


def test_the_json_example_is_real_output_byte_for_byte(tmp_path: Path) -> None:
    example = json_example()
    assert example is not None
    (tmp_path / "hello.py").write_text(hello_block().text)
    done = run("-m", "flowtop", "run", "hello.py", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    shown = example.text.splitlines()
    real = done.stdout.splitlines()
    assert len(real) == len(shown)
    for shown_line, real_line in zip(shown, real, strict=True):
        wanted = json.loads(shown_line)
        event = json.loads(real_line)
        for key in VARYING:  # the values that differ per run take the README's
            if key in event:
                event[key] = wanted[key]
        if "error" in event:
            event["error"]["traceback"] = event["error"]["traceback"].replace(
                str(tmp_path), "/home/me"
            )
        rebuilt = real_line
        for key in VARYING:  # put the README's values in the real line, keeping its bytes
            if key in wanted:
                rebuilt = re.sub(
                    rf'"{key}": [^,}}]+', f'"{key}": {json.dumps(wanted[key])}', rebuilt, count=1
                )
        rebuilt = rebuilt.replace(json.dumps(str(tmp_path))[1:-1], "/home/me")
        assert json.loads(rebuilt) == event
        assert rebuilt == shown_line


def test_every_name_the_readme_imports_from_flowtop_is_there() -> None:
    """``from flowtop import DelayError`` in prose as in code: a name the README tells a
    reader to import (it named ``DelayError`` and ``FlowRunTimeoutError`` without saying
    where they live, and neither was in ``flowtop``) imports."""
    import importlib

    text = README.read_text()
    imported = re.findall(r"from (flowtop[\w.]*) import ([\w, ]+)", text)
    assert len(imported) >= 5
    for module, names in imported:
        found = importlib.import_module(module)
        for name in (n.strip() for n in names.split(",")):
            assert hasattr(found, name), f"README: from {module} import {name}"
