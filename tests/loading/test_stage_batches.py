"""Unit tests (no server) for the parameter batches of the synapse write stage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from connectograph.loading.derive.body_roi_counts import empty_roi_counts
from connectograph.loading.derive.synapse_data import SynapseData
from connectograph.loading.derive.synapse_sets import SynapseSets, synapse_sets
from connectograph.loading.write.synapse_graph import (_batch_starts, _graph_batches,
                                                       _synapse_batches)


def _data(n: int) -> SynapseData:
    points = pd.DataFrame({
        "id": np.arange(100, 100 + n, dtype="int64"),
        "bodyId": np.full(n, 7, dtype="int64"),
        "type": ["pre" if i % 2 else "post" for i in range(n)],
        "x": np.arange(n, dtype="float64"), "y": np.zeros(n), "z": np.ones(n),
        "confidence": [np.nan if i == 3 else i / n for i in range(n)]})
    rois = np.empty(n, dtype=object)
    for i in range(n):
        rois[i] = ("a", "b") if i % 3 == 0 else (() if i % 3 == 1 else ("a",))
    return SynapseData(points=points, pairs=pd.DataFrame(), rois=rois,
                       connection_rows=pd.DataFrame(), totals=pd.DataFrame(),
                       roi_counts=empty_roi_counts(),
                       sets=synapse_sets(points, pd.DataFrame(),
                                         rows=(np.zeros(0, int), np.zeros(0, int))))


def test_synapse_batches_are_parallel_columns_covering_every_point():
    data = _data(10)
    batches = list(_synapse_batches(data, 4))
    assert [len(b["id"]) for b in batches] == [4, 4, 2]
    ids = [i for b in batches for i in b["id"]]
    assert ids == list(range(100, 110))
    for b in batches:
        assert {len(b[k]) for k in ("id", "body", "type", "conf", "x", "y", "z", "roi")} \
            == {len(b["id"])}
    # each point's ROI flags, through the batch's table of distinct flag maps
    flags = [set(b["rois"][k]) for b in batches for k in b["roi"]]
    assert flags == [set(r) for r in data.rois]
    assert all(v is True for b in batches for m in b["rois"] for v in m.values())
    conf = [c for b in batches for c in b["conf"]]
    assert conf[3] is None and conf[4] == 0.4
    assert [t for b in batches for t in b["type"]] == list(data.points["type"])


def _paired_data() -> SynapseData:
    """Bodies 1, 2, 3; T-bar 10 of body 1 contacts PSDs on bodies 2 and 3, so it
    belongs to two connections; point 99 has no partner."""
    pts = pd.DataFrame({
        "id": np.array([10, 11, 20, 30, 31, 32, 40, 41, 99], dtype="int64"),
        "bodyId": np.array([1, 1, 2, 2, 2, 3, 3, 3, 3], dtype="int64"),
        "type": ["pre", "pre", "pre", "post", "post", "post", "post", "post", "post"],
        "x": np.arange(9.0), "y": np.zeros(9), "z": np.ones(9), "confidence": np.full(9, 0.5)})
    pairs = pd.DataFrame({"pre_id": [10, 10, 11, 10, 20, 20],
                          "post_id": [30, 31, 30, 32, 40, 41]})
    rois = np.empty(9, dtype=object)
    for i in range(9):
        rois[i] = ("a",)
    return SynapseData(points=pts, pairs=pairs, rois=rois, connection_rows=pd.DataFrame(),
                       totals=pd.DataFrame(), roi_counts=empty_roi_counts(),
                       sets=synapse_sets(pts, pairs))


@pytest.mark.parametrize("size", [1, 2, 3, 100])
def test_graph_batches_create_each_synapse_once_and_link_by_position(size):
    data = _paired_data()
    body_ids = {1: "e1", 2: "e2", 3: "e3"}
    created, pairs, sets, creator = [], [], {}, {}
    for k, (batch, after) in enumerate(_graph_batches(data, body_ids, size)):
        assert set(batch["old"]) <= set(created)        # found, never created twice
        assert not set(batch["id"]) & set(created)
        # must wait for exactly the last batch that created one of its old synapses
        assert after == max((creator[i] for i in batch["old"]), default=-1) < k
        created += batch["id"]
        creator.update((i, k) for i in batch["id"])
        syn = batch["id"] + batch["old"]
        pairs += [(syn[a], syn[b]) for a, b in zip(batch["pre"], batch["post"])]
        for row in batch["sets"]:
            key = (row["preProps"]["bodyId"], row["postProps"]["bodyId"])
            assert key not in sets                        # whole connections per batch
            assert (row["preBody"], row["postBody"]) == (f"e{key[0]}", f"e{key[1]}")
            assert row["postProps"] == {"bodyId": key[1], "partnerId": key[0], "type": "post"}
            sets[key] = ([syn[i] for i in row["pre"]], [syn[i] for i in row["post"]])
    assert sorted(created) == [10, 11, 20, 30, 31, 32, 40, 41]   # not 99: in no pair
    assert sorted(pairs) == sorted(zip(data.pairs["pre_id"], data.pairs["post_id"]))
    # a synapse is in a set once (PSD 30 is contacted by T-bars 10 and 11)
    assert {k: (sorted(p), sorted(q)) for k, (p, q) in sets.items()} == {
        (1, 2): ([10, 11], [30, 31]), (1, 3): ([10], [32]), (2, 3): ([20], [40, 41])}
    assert all(len(set(p)) == len(p) and len(set(q)) == len(q) for p, q in sets.values())


def test_synapse_sets_group_pairs_by_connection():
    data = _paired_data()
    s = data.sets
    assert list(zip(s.body_pre, s.body_post)) == [(1, 2), (1, 3), (2, 3)]
    assert s.bounds.tolist() == [0, 3, 4, 6]
    tc, tr, pc, pr = s.members()
    ids = data.points["id"].to_numpy()
    assert list(zip(tc.tolist(), ids[tr].tolist())) == [(0, 10), (0, 11), (1, 10), (2, 20)]
    assert list(zip(pc.tolist(), ids[pr].tolist())) == [(0, 30), (0, 31), (1, 32), (2, 40),
                                                        (2, 41)]


def _sets(body_pre: list[int], pairs_per_connection: list[int]) -> SynapseSets:
    n = int(sum(pairs_per_connection))
    return SynapseSets(body_pre=np.array(body_pre), body_post=np.arange(len(body_pre)),
                       bounds=np.r_[0, np.cumsum(pairs_per_connection)],
                       pre_rows=np.zeros(n, np.int32), post_rows=np.zeros(n, np.int32))


def test_batches_hold_whole_upstream_bodies_where_they_fit():
    # bodies 1 (3 pairs), 2 (3 pairs), 3 (one connection of 6 pairs), 4 (1 pair)
    sets = _sets([1, 1, 2, 2, 2, 3, 4], [2, 1, 1, 1, 1, 6, 1])
    assert _batch_starts(sets, 4).tolist() == [0, 2, 5, 6, 7]
    assert _batch_starts(sets, 6).tolist() == [0, 5, 6, 7]
    assert _batch_starts(sets, 100).tolist() == [0, 7]


def test_a_body_larger_than_a_batch_is_cut_between_its_connections():
    sets = _sets([1, 1, 1, 1, 2], [2, 2, 2, 2, 1])
    # body 2 fits beside the last piece of body 1
    assert _batch_starts(sets, 3).tolist() == [0, 1, 2, 3, 5]
    assert _batch_starts(sets, 4).tolist() == [0, 2, 4, 5]
    assert _batch_starts(sets, 5).tolist() == [0, 2, 5]
    assert _batch_starts(_sets([], []), 4).tolist() == [0]
