"""Pure logic of the fetch modules (no server)."""

from __future__ import annotations

import json

import pandas as pd

from connectograph.fetch._dataset import weight_condition
from connectograph.fetch.adjacencies import roi_connections_frame
from connectograph.fetch.connections import simple_connection_columns
from connectograph.fetch.roi_connectivity import overview_rois


def test_roi_connections_frame_notprimary_and_nonprimary():
    conns = pd.DataFrame({"bodyId_pre": [1, 2], "bodyId_post": [3, 4], "weight": [10, 4],
                          "roiInfo": [json.dumps({"A": {"post": 6}, "A1": {"post": 2}}),
                                      json.dumps({"B": {"post": 4}})]})
    rows = roi_connections_frame(conns, ["A", "B"])
    assert list(rows.itertuples(index=False, name=None)) == [
        (1, 3, "A", 6), (1, 3, "NotPrimary", 4), (2, 4, "B", 4)]
    rows = roi_connections_frame(conns, ["A", "B"], include_nonprimary=True)
    assert (1, 3, "A1", 2) in set(rows.itertuples(index=False, name=None))
    assert rows[rows.roi != "A1"].weight.sum() == 14     # the partition still sums to weight
    assert rows.dtypes.to_dict() == {"bodyId_pre": "int64", "bodyId_post": "int64",
                                     "roi": object, "weight": "int64"}


def test_overview_rois():
    meta = {"primaryRois": ["A", "B", "C"], "roiInfo": {"B": {"excludeFromOverview": True}}}
    assert overview_rois(meta) == ["A", "C"]
    assert overview_rois({**meta, "overviewRois": ["C", "D"]}) == ["C", "D"]


def test_simple_connection_columns():
    assert simple_connection_columns(["type", "instance"]) == [
        "bodyId_pre", "bodyId_post", "weight", "type_pre", "type_post", "instance_pre",
        "instance_post", "conn_roiInfo"]


def test_weight_condition_only_filters_above_the_stored_minimum():
    assert weight_condition("e", 1) == "true"          # every stored weight is >= 1
    assert weight_condition("e", 0) == "true"
    assert weight_condition("x", 2) == "x.weight >= $min_weight"
