"""A rerun's subflow call reruns the source call at its own place when that call's
parameters are the same decoded, before one elsewhere whose text is the same: two calls
whose parameters were only written another way (a dict's keys in another order) each
rerun their own place's source, not each other's."""

from __future__ import annotations

from flowtop.engine.rerun_cache import SourceCalls
from flowtop.engine.subflow_reruns import Recorded, SubflowSource, SubflowSources


def _source(key: str, text: str) -> SubflowSource:
    return SubflowSource("child", key, Recorded(text), key, SourceCalls)


def test_own_key_decoded_match_wins_over_a_text_match_elsewhere() -> None:
    sources = SubflowSources(
        [_source("child", '{"m":{"a":1,"b":2}}'), _source("child-2", '{"m":{"b":2,"a":1}}')]
    )
    first = sources.take("child", "child", Recorded('{"m":{"b":2,"a":1}}'))
    second = sources.take("child", "child-2", Recorded('{"m":{"a":1,"b":2}}'))
    assert first is not None and second is not None
    assert (first.key, second.key) == ("child", "child-2")  # were swapped


def test_another_key_still_serves_when_its_own_does_not_match() -> None:
    sources = SubflowSources([_source("child", '{"n":1}'), _source("child-2", '{"n":2}')])
    taken = sources.take("child", "child", Recorded('{"n":2}'))
    assert taken is not None and taken.key == "child-2"
    assert sources.take("child", "child-3", Recorded('{"n":1.0}')) is not None  # decoded


def test_an_object_parameter_is_matched_at_its_own_key_only() -> None:
    held = '{"conn":{"$repr":"<Conn at 0x1>"}}'
    sources = SubflowSources([_source("child-2", held)])
    assert sources.take("child", "child", Recorded(held)) is None
    assert sources.placed_elsewhere("child", "child", Recorded(held)) == "child-2"
