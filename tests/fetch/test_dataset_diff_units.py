"""fetch_dataset_diff's comparison of body properties, without a server: the
C. elegans animals share one cell table, so no body of theirs changes a
property (tests/test_dataset_diff.py checks the rest on them)."""

from __future__ import annotations

from neo4j.spatial import CartesianPoint

from connectograph.fetch.versions import neuron_differences


def test_changed_added_and_removed_properties():
    a = {1: {"bodyId": 1, "instance": "A", "type": "T", "status": "Traced", "post": 10},
         2: {"bodyId": 2, "instance": "B", "type": "U"},
         3: {"bodyId": 3, "instance": "C"}}
    b = {1: {"bodyId": 1, "instance": "A", "type": "T2", "post": 12, "notes": "new"},
         2: {"bodyId": 2, "instance": "B", "type": "U"},
         4: {"bodyId": 4, "instance": "D", "type": "V"}}
    only_a, only_b, changes = neuron_differences(a, b)
    assert only_a[["bodyId", "instance"]].values.tolist() == [[3, "C"]]
    assert only_b[["bodyId", "instance", "type"]].values.tolist() == [[4, "D", "V"]]
    assert changes.values.tolist() == [[1, "A", "notes", None, "new"],
                                       [1, "A", "post", 10, 12],
                                       [1, "A", "status", "Traced", None],
                                       [1, "A", "type", "T", "T2"]]
    assert str(changes["bodyId"].dtype) == "int64"


def test_equal_content_is_no_change():
    point = CartesianPoint((1.0, 2.0, 3.0))
    a = {1: {"roiInfo": '{"a": {"pre": 1}, "b": {"post": 2}}', "somaLocation": point,
             "tags": ["x", "y"]}}
    b = {1: {"roiInfo": '{"b": {"post": 2}, "a": {"pre": 1}}',
             "somaLocation": CartesianPoint((1.0, 2.0, 3.0)), "tags": ["x", "y"]}}
    assert neuron_differences(a, b)[2].empty
    b[1]["somaLocation"] = CartesianPoint((1.0, 2.0, 4.0))
    b[1]["roiInfo"] = '{"a": {"pre": 2}, "b": {"post": 2}}'
    assert neuron_differences(a, b)[2]["property"].tolist() == ["roiInfo", "somaLocation"]


def test_write_into_a_file_is_our_error(tmp_path):
    import pandas as pd
    import pytest

    from connectograph.errors import InvalidArgumentError
    from connectograph.fetch.versions import DatasetDiff

    empty = pd.DataFrame()
    diff = DatasetDiff("a:1", "b:1", "chemical", empty, empty, empty, empty, empty)
    target = tmp_path / "a-file"
    target.write_text("x")
    with pytest.raises(InvalidArgumentError, match="a-file"):
        diff.write(target)
    assert target.read_text() == "x"
    assert [p.name for p in diff.write(tmp_path / "out")][0] == "summary.csv"
