"""Per-body ROI counts as a long frame (connectograph.loading.derive.body_roi_counts),
and the bodies' roiInfo filled from synapse- and connection-derived counts."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from connectograph.loading.derive.accumulator import Accumulator
from connectograph.loading.derive.bodies import (ROI_INFO_FROM_BOTH, ROI_INFO_FROM_CONNECTIONS,
                                                 ROI_INFO_FROM_SYNAPSES, complete_bodies_from,
                                                 fill_bodies)
from connectograph.loading.derive.body_roi_counts import (
    ROI_COUNT_KEYS, empty_roi_counts, max_roi_counts, roi_counts_frame, roi_info_dicts,
    roi_info_texts, sum_roi_counts)
from connectograph.loading.derive.connections import roi_info_from_connections


def _frame(rows: list[tuple]) -> pd.DataFrame:
    """(bodyId, roi, {key: n}) rows as a ROI-count frame."""
    series = {k: pd.Series({(b, r): c[k] for b, r, c in rows if k in c}, dtype="int64")
              for k in ROI_COUNT_KEYS}
    return roi_counts_frame({k: s for k, s in series.items() if len(s)})


def test_texts_equal_json_dumps_sorted_for_random_counts():
    rng = np.random.default_rng(3)
    # ROI names with quotes and parentheses, as hemibrain's a'L(R)
    names = ["a'L(R)", "aL(R)", "CA(R)", "MB(R)", 'b"L', "NotAnROI", "PED(R)"]
    want: dict[int, dict] = {}
    rows = []
    for body in rng.choice(10**12, size=40, replace=False).tolist():
        for roi in rng.choice(names, size=rng.integers(1, 5), replace=False).tolist():
            keys = rng.choice(ROI_COUNT_KEYS, size=rng.integers(1, 5), replace=False).tolist()
            counts = {k: int(rng.integers(1, 10**6)) for k in keys}
            want.setdefault(body, {})[roi] = counts
            rows.append((body, roi, counts))
    texts = roi_info_texts(_frame(rows))
    assert texts.index.tolist() == sorted(want)
    for body, text in texts.items():
        assert text == json.dumps(want[body], sort_keys=True)


def test_empty_frames():
    assert roi_info_texts(empty_roi_counts()).empty
    assert roi_counts_frame({}).columns.tolist() == ["bodyId", "roi", *ROI_COUNT_KEYS]
    assert sum_roi_counts([empty_roi_counts(), empty_roi_counts()]).empty
    assert roi_info_dicts(max_roi_counts([])) == {}


def test_sum_adds_counts_and_keeps_missing_keys_missing():
    a = _frame([(1, "A", {"pre": 2}), (2, "B", {"post": 1, "upstream": 1})])
    b = _frame([(1, "A", {"pre": 3, "downstream": 4}), (3, "A", {"post": 5})])
    assert roi_info_dicts(sum_roi_counts([a, b])) == {
        1: {"A": {"pre": 5, "downstream": 4}},
        2: {"B": {"post": 1, "upstream": 1}},
        3: {"A": {"post": 5}},
    }


def test_max_takes_the_larger_count_per_key():
    synapses = _frame([(1, "A", {"pre": 2, "post": 7, "upstream": 7})])
    connections = _frame([(1, "A", {"post": 9, "upstream": 9, "downstream": 3}),
                          (1, "B", {"downstream": 1})])
    assert roi_info_dicts(max_roi_counts([synapses, connections])) == {
        1: {"A": {"pre": 2, "post": 9, "upstream": 9, "downstream": 3},
            "B": {"downstream": 1}}}


def test_each_roi_name_is_one_shared_string_object():
    # Text columns (pandas' str dtype, as the synapse tables give) become one
    # Python string per row when cast to object; the frames keep one per name.
    n = 1_000
    index = pd.MultiIndex.from_arrays(
        [np.arange(n, dtype="int64"),
         pd.array(["a'L(R)", "CA(R)", "MB(+ACA)(R)", "aL(R)"] * (n // 4), dtype="str")])
    part = roi_counts_frame({"pre": pd.Series(1, index=index, dtype="int64")})
    summed = sum_roi_counts([part, part])
    for frame in (part, summed):
        rois = frame["roi"].tolist()
        assert frame["roi"].dtype == object
        assert sorted(set(rois)) == ["CA(R)", "MB(+ACA)(R)", "a'L(R)", "aL(R)"]
        assert len({id(r) for r in rois}) == 4
    assert summed["pre"].tolist() == [2] * n
    assert summed["roi"].tolist()[:4] == ["a'L(R)", "CA(R)", "MB(+ACA)(R)", "aL(R)"]


def test_fill_bodies_merges_synapse_and_connection_counts():
    """Body 1 has a source roiInfo (kept); body 2 only connection counts
    (kept, source "loaded connections"); body 3 both (larger count per key);
    body 4 only synapses."""
    roi_conns = pd.DataFrame({"bodyId_pre": [3, 2, 3], "bodyId_post": [2, 3, 1],
                              "roi": ["A", "A", "NotPrimary"], "weight": [4, 6, 9]})
    derived = roi_info_from_connections(roi_conns)
    neurons = pd.DataFrame({"bodyId": [1, 4],
                            "roiInfo": ['{"Z": {"pre": 1}}', None]}).set_index(
        "bodyId", drop=False)
    neurons, added = complete_bodies_from(neurons, pd.Index([1, 2, 3]), derived)
    assert added == 2
    assert neurons.loc[3, "roiInfoSource"] == ROI_INFO_FROM_CONNECTIONS
    assert json.loads(neurons.loc[3, "roiInfo"]) == {
        "A": {"post": 6, "upstream": 6, "downstream": 4}}
    synapse_counts = _frame([(1, "A", {"pre": 8}),
                             (3, "A", {"pre": 2, "post": 3, "upstream": 3, "downstream": 5}),
                             (3, "B", {"pre": 1}),
                             (4, "B", {"post": 2, "upstream": 2})])
    totals = pd.DataFrame({"pre": [8, 3, 0], "post": [0, 3, 2], "upstream": [0, 3, 2],
                           "downstream": [0, 5, 0]}, index=pd.Index([1, 3, 4], name="bodyId"))
    out = fill_bodies(neurons, totals, synapse_counts, [], connection_counts=derived)
    assert out.loc[1, "roiInfo"] == '{"Z": {"pre": 1}}'
    assert json.loads(out.loc[2, "roiInfo"]) == {
        "A": {"post": 4, "upstream": 4, "downstream": 6}}
    assert out.loc[2, "roiInfoSource"] == ROI_INFO_FROM_CONNECTIONS
    assert out.loc[3, "roiInfo"] == json.dumps(
        {"A": {"pre": 2, "post": 6, "upstream": 6, "downstream": 5}, "B": {"pre": 1}},
        sort_keys=True)
    assert out.loc[3, "roiInfoSource"] == ROI_INFO_FROM_BOTH
    assert json.loads(out.loc[4, "roiInfo"]) == {"B": {"post": 2, "upstream": 2}}
    assert out.loc[4, "roiInfoSource"] == ROI_INFO_FROM_SYNAPSES


def test_running_sum_equals_one_sum_whatever_the_arrival_order():
    rng = np.random.default_rng(5)
    parts = [_frame([(int(b), str(r), {"post": int(rng.integers(1, 9))})
                     for b, r in {(int(rng.integers(0, 30)), rng.choice(["A", "B", "C"]))
                                  for _ in range(size)}])
             for size in (40, 1, 3, 60, 2, 2, 25)]
    running = Accumulator(sum_roi_counts, empty_roi_counts())
    for part in parts + [empty_roi_counts()]:
        running.add(part)
    pd.testing.assert_frame_equal(running.result(), sum_roi_counts(parts))
    # the counts are the plain totals per (body, ROI)
    want = pd.concat(parts).groupby(["bodyId", "roi"])["post"].sum()
    got = running.result().set_index(["bodyId", "roi"])["post"]
    assert got.astype("int64").to_dict() == want.astype("int64").to_dict()
