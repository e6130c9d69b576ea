"""Every command's ``--json`` line reads in jq 1.6, whatever text a flow gave it.

``flowtop run --json`` wrote a lone high surrogate (``"\\ud800"``, which a Python string
can hold: a flow's name, a tag, a task's output) as U+FFFD, since jq 1.6 refuses the
escape (``Invalid \\uXXXX\\uXXXX surrogate pair escape``) and with it the whole line; the
other commands' lines (``run --detach --json``, ``list --json``, ``limits --json``,
``watch --json``'s interruption) were written with ``json.dumps`` and kept the escape.
They all go through ``json_record`` now.
"""

from __future__ import annotations

import io
import json

from flowtop.commands.run_output import DetachedIds
from flowtop.engine.events import json_record


def test_a_lone_high_surrogate_is_written_as_the_replacement_character() -> None:
    assert json_record({"flow": "etl\ud800"}) == '{"flow": "etl\\ufffd"}'


def test_a_byte_that_is_not_utf8_keeps_its_escape_and_reads_back_exactly() -> None:
    """A lone low surrogate is a file name's undecodable byte (``\\udcff``): jq reads it."""
    line = json_record({"path": "flows/caf\udce9.py", "pair": "\U0001f600"})
    assert "\\udce9" in line
    assert json.loads(line) == {"path": "flows/caf\udce9.py", "pair": "\U0001f600"}


def test_a_detached_runs_line_names_its_flow_in_jq_readable_json() -> None:
    out = io.StringIO()
    DetachedIds(out, json_lines=True)("etl\ud800", "6601b59785d9")
    line = out.getvalue()
    assert "\\ud800" not in line
    assert json.loads(line) == {
        "event": "run_detached",
        "flow": "etl\ufffd",
        "run_id": "6601b59785d9",
    }
