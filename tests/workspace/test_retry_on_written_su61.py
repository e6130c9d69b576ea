"""``retry_on`` names shown as a settings file writes them: ``Outer.Inner`` read ``Inner``
and ``json.decoder.JSONDecodeError`` read ``JSONDecodeError`` in `flowtop list`, the
detail pane and ``--json``, names that do not read back (``Inner`` resolves to nothing)."""

from __future__ import annotations

from flowtop.workspace.flow_description import policy_values

FLOW = """
import json
from flowtop import Flow, task

class Outer:
    class Inner(Exception):
        pass

@task(max_retries=1, retry_on=[Outer.Inner])
def coded():
    return 1

@task(max_retries=1)
def b():
    return 1

with Flow("f4") as flow:
    b()
    coded()
"""


def _policy(ws, key="b"):
    flow = ws.flows["f4"]
    return ws.policy_for(flow, flow.nodes[key])


def test_retry_on_from_a_settings_file_reads_as_the_file_writes_it(write, workspace):
    write("f4.py", FLOW)
    write(
        "flowtop.toml",
        '[flows."f4".tasks."b"]\n'
        'retry_on = ["Outer.Inner", "json.decoder.JSONDecodeError", "ValueError"]\n',
    )
    ws = workspace()
    assert ws.settings_error is None, ws.settings_error
    policy = _policy(ws)
    written = "Outer.Inner, json.decoder.JSONDecodeError, ValueError"
    assert policy.describe()["retry_on"][0] == written
    assert policy.summary().endswith(f"on {written}")
    assert policy_values(policy)["retry_on"] == written.split(", ")
    for name in written.split(", "):  # each reads back
        assert ws.check_retry_on("f4", [name]) is None


def test_a_class_named_twice_reads_once_by_its_first_name(write, workspace):
    write("f4.py", FLOW)
    write(
        "flowtop.toml",
        '[flows."f4".tasks."b"]\nretry_on = ["ValueError", "builtins.ValueError", "KeyError"]\n',
    )
    ws = workspace()
    assert _policy(ws).describe()["retry_on"][0] == "ValueError, KeyError"


def test_retry_on_of_the_code_reads_as_its_qualified_name(write, workspace):
    write("f4.py", FLOW)
    ws = workspace()
    assert _policy(ws, "coded").describe()["retry_on"][0] == "Outer.Inner"


def test_an_override_over_the_file_shows_its_own_names(write, workspace):
    write("f4.py", FLOW)
    write("flowtop.toml", '[flows."f4".tasks."coded"]\nretry_on = ["Outer.Inner"]\n')
    ws = workspace()
    ws.set_override("f4", "coded", max_retries=3)  # a layer above that leaves retry_on
    assert _policy(ws, "coded").describe()["retry_on"][0] == "Outer.Inner"
    ws.set_override("f4", "coded", retry_on=["builtins.KeyError"])
    assert _policy(ws, "coded").describe()["retry_on"][0] == "builtins.KeyError"
