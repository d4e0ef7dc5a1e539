"""Bad skeleton files: rejected by ``load()`` before anything is written, naming the
file, the line (SWC) or row (CSV) and the field. The inputs are copies of the
bundle's real skeletons (two raw uPN SWCs, the Kenyon cell's neuprint skeleton
CSV) with one corruption each, loaded into a distinct dataset (``badskel:v1``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from connectograph.errors import SkeletonError, SkeletonFileError, ValidationError
from connectograph.loading import load
from connectograph.loading.recipe import load_recipe
from connectograph.loading.read.recipe_sources import read_sources

BAD_DATASET = "badskel:v1"

pytestmark = pytest.mark.neo4j

SWCS = (1006258344, 1442819296)
KC = 5813078552
KC_CSV = "skeletons/kc-5813078552/KCskel1847.csv"


@pytest.fixture
def data_dir(tmp_path, bundle_dir) -> Path:
    d = tmp_path / "data"
    (d / "swc").mkdir(parents=True)
    for body in SWCS:
        shutil.copy(bundle_dir / "skeletons" / "upn-raw" / f"{body}.swc", d / "swc")
    shutil.copy(bundle_dir / KC_CSV, d / "kc.csv")
    pd.DataFrame({"bodyId": [*SWCS, KC]}).to_csv(d / "bodies.csv", index=False)
    return d


def write_recipe(tmp_path: Path, data_dir: Path, bundle_dir: Path) -> Path:
    path = tmp_path / "badskel.toml"
    path.write_text(f"""
[dataset]
name = "badskel"
tag = "v1"
data_dir = "{data_dir}"

[rois]
info = "{bundle_dir / 'rois' / 'np_roiInfo.json'}"
hierarchy = "{bundle_dir / 'rois' / 'np_roiHierarchy.json'}"

[[neurons]]
file = "bodies.csv"

[[skeletons]]
folder = "swc"

[[skeletons]]
file = "kc.csv"
format = "neuprint-csv"
bodyId = {KC}
""")
    return path


def edit_swc(path: Path, node: int, *, rowId: int | None = None, link: int | None = None) -> int:
    """Change the node line of ``node``; return its line number."""
    lines = path.read_text().splitlines()
    for number, line in enumerate(lines, start=1):
        fields = line.split()
        if not line.startswith("#") and fields and int(fields[0]) == node:
            if rowId is not None:
                fields[0] = str(rowId)
            if link is not None:
                fields[6] = str(link)
            lines[number - 1] = " ".join(fields)
            path.write_text("\n".join(lines) + "\n")
            return number
    raise AssertionError(f"node {node} not in {path}")


def parent_of(path: Path, node: int) -> int:
    for line in path.read_text().splitlines():
        fields = line.split()
        if not line.startswith("#") and fields and int(fields[0]) == node:
            return int(fields[6])
    raise AssertionError(node)


def load_error(tmp_path: Path, data_dir: Path, bundle_dir: Path, writer, error: type,
               match: str) -> Exception:
    """The ``error`` (message matching ``match``) that loading the copies raises."""
    with pytest.raises(error, match=match) as info:
        load(write_recipe(tmp_path, data_dir, bundle_dir), client=writer, progress=None)
    return info.value


def test_clean_copies_are_valid(tmp_path, data_dir, bundle_dir):
    tables = read_sources(load_recipe(write_recipe(tmp_path, data_dir, bundle_dir)))
    assert set(tables.skeletons) == {*SWCS, KC}


def test_folder_of_skeleton_csvs_named_by_body(tmp_path, data_dir, bundle_dir):
    """A folder of neuprint-csv skeletons takes each body from its file name,
    as SWC folders do."""
    (data_dir / "csvs").mkdir()
    shutil.copy(data_dir / "kc.csv", data_dir / "csvs" / f"{KC}.csv")
    recipe = write_recipe(tmp_path, data_dir, bundle_dir)
    text = recipe.read_text().replace('file = "kc.csv"', 'folder = "csvs"')
    recipe.write_text(text.replace(f"bodyId = {KC}\n", ""))
    skeletons = read_sources(load_recipe(recipe)).skeletons
    expected = pd.read_csv(bundle_dir / KC_CSV)
    assert set(skeletons) == {*SWCS, KC}
    assert len(skeletons[KC].nodes) == len(expected)
    assert skeletons[KC].nodes["x"].tolist() == expected["x"].astype(float).tolist()


def test_swc_cycle(tmp_path, data_dir, bundle_dir, writer, unchanged):
    swc = data_dir / "swc" / f"{SWCS[1]}.swc"
    # node 3 links to node 5, whose chain (5 -> 4 -> 3) leads back to it
    assert (parent_of(swc, 5), parent_of(swc, 4)) == (4, 3)
    line = edit_swc(swc, 3, link=5)
    err = load_error(tmp_path, data_dir, bundle_dir, writer, SkeletonFileError, "cycle")
    assert (Path(err.file), err.row, err.column) == (swc, line, "link")
    assert str(swc) in str(err) and f"row {line}" in str(err) and "node 3 " in str(err)


def test_swc_missing_parent(tmp_path, data_dir, bundle_dir, writer, unchanged):
    swc = data_dir / "swc" / f"{SWCS[0]}.swc"
    line = edit_swc(swc, 10, link=999_999)
    err = load_error(tmp_path, data_dir, bundle_dir, writer, SkeletonFileError, "999999")
    assert (Path(err.file), err.row, err.column) == (swc, line, "link")
    assert str(swc) in str(err) and f"body {SWCS[0]}" in str(err)


def test_swc_duplicate_node_id(tmp_path, data_dir, bundle_dir, writer, unchanged):
    swc = data_dir / "swc" / f"{SWCS[0]}.swc"
    line = edit_swc(swc, 7, rowId=6)
    err = load_error(tmp_path, data_dir, bundle_dir, writer, SkeletonFileError, "more than once")
    assert (Path(err.file), err.row, err.column) == (swc, line, "rowId")
    assert isinstance(err, SkeletonError) and isinstance(err, ValidationError)


def test_skeleton_csv_non_numeric_cell(tmp_path, data_dir, bundle_dir, writer, unchanged):
    csv = data_dir / "kc.csv"
    df = pd.read_csv(csv, dtype=str, keep_default_na=False)
    df.loc[4, "y"] = "13666,5"                       # data row 5, a decimal comma
    df.to_csv(csv, index=False)
    err = load_error(tmp_path, data_dir, bundle_dir, writer, ValidationError, "not a number")
    assert (Path(err.file), err.row, err.column) == (csv, 5, "y")
    assert str(csv) in str(err) and "row 5" in str(err)
