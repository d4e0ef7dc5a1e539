"""The pydantic models of the canonical tables, without a server: each accepts a
good table and rejects each broken invariant, naming file, row and column (or
the place in the JSON)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from connectograph.errors import SkeletonError, SkeletonFileError, ValidationError
from connectograph.loading.read.table_schemas import NeuronTable, RoiConnectionTable
from connectograph.loading.read.roi_schemas import (RoiDefinition, validate_roi_definitions,
                                                    validate_roi_hierarchy)
from connectograph.loading.read.skeleton_files import SkeletonTable
from connectograph.loading.read.synapse_tables import SynapsePairs
from connectograph.loading.read.canonical_table import CanonicalTable
from connectograph.skeletons import Skeleton, read_swc

FILE = "/data/neurons.csv"


# --- the base -------------------------------------------------------------------------------

def test_synapse_models_share_the_base():
    assert issubclass(SynapsePairs, CanonicalTable)
    assert issubclass(NeuronTable, CanonicalTable)


# --- neurons --------------------------------------------------------------------------------

def neurons() -> pd.DataFrame:
    """Three bodies as read_neuron_table parses them."""
    return pd.DataFrame({
        "bodyId": np.array([300972942, 5813078552, 12], dtype="int64"),
        "type": ["MBON14", "KCab-p", None],
        "pre": pd.array([543, 3, None], dtype="Int64"),
        "post": pd.array([13634, 7, 2], dtype="Int64"),
        "somaRadius": [301.5, np.nan, 0.0],
        "somaLocation": pd.Series([(12.0, 34.0, 56.0), None, None], dtype=object),
        "cropped": pd.Series([False, True, None], dtype=object),
        "roiInfo": [json.dumps({"CA(R)": {"pre": 1}}), None, "{}"],
    })


def test_neuron_table_accepts_good_table_without_copying():
    df = neurons()
    table = NeuronTable.build(df, file=FILE, roi_names={"CA(R)", "MB(R)"})
    assert table.frame is df


def _set(df: pd.DataFrame, column: str, pos: int, value, dtype=None) -> pd.DataFrame:
    values = list(df[column])
    values[pos] = value
    df[column] = pd.Series(values, dtype=dtype if dtype else df[column].dtype)
    return df


def _rejected_at(model, df, file, message, pos, column):
    """``model`` rejects ``df`` with ``message``, naming ``file``, data row
    ``pos + 1`` and ``column``."""
    with pytest.raises(ValidationError, match=message) as info:
        model.build(df, file=file, roi_names={"CA(R)"})
    assert (info.value.file, info.value.row, info.value.column) == (file, pos + 1, column)


@pytest.mark.parametrize("column, pos, value, dtype, message", [
    ("bodyId", 1, None, "Int64", "bodyId is empty"),
    ("bodyId", 2, 300972942, None, r"duplicate bodyId 300972942 \(first at row 1\)"),
    ("pre", 1, -3, None, "pre -3 is negative"),
    ("post", 2, -1, None, "post -1 is negative"),
    ("somaRadius", 0, -2.0, None, "somaRadius -2.0 is not a finite number >= 0"),
    ("somaRadius", 1, np.inf, None, "somaRadius inf"),
    ("somaLocation", 1, (1.0, 2.0), object, "somaLocation .* 3 finite numbers"),
    ("somaLocation", 2, (1.0, np.nan, 3.0), object, "3 finite numbers"),
    ("cropped", 2, "maybe", object, "not a boolean"),
    ("roiInfo", 2, json.dumps({"XYZ(R)": {"pre": 1}}), None, r"XYZ\(R\)"),
    ("roiInfo", 1, "[1, 2]", None, "not a JSON object"),
])
def test_neuron_table_rejects(column, pos, value, dtype, message):
    _rejected_at(NeuronTable, _set(neurons(), column, pos, value, dtype), FILE, message,
                 pos, column)


def test_neuron_table_needs_int64_body_and_integer_counts():
    df = neurons().astype({"bodyId": "float64"})
    with pytest.raises(ValidationError, match="int64") as info:
        NeuronTable.build(df, file=FILE)
    assert info.value.column == "bodyId"
    df = neurons().astype({"post": "float64"})
    with pytest.raises(ValidationError, match="integers") as info:
        NeuronTable.build(df, file=FILE)
    assert info.value.column == "post"


def test_neuron_table_without_roi_definitions_takes_any_roi():
    df = _set(neurons(), "roiInfo", 2, json.dumps({"XYZ(R)": {"pre": 1}}))
    assert NeuronTable.build(df, file=FILE, roi_names=None).frame is df


# --- per-ROI connections --------------------------------------------------------------------

CONN_FILE = "/data/conn.csv"


def connections() -> pd.DataFrame:
    return pd.DataFrame({
        "bodyId_pre": np.array([1, 1, 2, 3], dtype="int64"),
        "bodyId_post": np.array([5, 5, 5, 6], dtype="int64"),
        "roi": ["CA(R)", "NotPrimary", "CA(R)", "CA(R)"],
        "weight": np.array([4, 1, 9, 2], dtype="int64"),
    })


def test_roi_connection_table_accepts_good_table():
    df = connections()
    assert RoiConnectionTable.build(df, file=CONN_FILE, roi_names={"CA(R)"}).frame is df


@pytest.mark.parametrize("column, pos, value, dtype, message", [
    ("bodyId_pre", 2, None, "Int64", "body id is empty"),
    ("bodyId_post", 0, None, "Int64", "body id is empty"),
    ("weight", 3, None, "Int64", "weight is empty"),
    ("weight", 1, 0, None, "0 is not a positive integer"),
    ("weight", 2, -4, None, "-4 is not a positive integer"),
    ("roi", 1, None, object, "roi is empty"),
    ("roi", 3, "  ", object, "roi is empty"),
    ("roi", 2, "XYZ(R)", object, r"ROI 'XYZ\(R\)' is not in the recipe's ROI definitions"),
])
def test_roi_connection_table_rejects(column, pos, value, dtype, message):
    _rejected_at(RoiConnectionTable, _set(connections(), column, pos, value, dtype), CONN_FILE,
                 message, pos, column)


def test_roi_connection_listed_twice_in_one_file():
    df = connections()
    df.loc[3, ["bodyId_pre", "bodyId_post"]] = [1, 5]      # data row 4 repeats row 1
    with pytest.raises(ValidationError,
                       match=r"1->5 in ROI 'CA\(R\)' is listed twice \(first at row 1\)") as info:
        RoiConnectionTable.build(df, file=CONN_FILE, roi_names={"CA(R)"})
    assert (info.value.file, info.value.row, info.value.column) == (CONN_FILE, 4, "roi")


def test_roi_connection_table_without_definitions_takes_any_roi():
    df = _set(connections(), "roi", 0, "XYZ(R)", object)
    assert RoiConnectionTable.build(df, file=CONN_FILE, roi_names=None).frame is df


# --- ROI definitions and hierarchy ---------------------------------------------------------

INFO_FILE, TREE_FILE = "/data/rois/info.json", "/data/rois/hierarchy.json"
INFO = {
    "hemibrain": {"isPrimary": False, "parent": "", "description": "whole volume"},
    "MB(R)": {"isPrimary": False, "parent": "hemibrain", "hasROI": True},
    "CA(R)": {"isPrimary": True, "parent": "MB(R)", "pre": 10, "post": 3,
              "excludeFromOverview": False, "colour": "#aa0000"},
    "a'L(R)": {"isPrimary": True, "parent": "MB(R)"},
}
TREE = {"name": "hemibrain", "children": [
    {"name": "MB(R)", "children": [{"name": "CA(R)"}, {"name": "a'L(R)", "children": []}]}]}


def test_roi_definitions_accept_neuprint_json_with_extra_keys():
    defs = validate_roi_definitions(INFO, INFO_FILE)
    assert list(defs) == list(INFO)
    assert isinstance(defs["CA(R)"], RoiDefinition)
    assert defs["CA(R)"].isPrimary is True and defs["CA(R)"].pre == 10
    assert defs["CA(R)"].model_extra == {"colour": "#aa0000"}


@pytest.mark.parametrize("roi, key, value, message", [
    ("CA(R)", "isPrimary", "yes", "valid boolean"),
    ("CA(R)", "pre", -1, "greater than or equal to 0"),
    ("MB(R)", "post", 2.5, "valid integer"),
    ("a'L(R)", "description", 7, "valid string"),
    ("hemibrain", "excludeFromOverview", 1, "valid boolean"),
])
def test_roi_definitions_reject_bad_values(roi, key, value, message):
    info = copy.deepcopy(INFO)
    info[roi][key] = value
    with pytest.raises(ValidationError, match=message) as info_err:
        validate_roi_definitions(info, INFO_FILE)
    err = info_err.value
    assert err.file == INFO_FILE
    assert f"ROI {roi!r}, key {key!r}" in str(err) and "fix the value" in str(err)


@pytest.mark.parametrize("info, message", [
    ([1, 2], "must be a JSON object"),
    ({"CA(R)": 3}, "ROI 'CA\\(R\\)'"),
    ({"": {}}, 'ROI named ""'),
])
def test_roi_definitions_reject_bad_shapes(info, message):
    with pytest.raises(ValidationError, match=message) as err:
        validate_roi_definitions(info, INFO_FILE)
    assert err.value.file == INFO_FILE


def test_roi_hierarchy_accepts_tree_whose_root_is_undefined():
    root = validate_roi_hierarchy(TREE, TREE_FILE, {"MB(R)", "CA(R)", "a'L(R)"})
    assert [(n.name, path) for n, path in root.walk()] == [
        ("hemibrain", ("hemibrain",)), ("MB(R)", ("hemibrain", "MB(R)")),
        ("CA(R)", ("hemibrain", "MB(R)", "CA(R)")),
        ("a'L(R)", ("hemibrain", "MB(R)", "a'L(R)"))]


def _tree_with(change) -> dict:
    tree = copy.deepcopy(TREE)
    change(tree)
    return tree


@pytest.mark.parametrize("change, message", [
    (lambda t: t["children"][0]["children"][1].update(name=5),
     r"at hemibrain > MB\(R\) > children\[1\], key 'name': .*valid string"),
    (lambda t: t["children"][0]["children"][0].update(childs=[]),
     r"at hemibrain > MB\(R\) > CA\(R\), key 'childs'"),
    (lambda t: t["children"][0].update(children={"name": "CA(R)"}),
     r"at hemibrain > MB\(R\), key 'children'"),
    (lambda t: t["children"][0]["children"][0].update(name=""),
     r"at hemibrain > MB\(R\) > children\[0\], key 'name'"),
    (lambda t: t["children"].append({"name": "CA(R)"}),
     r"ROI 'CA\(R\)' is in the hierarchy twice: at hemibrain > CA\(R\) and at "
     r"hemibrain > MB\(R\) > CA\(R\)"),
    (lambda t: t["children"][0]["children"].append({"name": "PED(R)"}),
     r"ROI 'PED\(R\)' \(at hemibrain > MB\(R\) > PED\(R\)\) is not defined in the ROI info"),
])
def test_roi_hierarchy_rejects(change, message):
    with pytest.raises(ValidationError, match=message) as err:
        validate_roi_hierarchy(_tree_with(change), TREE_FILE, set(INFO))
    assert err.value.file == TREE_FILE


def test_real_roi_files_validate(bundle_dir):
    info = json.loads((bundle_dir / "rois" / "np_roiInfo.json").read_text())
    tree = json.loads((bundle_dir / "rois" / "np_roiHierarchy.json").read_text())
    defs = validate_roi_definitions(info, "info")
    root = validate_roi_hierarchy(tree, "tree", set(defs))
    assert len(defs) == len(info)
    names = [n.name for n, _ in root.walk()]
    # counted from the raw JSON, independently of the model
    def count(node):
        return 1 + sum(count(c) for c in node.get("children", []))
    assert len(names) == count(tree)


# --- skeletons -------------------------------------------------------------------------------

SWC = """# a comment
1 1 10 10 10 2 -1
2 0 11 10 10 1 1

