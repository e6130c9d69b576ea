"""A call with a set among its arguments has one fingerprint in every process.

``pickle`` writes a set's strings in an order that changes with ``PYTHONHASHSEED``: a
static flow's task called with ``{"eu", "us"}`` had another fingerprint in the rerun's
process than in its source run's (so it always ran again), and a cache keyed on inputs
(``task_input_hash``, ``INPUTS``) never hit across processes.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys

import pytest

from flowtop.engine.caching import hash_objects
from flowtop.engine.rerun_cache import input_hash
from flowtop.engine.stable_pickle import _holds_no_set, stable_dumps

#: Prints the fingerprints of calls holding sets, nested and frozen, as each process sees them.
PRINT = """
from flowtop.engine.caching import hash_objects
from flowtop.engine.rerun_cache import input_hash
regions = {"eu", "us", "ap", "sa", "af"}
print(input_hash(([regions], {"by": frozenset({"x", "y", "z"})}), ["up"]))
print(hash_objects({"k": {("a", 1), ("b", 2), ("c", 3)}}))
"""


def _fingerprints(seed: str) -> list[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", PRINT], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.split()


def test_the_fingerprints_of_calls_holding_sets_agree_across_processes() -> None:
    seen = {tuple(_fingerprints(seed)) for seed in ("1", "2", "3")}
    assert len(seen) == 1, seen
    (fingerprints,) = seen
    assert all(fingerprints) and "None" not in fingerprints


def test_sets_alike_are_alike_and_sets_apart_are_apart() -> None:
    assert stable_dumps({"a", "b"}) == stable_dumps({"b", "a"})
    assert stable_dumps({"a", "b"}) != stable_dumps({"a", "c"})
    assert stable_dumps({"a", "b"}) != stable_dumps(frozenset({"a", "b"}))
    assert stable_dumps([1, "x"]) == __import__("pickle").dumps([1, "x"], protocol=5)
    assert input_hash(({1, 2},), {}) != input_hash(({1, 3},), {})
    assert hash_objects({"a", "b"}) == hash_objects({"b", "a"})


def test_no_value_is_made_by_the_pure_python_pickler(monkeypatch: pytest.MonkeyPatch) -> None:
    """The set opcodes' bytes turn up inside the ints of almost any big pickle: such a
    value was pickled again by the pure-Python pickler, about 100 times slower (a task
    given 1,000,000 ints paid 2.5 s). The second pickle is the C pickler's now."""

    def refused(*_: object) -> None:
        raise AssertionError("the pure-Python pickler was used")

    monkeypatch.setattr(pickle._Pickler, "dump", refused)
    numbers = list(range(1000))  # 143 is the EMPTY_SET opcode's byte
    assert pickle.EMPTY_SET in pickle.dumps(numbers, protocol=5)
    assert stable_dumps(numbers) == pickle.dumps(numbers, protocol=5)
    assert stable_dumps([numbers, {"eu", "us"}]) == stable_dumps([numbers, {"us", "eu"}])


def test_a_value_of_atoms_in_containers_is_pickled_once() -> None:
    """Lists, tuples and dicts of atoms hold no set, whatever bytes their pickle has:
    no second pickle (a list of 1,000,000 ints: 15 ms read instead of 50 pickled)."""
    assert _holds_no_set([list(range(300)), {"a": (1, 2.5, None)}, (b"x", True)])
    assert not _holds_no_set([[1, 2], [{"eu"}]])  # a set inside: sorted by the second pickle
    assert not _holds_no_set([object()])  # an object's insides: the second pickle's to read
    inner = [[["eu", "us", "apac"]]]
    assert stable_dumps([inner, [{"eu", "us"}]]) == stable_dumps([inner, [{"us", "eu"}]])
