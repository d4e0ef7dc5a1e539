"""Fast checks of the bulk path's CSV logic (no server): header entries and
quoting, placeholder names for what neo4j-admin's header parser would mangle,
types, point and array texts, empty lists, multi-line detection."""

from __future__ import annotations

import csv
import io

import numpy as np
import pyarrow as pa
import pytest
from neo4j.spatial import CartesianPoint

from connectograph.errors import BulkImportError
from connectograph.loading.write.bulk_csv import roi_flag_columns
from connectograph.loading.write.import_csv import (ARRAY_DELIMITER, PLACEHOLDER_PREFIX, Column,
                                                    CsvWriter, header_line, needs_placeholder,
                                                    point_column, point_text, row_columns,
                                                    typed_groups, value_type, write_rows)


def _read_csv(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_names_neo4j_admin_would_mangle():
    # The header parser cuts "(...)" (ID group) and "{...}" (options) out of any entry.
    for name in ("aL(R)", "a'L(R)", "PB(R6)", "x{y}", "(", "}"):
        assert needs_placeholder(name)
    for name in ("bodyId", "a'L", "ns:x", "x,y\"q", "b\\c", "INP", "é"):
        assert not needs_placeholder(name)


def test_header_line_quotes_csv_specials_only():
    line = header_line([":LABEL", "x,y\"q:string", "a'L:boolean", "ns:x:string"])
    assert line == ':LABEL,"x,y""q:string",a\'L:boolean,ns:x:string\n'
    assert next(csv.reader(io.StringIO(line))) == [":LABEL", "x,y\"q:string", "a'L:boolean",
                                                   "ns:x:string"]


@pytest.mark.parametrize("value, kind", [
    (True, "boolean"), (np.bool_(False), "boolean"), (3, "long"), (np.int64(3), "long"),
    (0.5, "double"), (np.float32(0.5), "double"), ("x", "string"), (float("nan"), None),
    (None, None), (CartesianPoint((1.0, 2.0, 3.0)), "point{crs:cartesian-3D}"),
    ([1, 2], "long[]"), ([0.5], "double[]"), (["a"], "string[]"), ([], "[]"),
])
def test_value_types_follow_the_bolt_driver(value, kind):
    assert value_type(value) == kind


def test_mixed_lists_are_rejected():
    with pytest.raises(BulkImportError):
        value_type([1, "a"])


def test_typed_groups_split_rows_whose_key_changes_type():
    rows = [{"a": 1, "b": "x"}, {"a": 2.5}, {"a": 3, "c": True}, {"b": "y"}]
    groups = typed_groups(rows)
    assert len(groups) == 3
    by_rows = {tuple(pos): types for pos, types in groups}
    assert by_rows[(0, 2)] == {"a": "long", "b": "string", "c": "boolean"}
    assert by_rows[(1,)] == {"a": "double"}
    assert by_rows[(3,)] == {"b": "string"}


def test_one_group_when_types_agree_and_empty_lists_are_set_aside():
    rows = [{"h": ["a", "b"], "n": 1}, {"h": [], "n": 2}, {"n": 3}]
    (positions, types), = typed_groups(rows)
    assert positions == [0, 1, 2] and types == {"h": "string[]", "n": "long"}
    columns, empty = row_columns(rows, types)
    assert empty == [(1, "h")]
    h = next(c for c in columns if c.name == "h")
    assert h.values.to_pylist() == ["a" + ARRAY_DELIMITER + "b", None, None]


def test_point_texts_round_trip_floats():
    assert point_text((1.5, 2.0, 3.0000000000000004)) == "{x:1.5,y:2.0,z:3.0000000000000004}"
    x = np.array([0.1, 1e-300, 4.0, 123456.789])
    texts = point_column(x, x * 3, -x).to_pylist()
    for t, xi in zip(texts, x):
        parts = dict(p.split(":") for p in t.strip("{}").split(","))
        assert float(parts["x"]) == xi and float(parts["y"]) == xi * 3
        assert float(parts["z"]) == -xi


def test_roi_flag_columns_true_or_absent():
    rois = np.empty(4, dtype=object)
    rois[:] = [("MB(R)", "aL(R)"), (), ("MB(R)", "CA(R)"), ("MB(R)", "aL(R)")]
    cols = {c.name: c.values.to_pylist() for c in roi_flag_columns(rois)}
    assert cols == {"CA(R)": [None, None, True, None], "MB(R)": [True, None, True, True],
                    "aL(R)": [True, None, None, True]}


def test_writer_uses_placeholders_and_records_renames(tmp_path):
    w = CsvWriter(tmp_path)
    cols = [Column("aL(R)", "boolean", pa.array([True, None])),
            Column("a'L(R)", "boolean", pa.array([None, True])),
            Column("bodyId", "long", pa.array([1, 2])),
            Column("note", "string", pa.array(['say "hi", then\nleave', ""]))]
    w.nodes("Segment", pa.array(["Segment", "Segment"]), ("Body", pa.array([0, 1])), cols)
    files = w.files
    header = _read_csv(files.nodes[0][0])[0]
    assert header == [":LABEL", ":ID(Body)", f"{PLACEHOLDER_PREFIX}0:boolean",
                      f"{PLACEHOLDER_PREFIX}1:boolean", "bodyId:long", "note:string"]
    assert files.renames == {"Segment": {f"{PLACEHOLDER_PREFIX}0": "aL(R)",
                                         f"{PLACEHOLDER_PREFIX}1": "a'L(R)"}}
    data = _read_csv(files.nodes[0][1])
    assert data[0][4:] == ["1", 'say "hi", then\nleave']
    # "" stays an empty string (quoted); null is an empty unquoted field
    raw = files.nodes[0][1].read_text()
    assert raw.splitlines()[-1].endswith(',2,""')
    assert files.multiline
    args = files.admin_args(threads=2)
    assert "--multiline-fields=true" in args and "--id-type=integer" in args
    assert "--array-delimiter=U+001F" in args and "--threads=2" in args


def test_write_rows_records_empty_lists_by_key(tmp_path):
    w = CsvWriter(tmp_path)
    rows = [{"bodyId": 7, "header": []}, {"bodyId": 8, "header": ["# a; b, c"]}]
    write_rows(w, "Skeleton", ["Skeleton", "Skeleton"], rows, ("Skeleton", np.arange(2)),
               "bodyId")
    assert w.files.empty_lists == [{"label": "Skeleton", "key": "bodyId", "value": 7,
                                    "property": "header"}]
    data = _read_csv(w.files.nodes[0][1])
    assert data[1][-1] == "# a; b, c" and data[0][-1] == ""


def test_array_delimiter_inside_a_value_is_refused(tmp_path):
    w = CsvWriter(tmp_path)
    with pytest.raises(BulkImportError):
        write_rows(w, "Meta", ["Meta"], [{"dataset": "d", "l": ["a" + ARRAY_DELIMITER]}],
                   None, "dataset")


def test_one_placeholder_per_real_name_across_labels(tmp_path):
    """One placeholder per real name, the same under every label."""
    w = CsvWriter(tmp_path)
    one = pa.array([True])
    w.nodes("Segment", pa.array(["S"]), None,
            [Column(f"{PLACEHOLDER_PREFIX}0", "long", pa.array([1])),   # a real column so named
             Column("aL(R)", "boolean", one), Column("b{x}", "boolean", one)])
    w.nodes("Synapse", pa.array(["Y"]), None,
            [Column("b{x}", "boolean", one), Column("c(L)", "boolean", one)])
    seg, syn = w.files.renames["Segment"], w.files.renames["Synapse"]
    assert f"{PLACEHOLDER_PREFIX}0" not in w.files.placeholders
    assert {v: k for k, v in seg.items()}["b{x}"] == {v: k for k, v in syn.items()}["b{x}"]
    assert len(set(w.files.placeholders)) == 3
    assert sorted(w.files.placeholders.values()) == ["aL(R)", "b{x}", "c(L)"]
    # A later real column may not take a placeholder's name.
    taken = next(iter(syn))
    with pytest.raises(BulkImportError, match="placeholder"):
        w.nodes("ROI", pa.array(["R"]), None, [Column(taken, "long", pa.array([1]))])
