"""Fast checks (no server) of the neuron-table cell parsers and of skeleton file
errors: the shapes neuprint-python's ``fetch_neurons`` output takes once saved
with ``to_csv`` or ``to_parquet``, and bad cells named by file, row and column."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from connectograph.errors import SkeletonError, SkeletonFileError, ValidationError
from connectograph.loading.recipe import load_recipe
from connectograph.loading.read.neuron_cells import parse_roi_info, parse_soma_location
from connectograph.loading.read.recipe_sources import read_sources
from connectograph.skeletons import validate_skeleton

# --- somaLocation -------------------------------------------------------------------------


@pytest.mark.parametrize("cell", [
    "12,34,56", "12, 34, 56", "[12, 34, 56]", "(12, 34, 56)", "[12. 34. 56.]", "12;34;56",
    " [12.0, 34.0, 56.0] ", [12, 34, 56], (12.0, 34.0, 56.0), np.array([12, 34, 56]),
    np.array([12.0, 34.0, 56.0]), {"type": "Point", "coordinates": [12, 34, 56]},
])
def test_soma_shapes(cell):
    assert parse_soma_location(cell) == (12.0, 34.0, 56.0)


@pytest.mark.parametrize("cell", [None, float("nan"), np.nan, pd.NA, "", "  ", "[]"])
def test_soma_empty(cell):
    assert parse_soma_location(cell) is None


@pytest.mark.parametrize("cell, reason", [
    ("[1, 2]", "3 finite numbers"),
    ([1, 2, 3, 4], "3 finite numbers"),
    ("1,2,inf", "3 finite numbers"),
    ([1.0, float("nan"), 3.0], "3 finite numbers"),
    ("a,b,c", "not 'x,y,z' numbers"),
    (["1", None, "3"], "not 'x,y,z' numbers"),
    ([True, False, True], "not 'x,y,z' numbers"),
    ({"x": 1}, "without 'coordinates'"),
    (5, "not 'x,y,z' numbers"),
])
def test_soma_bad(cell, reason):
    with pytest.raises(ValueError, match=reason):
        parse_soma_location(cell)


# --- roiInfo ------------------------------------------------------------------------------

EXPECTED = {"a'L(R)": {"pre": 17, "post": 13271}, "MB(R)": {"post": 5, "upstream": 5}}


@pytest.mark.parametrize("cell", [
    json.dumps(EXPECTED),                                            # neuPrint's JSON text
    repr(EXPECTED),                                                  # to_csv of a dict
    EXPECTED,                                                        # a dict cell
    {"a'L(R)": {"pre": 17.0, "post": np.int64(13271), "upstream": None},   # Parquet struct:
     "MB(R)": {"pre": None, "post": 5.0, "upstream": 5.0}, "CA(R)": None},  # union of fields
])
def test_roi_info_shapes(cell):
    parsed = parse_roi_info(cell)
    assert parsed == EXPECTED
    assert all(type(v) is int for counts in parsed.values() for v in counts.values())


def test_roi_info_python_literal_is_not_evaluated():
    with pytest.raises(ValueError, match="not valid JSON"):
        parse_roi_info("__import__('os').getcwd()")
    with pytest.raises(ValueError, match="not valid JSON"):
        parse_roi_info("{'a': {'pre': len('x')}}")


@pytest.mark.parametrize("cell", [None, float("nan"), "", "   "])
def test_roi_info_empty(cell):
    assert parse_roi_info(cell) is None


def test_roi_info_empty_object_kept():
    assert parse_roi_info("{}") == {} and parse_roi_info({}) == {}


@pytest.mark.parametrize("cell, reason", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
    ("['a']", "must be a JSON object"),
    ('{"a(R)": 5}', "not an object"),
    ('{"a(R)": {"pre": "x"}}', "not an integer"),
    ('{"a(R)": {"post": 2.5}}', "not an integer"),
    ("{'a(R)': {'pre': True}}", "not an integer"),
    ("{1: {'pre': 1}}", "not text"),
    ({"a(R)": {"pre": [1]}}, "not a number"),
    (["a(R)"], "not a JSON object"),
])
def test_roi_info_bad(cell, reason):
    with pytest.raises(ValueError, match=reason):
        parse_roi_info(cell)


# --- a fetch_neurons-shaped table through read_sources --------------------------------------

ROI_INFO = {"a'L(R)": {"isPrimary": True, "parent": "MB(R)"}, "MB(R)": {"isPrimary": False},
            "CA(R)": {"isPrimary": True, "parent": "MB(R)"}}
HIERARCHY = {"name": "hemibrain", "children": [{"name": "MB(R)", "children": [
    {"name": "a'L(R)"}, {"name": "CA(R)"}]}]}


def neuron_df() -> pd.DataFrame:
    """A neuron_df shaped as neuprint-python's fetch_neurons returns it: somaLocation
    lists (or None), roiInfo dicts, inputRois/outputRois lists, bool cropped."""
    infos = [{"a'L(R)": {"pre": 3, "post": 40, "downstream": 12, "upstream": 40},
              "MB(R)": {"pre": 3, "post": 41, "downstream": 12, "upstream": 41}},
             {"CA(R)": {"post": 7, "upstream": 7}},
             {}]
    return pd.DataFrame({
        "bodyId": [300972942, 5813078552, 12],
        "instance": ["MBON14(a3)_R", "KCab-p_R", None],
        "type": ["MBON14", "KCab-p", None],
        "pre": [543, 3, 0], "post": [13634, 7, 2],
        "status": ["Traced", "Traced", None], "cropped": [False, True, None],
        "somaRadius": [301.5, np.nan, np.nan],
        "somaLocation": [[12, 34, 56], None, None],
        "roiInfo": infos,
        "notes": ["a note", None, None],
        "inputRois": [sorted(k for k, v in d.items() if v.get("post")) for d in infos],
        "outputRois": [sorted(k for k, v in d.items() if v.get("pre")) for d in infos],
    })


def write_recipe(tmp_path: Path, body: str) -> Path:
    (tmp_path / "rois").mkdir(exist_ok=True)
    (tmp_path / "rois" / "info.json").write_text(json.dumps(ROI_INFO))
    (tmp_path / "rois" / "hierarchy.json").write_text(json.dumps(HIERARCHY))
    path = tmp_path / "r.toml"
    path.write_text(f'[dataset]\nname = "unit"\ntag = "v1"\ndata_dir = "{tmp_path}"\n'
                    '[rois]\ninfo = "rois/info.json"\nhierarchy = "rois/hierarchy.json"\n' + body)
    return path


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_fetch_neurons_export_read(tmp_path, fmt):
    src = neuron_df()
    file = tmp_path / f"neurons.{fmt}"
    src.to_csv(file) if fmt == "csv" else src.to_parquet(file)
    recipe = load_recipe(write_recipe(
        tmp_path, f'[[neurons]]\nfile = "{file.name}"\nformat = "{fmt}"\n'))
    tables = read_sources(recipe)
    got = tables.neurons.loc[src["bodyId"]]
    assert [json.loads(t) for t in got["roiInfo"]] == list(src["roiInfo"])
    assert got["somaLocation"].tolist() == [(12.0, 34.0, 56.0), None, None]
    assert got["pre"].tolist() == [543, 3, 0]
    assert got["cropped"].tolist()[:2] == [False, True] and pd.isna(got["cropped"].iloc[2])
    assert got["notes"].iloc[0] == "a note"
    assert "inputRois" not in got.columns and "outputRois" not in got.columns
    assert any("inputRois, outputRois not loaded" in w and file.name in w
               for w in tables.warnings)


def test_derived_columns_dropped_silently_when_listed(tmp_path):
    neuron_df().to_csv(tmp_path / "n.csv", index=False)
    recipe = load_recipe(write_recipe(
        tmp_path, '[[neurons]]\nfile = "n.csv"\ndrop = ["inputRois", "outputRois"]\n'))
    assert not any("inputRois" in w for w in read_sources(recipe).warnings)


def test_extra_list_cells_become_json_text(tmp_path):
    df = neuron_df().assign(tags=[["a", "b"], [], None])
    df.to_parquet(tmp_path / "n.parquet")
    recipe = load_recipe(write_recipe(
        tmp_path, '[[neurons]]\nfile = "n.parquet"\nformat = "parquet"\n'))
    tags = read_sources(recipe).neurons["tags"]
    assert tags.iloc[0] == '["a", "b"]' and tags.iloc[1] == "[]" and pd.isna(tags.iloc[2])


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("column, cell, reason", [
    ("somaLocation", [1, 2], "3 finite numbers"),
    ("roiInfo", {"a'L(R)": {"pre": 1.5}}, "not an integer"),
    ("roiInfo", {"XYZ(R)": {"pre": 1}}, "missing from the recipe's ROI definitions"),
])
def test_bad_export_cell_named(tmp_path, fmt, column, cell, reason):
    src = neuron_df()
    src.at[1, column] = cell
    file = tmp_path / f"neurons.{fmt}"
    src.to_csv(file, index=False) if fmt == "csv" else src.to_parquet(file)
    recipe = load_recipe(write_recipe(
        tmp_path, f'[[neurons]]\nfile = "{file.name}"\nformat = "{fmt}"\n'))
    with pytest.raises(ValidationError, match=reason) as info:
        read_sources(recipe)
    assert (Path(info.value.file), info.value.row, info.value.column) == (file, 2, column)


# --- skeleton files ---------------------------------------------------------------------------

SWC = """# a comment
1 1 10 10 10 2 -1
2 0 11 10 10 1 1

