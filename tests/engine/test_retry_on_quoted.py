"""``retry_on="ValueError"``, a beginner's slip: the error says to write the class itself.

It said only ``retry_on must hold exception classes, got str 'ValueError'``, as
``retries="3"`` already says ``write retries=3, without quotes``.
"""

from __future__ import annotations

from typing import Any

import pytest

from flowtop import task


def refusal(retry_on: Any) -> str:
    with pytest.raises(TypeError) as raised:

        @task(retry_on=retry_on)
        def fetch() -> None: ...

    return str(raised.value)


def test_an_exception_named_in_quotes_is_told_to_lose_them() -> None:
    assert refusal("ValueError") == (
        "task 'fetch': retry_on must hold exception classes, got str 'ValueError'; "
        "write the class ValueError, without quotes"
    )
    assert refusal([KeyError, "requests.HTTPError"]).endswith(
        "got str 'requests.HTTPError'; write the class requests.HTTPError, without quotes"
    )
    # text that names no class gets no such advice
    assert refusal(["connection reset"]).endswith("got str 'connection reset'")
