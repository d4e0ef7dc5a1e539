"""Column-wise roiInfo tables (no server): checked against a plain dict walk,
neuprint-python's definition, on small hand-made and random inputs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from connectograph.fetch.adjacencies import roi_connections_frame
from connectograph.fetch.roi_info_tables import parse_roi_info, roi_count_tables

COUNTS = ("pre", "post", "downstream", "upstream")


def reference_tables(bodies, infos, totals, primary):
    """The dict walk neuprint-python does (inputRois/outputRois, long table
    with NotPrimary = total - primary sum, zero rows dropped)."""
    inputs = [sorted(k for k, v in d.items() if v.get("post")) for d in infos]
    outputs = [sorted(k for k, v in d.items() if v.get("pre")) for d in infos]
    rows = []
    for i, (body, info) in enumerate(zip(bodies, infos)):
        for roi, c in info.items():
            rows.append((body, roi, *[int(c.get(k) or 0) for k in COUNTS]))
        rest = [int(np.nan_to_num(totals[k][i])) - sum(int(c.get(k) or 0)
                for r, c in info.items() if r in primary) for k in COUNTS]
        rows.append((body, "NotPrimary", *rest))
    rows = sorted((r for r in rows if any(r[2:])), key=lambda r: (r[0], r[1]))
    return inputs, outputs, rows


def test_hand_made_bodies():
    infos = [{"B": {"pre": 2, "post": 1}, "A": {"post": 5, "upstream": 5}},
             {},
             {"A'": {"pre": 1, "downstream": 3}}]
    totals = {"pre": np.array([4.0, 0.0, 1.0]), "post": np.array([6.0, 2.0, np.nan]),
              "downstream": np.array([0.0, 0.0, 3.0]), "upstream": np.array([5.0, 0.0, 0.0])}
    t = roi_count_tables([30, 10, 20], infos, totals, ["A", "B"])
    assert t.input_rois == [["A", "B"], [], []]
    assert t.output_rois == [["B"], [], ["A'"]]
    assert list(t.counts.itertuples(index=False, name=None)) == [
        (10, "NotPrimary", 0, 2, 0, 0),
        (20, "A'", 1, 0, 3, 0), (20, "NotPrimary", 1, 0, 3, 0),
        (30, "A", 0, 5, 0, 5), (30, "B", 2, 1, 0, 0), (30, "NotPrimary", 2, 0, 0, 0)]
    assert list(t.counts.columns) == ["bodyId", "roi", *COUNTS]
    assert (t.counts.dtypes[list(COUNTS)] == "int64").all()


roi_names = st.sampled_from(["A", "B", "a'L(R)", "NotPrimaryish", "b"])
count = st.one_of(st.none(), st.integers(0, 50))
info = st.dictionaries(roi_names, st.fixed_dictionaries({k: count for k in COUNTS}),
                       max_size=5)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 8), info, st.lists(st.integers(0, 300), min_size=4,
                                                            max_size=4)), max_size=8))
def test_matches_the_dict_walk(rows):
    bodies = [b for b, _, _ in rows]
    infos = [i for _, i, _ in rows]
    totals = {k: np.array([t[j] for _, _, t in rows], dtype=float) for j, k in enumerate(COUNTS)}
    t = roi_count_tables(bodies, infos, totals, ["A", "a'L(R)"])
    inputs, outputs, expected = reference_tables(bodies, infos, totals, {"A", "a'L(R)"})
    assert t.input_rois == inputs and t.output_rois == outputs
    got = list(t.counts.itertuples(index=False, name=None))
    assert sorted(got) == sorted(expected)          # same rows (ties in body order aside)
    assert [g[:2] for g in got] == sorted(g[:2] for g in got)


def test_parse_roi_info_missing_values():
    assert parse_roi_info(['{"A": {"pre": 1}}', None, "", {"B": {}}, float("nan")]) == [
        {"A": {"pre": 1}}, {}, {}, {"B": {}}, {}]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(0, 200), info),
                max_size=8), st.booleans())
def test_roi_connections_match_the_dict_walk(conns, nonprimary):
    frame = pd.DataFrame(conns, columns=["bodyId_pre", "bodyId_post", "weight", "roiInfo"])
    frame["roiInfo"] = [json.dumps(i) for i in frame["roiInfo"]]
    expected = []
    for a, b, w, i in conns:
        counted = 0
        for name, c in i.items():
            n = int(c.get("post") or 0)
            if n and (name in {"A", "B"} or nonprimary):
                expected.append((a, b, name, n))
            counted += n if name in {"A", "B"} else 0
        if w - counted > 0:
            expected.append((a, b, "NotPrimary", w - counted))
    got = roi_connections_frame(frame, ["A", "B"], include_nonprimary=nonprimary)
    assert list(got.itertuples(index=False, name=None)) == expected


def test_count_column_missing_null_nan_and_float_counts():
    from connectograph.fetch.roi_info_tables import _count_column
    entries = [{"pre": 4}, {"pre": None}, {}, {"pre": float("nan")}, {"pre": 2.0}]
    got = _count_column(entries, "pre")
    assert got.tolist() == [4, 0, 0, 0, 2] and got.dtype == np.int64
    assert _count_column([{"pre": 1}, {"pre": 7}], "pre").tolist() == [1, 7]