3 0 12 10 10 1 2
4 0 13 10 10 1 3
"""


def skeleton_recipe(tmp_path: Path, body: str) -> Path:
    return write_recipe(tmp_path, body)


def write_swc(folder: Path, body: int, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"{body}.swc"
    path.write_text(text)
    return path


def test_valid_swc_folder_reads(tmp_path):
    write_swc(tmp_path / "swc", 77, SWC)
    recipe = load_recipe(skeleton_recipe(tmp_path, '[[skeletons]]\nfolder = "swc"\n'))
    assert len(read_sources(recipe).skeletons[77].nodes) == 4


@pytest.mark.parametrize("old, new, line, column, reason", [
    ("4 0 13 10 10 1 3", "4 0 13 10 10 1 4", 6, "link", "cycle"),        # self-link
    ("2 0 11 10 10 1 1", "2 0 11 10 10 1 3", 3, "link", "cycle"),        # 2 -> 3 -> 2
    ("3 0 12 10 10 1 2", "3 0 12 10 10 1 9", 5, "link", "not a node"),   # missing parent
    ("4 0 13 10 10 1 3", "2 0 13 10 10 1 3", 6, "rowId", "more than once"),
    ("4 0 13 10 10 1 3", "4 0 13 10 nan 1 3", 6, "z", "non-finite"),
])
def test_bad_swc_names_file_line_and_field(tmp_path, old, new, line, column, reason):
    path = write_swc(tmp_path / "swc", 77, SWC.replace(old, new))
    recipe = load_recipe(skeleton_recipe(tmp_path, '[[skeletons]]\nfolder = "swc"\n'))
    with pytest.raises(SkeletonFileError, match=reason) as info:
        read_sources(recipe)
    err = info.value
    assert isinstance(err, ValidationError) and isinstance(err, SkeletonError)
    assert (Path(err.file), err.row, err.column) == (path, line, column)
    assert str(path) in str(err) and "body 77" in str(err)


def test_unparsable_swc_line_names_file(tmp_path):
    path = write_swc(tmp_path / "swc", 77, SWC.replace("4 0 13 10 10 1 3", "4 0 13 ten 10 1 3"))
    recipe = load_recipe(skeleton_recipe(tmp_path, '[[skeletons]]\nfolder = "swc"\n'))
    with pytest.raises(SkeletonFileError, match="line 6") as info:
        read_sources(recipe)
    assert Path(info.value.file) == path and str(path) in str(info.value)


def skeleton_csv(tmp_path: Path) -> Path:
    df = pd.DataFrame({"rowId": [1, 2, 3], "x": [1.0, 2.0, 3.0], "y": [0.0, 0.0, 0.0],
                       "z": [5.0, 5.0, 5.0], "radius": [1.0, 1.0, 1.0], "link": [-1, 1, 2]})
    path = tmp_path / "skel.csv"
    df.to_csv(path)                       # with its index, as a lab would save it
    return path


@pytest.mark.parametrize("column, value, reason", [
    ("x", "abc", "not a number"), ("link", "one", "not an integer"),
    ("rowId", "2.5", "not an integer"), ("radius", "", "empty"),
])
def test_bad_skeleton_csv_cell_named(tmp_path, column, value, reason):
    path = skeleton_csv(tmp_path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[1, column] = value
    df.to_csv(path, index=False)
    recipe = load_recipe(skeleton_recipe(
        tmp_path, '[[skeletons]]\nfile = "skel.csv"\nformat = "neuprint-csv"\nbodyId = 5\n'))
    with pytest.raises(ValidationError, match=reason) as info:
        read_sources(recipe)
    assert (Path(info.value.file), info.value.row, info.value.column) == (path, 2, column)


def test_skeleton_csv_cycle_names_row(tmp_path):
    path = skeleton_csv(tmp_path)
    df = pd.read_csv(path, index_col=0)
    df.loc[0, "link"] = 3                 # 1 -> 3 -> 2 -> 1
    df.to_csv(path)
    recipe = load_recipe(skeleton_recipe(
        tmp_path, '[[skeletons]]\nfile = "skel.csv"\nformat = "neuprint-csv"\nbodyId = 5\n'))
    with pytest.raises(SkeletonFileError, match="cycle") as info:
        read_sources(recipe)
    assert (Path(info.value.file), info.value.column) == (path, "link")
    assert info.value.row in (1, 2, 3)


def _random_forest(rng, n):
    links = np.array([-1] + [int(rng.integers(1, i + 1)) for i in range(1, n)])
    return pd.DataFrame({"rowId": np.arange(1, n + 1), "x": rng.random(n), "y": rng.random(n),
                         "z": rng.random(n), "radius": rng.random(n) + 1, "link": links})


@pytest.mark.parametrize("seed", range(20))
def test_skeleton_error_position_is_the_node_it_names(seed):
    """validate_skeleton's error carries the position and field of the node
    its message names (the loader turns them into a file row)."""
    rng = np.random.default_rng(seed)
    df = _random_forest(rng, int(rng.integers(5, 60)))
    i = int(rng.integers(0, len(df)))
    kind = seed % 4
    if kind == 0:                          # cycle: an ancestor of node j (or j) links to j
        j, chain = i, [i]
        while df.loc[chain[-1], "link"] != -1:
            chain.append(int(df.loc[chain[-1], "link"]) - 1)
        df.loc[int(rng.choice(chain)), "link"] = int(df.loc[j, "rowId"])
    elif kind == 1:
        df.loc[i, "link"] = 10_000
    elif kind == 2:
        df.loc[i, "rowId"] = int(df.loc[(i + 1) % len(df), "rowId"])
    else:
        df.loc[i, "y"] = np.inf
    with pytest.raises(SkeletonError) as info:
        validate_skeleton(df, body=1)
    node = int(df["rowId"].iloc[info.value.position])
    assert f"node {node} " in str(info.value) or f"node id {node} " in str(info.value)
    assert info.value.field == ("link", "link", "rowId", "y")[kind]


def test_valid_forest_passes_validation():
    validate_skeleton(_random_forest(np.random.default_rng(0), 50), body=1)


def test_keep_unmapped_false_keeps_canonical_columns(tmp_path):
    """keep_unmapped = false drops the file's extra columns but keeps the
    canonical ones, mapped (type <- cell_type) or already so named (bodyId)."""
    (tmp_path / "neurons.csv").write_text("bodyId,cell_type,comment,pre\n1,KC,hello,3\n2,PN,,5\n")
    (tmp_path / "conns.csv").write_text(
        "bodyId_pre,bodyId_post,roi,weight,note\n1,2,NotPrimary,4,x\n")
    recipe = tmp_path / "r.toml"
    recipe.write_text(
        f'[dataset]\nname = "ku"\ntag = "v1"\ndata_dir = "{tmp_path}"\n\n'
        '[[neurons]]\nfile = "neurons.csv"\ncolumns = { type = "cell_type" }\n'
        'keep_unmapped = false\n\n'
        '[[roi_connections]]\nfile = "conns.csv"\nkeep_unmapped = false\n')
    tables = read_sources(load_recipe(recipe))
    neurons = tables.neurons
    assert "comment" not in neurons.columns and "cell_type" not in neurons.columns
    assert neurons.loc[[1, 2], "type"].tolist() == ["KC", "PN"]
    assert neurons.loc[[1, 2], "pre"].tolist() == [3, 5]
    conns = tables.roi_connections
    assert conns[["bodyId_pre", "bodyId_post", "roi", "weight"]].values.tolist() == [
        [1, 2, "NotPrimary", 4]]


def test_mapped_column_wins_over_a_file_column_of_that_name(tmp_path):
    """columns = { type = "cell_type" } in a file that also has "type": the
    mapping gives the type, and there is one type column, not two."""
    (tmp_path / "neurons.csv").write_text("bodyId,type,cell_type\n1,old,KC\n2,,PN\n")
    recipe = tmp_path / "r.toml"
    recipe.write_text(
        f'[dataset]\nname = "mapped"\ntag = "v1"\ndata_dir = "{tmp_path}"\n\n'
        '[[neurons]]\nfile = "neurons.csv"\ncolumns = { type = "cell_type" }\n')
    neurons = read_sources(load_recipe(recipe)).neurons
    assert list(neurons.columns).count("type") == 1
    assert neurons.loc[[1, 2], "type"].tolist() == ["KC", "PN"]


def test_arrow_system_memory_is_scoped_to_its_block():
    import pyarrow as pa
    from connectograph.loading.arrow_memory import arrow_system_memory
    before = pa.default_memory_pool().backend_name
    with arrow_system_memory():
        assert pa.default_memory_pool().backend_name == "system"
        kept = pa.array(range(1000))            # allocated from malloc
    assert pa.default_memory_pool().backend_name == before
    assert kept.sum().as_py() == 499500         # still readable after the block
    try:
        with arrow_system_memory():
            raise KeyError("x")
    except KeyError:
        pass
    assert pa.default_memory_pool().backend_name == before


# --- per-ROI connection tables across files ------------------------------------------------

def test_roi_connections_first_file_wins_and_repeats_are_reported(tmp_path):
    from connectograph.loading.read.neuron_tables import read_roi_connections
    header = "bodyId_pre,bodyId_post,roi,weight\n"
    # a.csv is listed first: its rows win; b.csv repeats two of them (one
    # with another weight) and adds one; c.csv only repeats (same weights)
    (tmp_path / "a.csv").write_text(header + "1,2,a'L(R),5\n1,2,CA(R),3\n4,2,CA(R),1\n")
    (tmp_path / "b.csv").write_text(header + "1,2,CA(R),3\n7,8,MB(R),2\n1,2,a'L(R),6\n")
    (tmp_path / "c.csv").write_text(header + "4,2,CA(R),1\n")
    recipe = load_recipe(write_recipe(tmp_path, "".join(
        f'[[roi_connections]]\nfile = "{name}"\n' for name in ("a.csv", "b.csv", "c.csv"))))
    conflicts = []
    rows = read_roi_connections(recipe, set(ROI_INFO), conflicts)
    assert rows[["bodyId_pre", "bodyId_post", "roi", "weight"]].values.tolist() == [
        [1, 2, "a'L(R)", 5], [1, 2, "CA(R)", 3], [4, 2, "CA(R)", 1], [7, 8, "MB(R)", 2]]
    assert [Path(f).name for f in rows["_file"]] == ["a.csv", "a.csv", "a.csv", "b.csv"]
    # the file column names only the files that rows were kept from
    assert sorted(Path(f).name for f in rows["_file"].cat.categories) == ["a.csv", "b.csv"]
    assert len(conflicts) == 1
    c = conflicts[0]
    assert (c.table, c.column, Path(c.kept_from).name, Path(c.overridden_from).name, c.count) \
        == ("roi_connections", "weight", "a.csv", "b.csv", 1)
    assert c.rows.to_dict("records") == [{"key": "1->2 a'L(R)", "kept": 5, "dropped": 6}]
