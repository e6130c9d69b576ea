"""``flowtop history --json`` writes a lone surrogate as ``flowtop run --json`` does.

A task that printed or raised ``"\\ud800"`` (a lone high surrogate, which a Python
string can hold) was written ``\\ud800`` by ``history --json``: RFC 8259 allows it, but
jq 1.6 refused the whole line (``Invalid \\uXXXX\\uXXXX surrogate pair escape``), where
``run --json`` writes U+FFFD for it. A lone low one (``\\udcff``, a byte that is not
UTF-8) stays escaped in both, as jq reads it.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

from cli_kit import flowtop

FLOW = """
    from flowtop import flow, task

    @task
    def talk(name):
        print("out \\ud800 and \\udcff and \\U0001f600")
        raise ValueError(f"bad {name} low \\udcff")

    @flow
    def talker(name: str = "x"):
        return talk(name)
"""

#: A high surrogate's escape that no low one's follows: what jq 1.6 refuses.
LONE_HIGH = re.compile(r"\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])")


def json_records(text: str) -> list[dict[str, Any]]:
    """Each line of ``text`` read as JSON, none with a lone high surrogate's escape."""
    for line in text.splitlines():
        assert not LONE_HIGH.search(line), line
    return [json.loads(line) for line in text.splitlines()]


def test_history_json_writes_surrogates_as_run_json_does(tmp_path: Path) -> None:
    (tmp_path / "talker.py").write_text(textwrap.dedent(FLOW))
    ran = flowtop("run", "talker.py", "--json", "--params", '{"name": "\\ud800"}', cwd=tmp_path)
    assert ran.returncode == 1 and "Traceback" not in ran.stderr, ran.stderr
    events = json_records(ran.stdout)
    (failed,) = [e for e in events if e.get("state") == "FAILED" and e.get("task") == "talk"]
    assert failed["error"]["message"] == "bad \ufffd low \udcff"

    listed = flowtop("history", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    (run,) = json_records(listed.stdout)
    assert run["parameters"] == events[0]["parameters"] == {"name": "\ufffd"}

    shown = flowtop("history", "--run", "1", "--json", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    (task,) = [r for r in json_records(shown.stdout) if r["record"] == "task"]
    assert task["error"]["message"] == failed["error"]["message"]
    (attempt,) = task["attempts"]
    assert attempt["output"] == failed["output"] == "out \ufffd and \udcff and \U0001f600\n"
    assert attempt["error"]["traceback"] == failed["error"]["traceback"]
