"""The result cache's keys and store, without a server."""

from __future__ import annotations

import numpy as np
import pytest

from connectograph import NC, AtLeast
from connectograph.errors import CacheDirectoryError
from connectograph.result_cache import ResultCache


def key(fp="f1", fn="fetch_neurons", **arguments):
    return ResultCache.key(fp, fn, arguments)


def test_equal_questions_share_a_key():
    assert key(criteria=NC(type="MBON.*", rois=["aL(R)"])) == \
        key(criteria=NC(type="MBON.*", rois=["aL(R)"]))
    assert key(a={"x": 1, "y": 2}, b={3, 1}) == key(b={1, 3}, a={"y": 2, "x": 1})
    assert key(ids=np.array([1, 2])) == key(ids=np.array([1, 2]))
    assert key(c=NC(pre=AtLeast(5))) == key(c=NC(pre=AtLeast(5)))


def test_any_difference_is_another_key():
    base = key(criteria=NC(type="MBON14"), min_weight=1)
    assert base != key(criteria=NC(type="MBON14"), min_weight=2)
    assert base != key(criteria=NC(instance="MBON14"), min_weight=1)
    assert base != key(fp="f2", criteria=NC(type="MBON14"), min_weight=1)
    assert base != key(fn="fetch_adjacencies", criteria=NC(type="MBON14"), min_weight=1)
    assert key(c=NC(pre=AtLeast(5))) != key(c=NC(pre=AtLeast(6)))
    assert key(x=[1, 2]) != key(x=(1, 2))


def test_store_round_trip_and_fingerprint_memory(tmp_path):
    cache = ResultCache(tmp_path)
    assert cache.get("k") == (False, None)
    cache.set("k", {"a": [1, 2]})
    found, value = cache.get("k")
    assert found and value == {"a": [1, 2]}
    value["a"].append(3)                       # a copy: the stored one is unchanged
    assert cache.get("k")[1] == {"a": [1, 2]}
    assert (cache.hits, cache.misses) == (2, 1)
    assert cache.known_fingerprint("bolt://h:1", None, "d:1") is None
    cache.remember_fingerprint("bolt://h:1", None, "d:1", "fp")
    assert ResultCache(tmp_path).known_fingerprint("bolt://h:1", None, "d:1") == "fp"
    assert ResultCache(tmp_path).known_fingerprint("bolt://h:2", None, "d:1") is None


def test_a_file_is_not_a_cache_directory(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(CacheDirectoryError, match="cache=None"):
        ResultCache(tmp_path / "f")
