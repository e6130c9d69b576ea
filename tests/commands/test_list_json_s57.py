"""``flowtop list --json`` gives each task's policy as data too (``"policy_values"``).

Its ``"policy"`` says the values as `flowtop list` does (``"4"``, ``"unset (budget 3,
Retry only)"``, ``retry_on`` as ``"ConnectionError, TooManyRequests"``): a script with
``jq`` had to parse the words. The display text stays where it was.
"""

from __future__ import annotations

import json
from pathlib import Path

from cli_kit import flowtop
from flowtop.engine.delays import PrefectBackoff
from flowtop.engine.policy import POLICY_FIELDS, RetryPolicy
from flowtop.workspace.flow_description import delay_value, policy_values

FLOW = """
from flowtop import Flow, exponential_backoff, task


class TooManyRequests(Exception):
    pass


def transient(state):
    return True


@task(
    max_retries=4,
    retry_delay=exponential_backoff(base=0.5, max_delay=4),
    retry_on=[ConnectionError, TooManyRequests],
)
def extract() -> int:
    return 1


@task
def transform(x: int) -> int:
    return x


@task(max_retries=1, retry_delay=[1, 10], timeout=5, retry_predicate=transient)
def load(x: int) -> None:
    pass


with Flow("etl") as etl:
    load(transform(extract()))
"""

SETTINGS = """
[flows."etl".tasks."transform"]
retry_delay = 2
retry_jitter = 0.25
"""


def test_list_json_gives_the_policy_as_data_beside_its_words(tmp_path: Path) -> None:
    (tmp_path / "etl.py").write_text(FLOW, encoding="utf-8")
    (tmp_path / "flowtop.toml").write_text(SETTINGS, encoding="utf-8")
    done = flowtop("list", str(tmp_path), "--json")
    assert done.returncode == 0, done.stderr
    (info,) = [json.loads(line) for line in done.stdout.splitlines()]
    tasks = {t["task"]: t for t in info["tasks"]}
    extract, transform, load = tasks["extract"], tasks["transform"], tasks["load"]
    assert extract["policy"]["max_retries"] == {"value": "4", "layer": "task"}  # as it was
    assert extract["policy_values"] == {
        "max_retries": 4,
        "retry_delay": {"base": 0.5, "factor": 2, "max_delay": 4},
        "retry_on": ["ConnectionError", "TooManyRequests"],
        "retry_predicate": None,
        "retry_jitter": 0,
        "retry_deadline": None,
        "timeout": None,
        "retry_condition_fn": None,
        "retry_jitter_factor": None,
    }
    assert transform["policy"]["max_retries"]["value"] == "unset (budget 3, Retry only)"
    values = transform["policy_values"]
    assert values["max_retries"] is None and transform["max_attempts"] == 4
    assert (values["retry_delay"], values["retry_jitter"], values["retry_on"]) == (2, 0.25, None)
    values = load["policy_values"]
    assert (values["max_retries"], values["retry_delay"], values["timeout"]) == (1, [1, 10], 5)
    assert values["retry_predicate"].endswith("transient")


def test_every_policy_field_is_given_as_data() -> None:
    values = policy_values(RetryPolicy())
    assert set(POLICY_FIELDS) <= values.keys()
    assert values["max_retries"] is None and values["retry_delay"] == 0.0


def test_a_delay_as_data() -> None:
    assert delay_value((1.0, 10.0)) == [1.0, 10.0]
    assert delay_value(PrefectBackoff(10)) == {"backoff_factor": 10}
    assert delay_value(lambda n: n)["function"].endswith("<lambda>")