3 0 12 10 10 1 2
4 0 13 10 10 1 3
"""


def swc_file(tmp_path: Path, text: str = SWC) -> Path:
    path = tmp_path / "77.swc"
    path.write_text(text)
    return path


def test_skeleton_table_accepts_a_tree(tmp_path):
    path = swc_file(tmp_path)
    skel = read_swc(path)
    table = SkeletonTable.from_skeleton(skel, str(path), "swc")
    assert table.frame is skel.nodes
    out = table.skeleton
    assert out.body == 77 and out.header == ["# a comment"] and out.nodes is skel.nodes


@pytest.mark.parametrize("old, new, line, field, message", [
    ("4 0 13 10 10 1 3", "4 0 13 10 10 1 4", 6, "link", "cycle"),
    ("3 0 12 10 10 1 2", "3 0 12 10 10 1 9", 5, "link", "not a node"),
    ("4 0 13 10 10 1 3", "2 0 13 10 10 1 3", 6, "rowId", "more than once"),
    ("3 0 12 10 10 1 2", "3 0 inf 10 10 1 2", 5, "x", "non-finite"),
])
def test_skeleton_table_rejects_swc_with_line(tmp_path, old, new, line, field, message):
    path = swc_file(tmp_path, SWC.replace(old, new))
    with pytest.raises(SkeletonFileError, match=message) as info:
        SkeletonTable.from_skeleton(read_swc(path), str(path), "swc")
    err = info.value
    assert isinstance(err, ValidationError) and isinstance(err, SkeletonError)
    assert (err.file, err.row, err.column) == (str(path), line, field)


def test_skeleton_table_rejects_csv_with_data_row():
    nodes = pd.DataFrame({"rowId": [1, 2, 3], "type": [0, 0, 0], "x": [1.0, 2.0, 3.0],
                          "y": [0.0, 0.0, np.nan], "z": [5.0, 5.0, 5.0],
                          "radius": [1.0, 1.0, 1.0], "link": [-1, 1, 2]})
    with pytest.raises(SkeletonFileError, match="non-finite y") as info:
        SkeletonTable.from_skeleton(Skeleton(nodes=nodes, body=5), "/d/s.csv", "neuprint-csv")
    assert (info.value.row, info.value.column) == (3, "y")


def test_skeleton_table_needs_a_body():
    nodes = pd.DataFrame({"rowId": [1], "type": [0], "x": [1.0], "y": [0.0], "z": [5.0],
                          "radius": [1.0], "link": [-1]})
    with pytest.raises(ValidationError, match=r"name the file <bodyId>\.csv") as info:
        SkeletonTable.from_skeleton(Skeleton(nodes=nodes), "/d/s.csv", "neuprint-csv")
    assert info.value.file == "/d/s.csv"
