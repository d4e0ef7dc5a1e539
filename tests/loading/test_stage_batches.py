"""Unit tests (no server) for the parameter batches of the synapse write stage."""

from __future__ import annotations

import numpy as np
import pandas as pd

from connectograph.loading.synapse_stage import SynapseData, _set_batches, _synapse_batches


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
                       connection_rows=pd.DataFrame(), totals=pd.DataFrame(), roi_info={},
                       sets=pd.DataFrame())


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


def test_set_batches_hold_about_size_members_and_every_connection_once():
    sets = pd.DataFrame({"bodyId_pre": [1, 1, 2], "bodyId_post": [2, 3, 3],
                         "pre_ids": [[10, 11], [12], [20]],
                         "post_ids": [[30, 31, 32], [40], [41, 42]]})
    body_ids = {1: "e1", 2: "e2", 3: "e3"}
    batches = list(_set_batches(sets, body_ids, 5))
    assert [len(b) for b in batches] == [1, 2]  # 5 members, then 2 + 3
    rows = [r for b in batches for r in b]
    assert [(r["preBody"], r["postBody"]) for r in rows] == [("e1", "e2"), ("e1", "e3"),
                                                             ("e2", "e3")]
    assert rows[0]["preProps"] == {"bodyId": 1, "partnerId": 2, "type": "pre"}
    assert rows[0]["postProps"] == {"bodyId": 2, "partnerId": 1, "type": "post"}
    assert rows[2]["preIds"] == [20] and rows[2]["postIds"] == [41, 42]
