"""The workspace's cache folder (``.flowtop/cache/``): one private file per key."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from flowtop.engine.caching import CachedResult
from flowtop.workspace.result_cache import FolderCache


def test_a_result_is_read_back_until_it_expires_then_its_file_goes(tmp_path: Path) -> None:
    cache = FolderCache(tmp_path / "cache", cap=1_000_000)
    cache.put("any text a cache_key_fn gave", CachedResult({"rows": [1, 2]}, "etl #1"))
    cache.put("old", CachedResult(1, "etl #1", expires=time.time() - 1))
    found = cache.get("any text a cache_key_fn gave")
    assert found is not None and (found.value, found.source) == ({"rows": [1, 2]}, "etl #1")
    assert len(list((tmp_path / "cache").iterdir())) == 2
    assert cache.get("old") is None
    assert len(list((tmp_path / "cache").iterdir())) == 1  # the expired one was removed
    assert cache.get("never stored") is None


def test_a_result_that_cannot_be_kept_says_why_and_leaves_nothing(tmp_path: Path) -> None:
    cache = FolderCache(tmp_path / "cache", cap=100)
    with pytest.raises(ValueError, match="can't be pickled"):
        cache.put("gen", CachedResult((i for i in range(3)), "etl #1"))
    with pytest.raises(ValueError, match="over max_result_bytes"):
        cache.put("big", CachedResult("x" * 1000, "etl #1"))
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").iterdir())
