"""Twenty more Prefect 3 flows of the kinds users write (caching, run names, tags,
timeouts, hooks with arguments, parameter validation, ...), run unchanged with Prefect
3.9.1 and under drop-in flowtop; each test here is a difference found so:

- ``my_flow.validate_parameters({...})``, Prefect's method that validates a dict of
  parameters (a schedule's, a form's) against the flow's annotations, raised
  ``TypeError: 'bool' object is not callable``: flowtop kept the option's value under that
  name. It is Prefect's method now; the option reads back as ``should_validate_parameters``,
  as in Prefect.
- A subflow still running when its parent's ``timeout_seconds`` ran out went on to its
  end after the parent's call had raised (its run recorded ``CANCELLED``, its code running
  on): Prefect's timeout interrupts the thread its subflows run on, so their code stops.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from drop_in_kit import drop_in_module

SYNC = """
    from datetime import datetime

    from pydantic import BaseModel

    from prefect import flow
    from prefect.exceptions import ParameterTypeError, SignatureMismatchError


    class Source(BaseModel):
        bucket: str
        limit: int = 100


    @flow
    def sync(src: Source, since: datetime, mode: str = "delta", *extra, **options):
        return src
"""


def test_validate_parameters_is_prefect_s_method(tmp_path: Path) -> None:
    module = drop_in_module(tmp_path, "sync_flow", SYNC)
    made = module.sync.validate_parameters(
        {"src": {"bucket": "b", "limit": "5"}, "since": "2024-01-02T03:04:05"}
    )
    # as Prefect 3.9.1 gives it: every parameter in order, defaults added, typed
    assert list(made) == ["src", "since", "mode", "extra", "options"]
    assert made["src"] == module.Source(bucket="b", limit=5)
    assert made["since"].isoformat() == "2024-01-02T03:04:05"
    assert made["mode"] == "delta" and made["extra"] == [] and made["options"] == {}
    assert module.sync.should_validate_parameters is True


def test_validate_parameters_refuses_in_prefect_s_words(tmp_path: Path) -> None:
    module = drop_in_module(tmp_path, "sync_flow", SYNC)
    with pytest.raises(module.ParameterTypeError) as refused:
        module.sync.validate_parameters({"src": {"limit": "x"}})
    assert str(refused.value).splitlines() == [
        "Flow run received invalid parameters:",
        " - src.bucket: Field required",
        " - src.limit: Input should be a valid integer, unable to parse string as an integer",
        " - since: Field required",
    ]
    with pytest.raises(module.SignatureMismatchError) as unknown:
        module.sync.validate_parameters({"since": "2024-01-02", "nope": 1})
    assert isinstance(unknown.value, TypeError)
    assert str(unknown.value) == (
        "Function expects parameters ['src', 'since', 'mode', 'extra', 'options'] "
        "but was provided with parameters ['since', 'nope']"
    )
    with pytest.raises(TypeError, match="validate_parameters of flow 'sync' takes a dict"):
        module.sync.validate_parameters([("since", "2024-01-02")])


def test_a_flow_not_validating_still_validates_when_asked(tmp_path: Path) -> None:
    module = drop_in_module(tmp_path, "sync_flow", SYNC)
    lax = module.sync.with_options(validate_parameters=False)
    assert lax.should_validate_parameters is False
    assert lax({"bucket": "b"}, "2024-01-02") == {"bucket": "b"}  # passed as given
    assert lax.validate_parameters({"src": {"bucket": "b"}, "since": "2024-01-02"})["src"] == (
        module.Source(bucket="b")
    )


NESTED = """
    import threading
    import time

    from prefect import flow

    ENDED = {name: threading.Event() for name in ("child", "grandchild", "middle")}
    SEEN = []


    def loop(name):
        try:
            for _ in range(300):  # 6 s unless interrupted
                time.sleep(0.02)
            SEEN.append(f"{name} ran to its end")
        except BaseException:
            SEEN.append(f"{name} stopped")
            raise
        finally:
            ENDED[name].set()


    @flow
    def child():
        loop("child")


    @flow(timeout_seconds=0.5)
    def parent():
        child()


    @flow
    def grandchild():
        loop("grandchild")


    @flow
    def middle():
        try:
            grandchild()
            SEEN.append("middle went on")
        finally:
            ENDED["middle"].set()


    @flow(timeout_seconds=0.5)
    def grandparent():
        middle()
"""


@pytest.mark.parametrize(
    ("caller", "looping"), [("parent", ["child"]), ("grandparent", ["grandchild", "middle"])]
)
def test_a_parent_s_timeout_stops_its_subflows_code(
    tmp_path: Path, caller: str, looping: list[str]
) -> None:
    module = drop_in_module(tmp_path, "nested_flows", NESTED)
    with pytest.raises(TimeoutError, match=r"Scope timed out after 0\.5 second\(s\)"):
        getattr(module, caller)()
    # before: the subflow's body ran on for its 6 s after its caller had raised
    seen = module.SEEN
    assert all(module.ENDED[name].wait(3) for name in looping), seen
    assert seen == [f"{looping[0]} stopped"]
