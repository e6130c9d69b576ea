"""The settings layers are one enum: a policy records members of it, they read as the
strings stored and shown, and no module names a layer by a bare string literal."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from flowtop.engine.layers import Layer
from flowtop.engine.policy import RetryPolicy
from flowtop.workspace.flow_shapes import collector_paused

APP = Path(__file__).resolve().parents[2] / "app" / "flowtop"
NAMES = {layer.value for layer in Layer}


def test_layers_lowest_first_with_their_shown_names() -> None:
    assert [str(layer) for layer in Layer] == [
        "builtin",
        "task",
        "defaults",
        "flowtop.toml",
        "overrides",
    ]


def test_a_policy_records_layer_members_that_read_as_their_names() -> None:
    policy = RetryPolicy().with_values(Layer.TASK, max_retries=2)
    policy = policy.with_values(Layer.OVERRIDES, retry_jitter=0.5)
    assert policy.source("timeout") is Layer.BUILTIN
    assert policy.source("max_retries") is Layer.TASK
    described = policy.describe()
    assert described["retry_jitter"][1] is Layer.OVERRIDES
    # what flowtop list and the loader process print and send is unchanged
    assert f"[{described['retry_jitter'][1]}]" == "[overrides]"
    assert json.dumps({"layer": described["max_retries"][1]}) == '{"layer": "task"}'
    assert described["timeout"][1] == "builtin"


def _literal_layer_uses(tree: ast.AST) -> list[int]:
    """Lines where a layer name is a string literal in a comparison, as the layer given to
    ``with_values`` or as a ``.get(..., default)`` default."""

    def is_name(node: ast.AST) -> bool:
        return isinstance(node, ast.Constant) and node.value in NAMES

    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(is_name(op) for op in operands):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr, args = node.func.attr, node.args
            if (attr == "with_values" and args and is_name(args[0])) or (
                attr == "get" and len(args) == 2 and is_name(args[1])
            ):
                lines.append(node.lineno)
    return lines


def test_no_module_names_a_layer_by_a_string_literal() -> None:
    with collector_paused():  # its collections, set off by every tree's nodes, cost 0.4 s
        found = {
            f"{path.relative_to(APP)}:{line}"
            for path in APP.rglob("*.py")
            if path.name != "layers.py"
            for line in _literal_layer_uses(ast.parse(path.read_text(encoding="utf-8")))
        }
    assert not found, sorted(found)
