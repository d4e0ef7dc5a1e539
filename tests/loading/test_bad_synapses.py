"""Bad synapse inputs: each rejected before anything is written, with the file, row
and column named. The inputs are small copies of the bundle's real files (the
Kenyon cell's input pairs, one DA1 connector table) with one cell corrupted; they
load into a distinct dataset (``badsyn:v1``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from connectograph.errors import ValidationError
from connectograph.loading import load
from connectograph.loading.recipe import check_recipe, load_recipe
from connectograph.loading.read.recipe_sources import read_sources
from small_recipes import KC_SYNAPSE_COLUMNS

BAD_DATASET = "badsyn:v1"

pytestmark = pytest.mark.neo4j

KC_IN = "synapses/kc-5813078552/KCinputs1847.csv"
DA1 = "synapses/da1-pn/722817260.csv"
BODIES = "neurons/bodies.csv"
N_ROWS = 40


def recipe_text(data_dir: Path, extra: str = "") -> str:
    return f"""
[dataset]
name = "badsyn"
tag = "v1"
data_dir = "{data_dir}"

[rois]
info = "rois/np_roiInfo.json"
hierarchy = "rois/np_roiHierarchy.json"

[[neurons]]
file = "{BODIES}"

[[synapses]]
kind = "connectors"
folder = "synapses/da1-pn"

[[synapses]]
kind = "synapse_connections"
file = "{KC_IN}"
{KC_SYNAPSE_COLUMNS}
{extra}"""


@pytest.fixture
def data_dir(tmp_path, bundle_dir) -> Path:
    """ROI files, the first 40 KC input pairs, the first 40 rows of one DA1 table and a
    neuron table listing exactly their bodies."""
    d = tmp_path / "data"
    shutil.copytree(bundle_dir / "rois", d / "rois", ignore=shutil.ignore_patterns("meshes"))
    for rel in (KC_IN, DA1):
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        df = pd.read_csv(bundle_dir / rel, dtype=str, keep_default_na=False)
        df.head(N_ROWS).to_csv(d / rel, index=False)
    kc = pd.read_csv(d / KC_IN)
    bodies = sorted(set(kc["upstream_bodyId"]) | set(kc["downstream_bodyId"]) | {722817260})
    (d / BODIES).parent.mkdir(parents=True)
    pd.DataFrame({"bodyId": bodies}).to_csv(d / BODIES, index=False)
    return d


@pytest.fixture(params=["in memory", "partitioned"])
def load_options(request, tmp_path) -> dict:
    """Every bad input is rejected alike by the in-memory load and by the
    partitioned one (synapse tables spilled to disk), which leaves no spill."""
    if request.param == "in memory":
        yield {}
        return
    spill = tmp_path / "spill"
    spill.mkdir()
    yield {"partition_rows": 1000, "spill_dir": str(spill)}
    assert list(spill.iterdir()) == []


def write_recipe(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "badsyn.toml"
    p.write_text(text)
    return p


def corrupt(path: Path, row: int, column: str, value: str) -> None:
    """Set data row ``row`` (1-based) of ``column`` to ``value``, keeping the rest as text."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row - 1, column] = value
    df.to_csv(path, index=False)


def test_clean_copy_is_valid(tmp_path, data_dir):
    recipe = load_recipe(write_recipe(tmp_path, recipe_text(data_dir)))
    check_recipe(recipe)
    tables = read_sources(recipe)
    kc = pd.read_csv(data_dir / KC_IN)
    assert len(tables.synapse_pairs) == N_ROWS
    tbars = len(kc.drop_duplicates(["upstream_bodyId", "ux", "uy", "uz"]))
    assert len(tables.synapse_points) == N_ROWS + tbars + N_ROWS


@pytest.mark.parametrize("rel, row, column, value, message", [
    (KC_IN, 5, "upstream_bodyId", "123", "no neuron or connection table"),
    (KC_IN, 3, "ux", "NaN", "not a finite number"),
    (KC_IN, 7, "dz", "abc", "not a finite number"),
    (KC_IN, 9, "dy", "", "not a finite number"),
    (KC_IN, 4, "downstream_confidence", "1.5", r"outside \[0, 1\]"),
    (KC_IN, 6, "upstream_confidence", "-0.2", r"outside \[0, 1\]"),
    (KC_IN, 8, "downstream_roi", "XYZ(R)", r"XYZ\(R\)"),
    (KC_IN, 2, "downstream_bodyId", "12x", "not an integer"),
    (DA1, 11, "x", "inf", "not a finite number"),
    (DA1, 12, "confidence", "2", r"outside \[0, 1\]"),
    (DA1, 13, "roi", "Nowhere(R)", "ROI definitions"),
    (DA1, 14, "type", "2", "gap junction"),
])
def test_bad_cell(tmp_path, data_dir, writer, unchanged, load_options, rel, row, column, value,
                  message):
    file = data_dir / rel
    corrupt(file, row, column, value)
    with pytest.raises(ValidationError, match=message) as info:
        load(write_recipe(tmp_path, recipe_text(data_dir)), client=writer, progress=None,
             **load_options)
    err = info.value
    assert Path(err.file).resolve() == file.resolve()
    assert (err.row, err.column) == (row, column)
    assert f"row {row}" in str(err) and file.name in str(err)


def test_unknown_body_of_a_connector_file(tmp_path, data_dir, writer, unchanged,
                                          load_options):
    file = data_dir / DA1
    file.rename(file.with_name("99.csv"))
    with pytest.raises(ValidationError, match="body 99") as info:
        load(write_recipe(tmp_path, recipe_text(data_dir)), client=writer, progress=None,
             **load_options)
    assert Path(info.value.file).name == "99.csv" and info.value.row == 1


def test_duplicate_site_in_connector_table(tmp_path, data_dir, writer, unchanged,
                                           load_options):
    file = data_dir / DA1
    df = pd.read_csv(file, dtype=str, keep_default_na=False)
    df = pd.concat([df.iloc[:20], df.iloc[[4]], df.iloc[20:]], ignore_index=True)  # row 21 = 5
    df.to_csv(file, index=False)
    with pytest.raises(ValidationError, match="duplicate synapse") as info:
        load(write_recipe(tmp_path, recipe_text(data_dir)), client=writer, progress=None,
             **load_options)
    assert Path(info.value.file).resolve() == file.resolve()
    assert info.value.row == 21 and "row 5" in str(info.value)


def test_psd_listed_twice(tmp_path, data_dir, writer, unchanged, load_options):
    file = data_dir / KC_IN
    df = pd.read_csv(file, dtype=str, keep_default_na=False)
    df = pd.concat([df.iloc[:30], df.iloc[[2]], df.iloc[30:]], ignore_index=True)  # row 31 = 3
    df.to_csv(file, index=False)
    with pytest.raises(ValidationError, match="paired twice") as info:
        load(write_recipe(tmp_path, recipe_text(data_dir)), client=writer, progress=None,
             **load_options)
    assert Path(info.value.file).resolve() == file.resolve()
    assert info.value.row == 31 and "row 3" in str(info.value)


def test_tbar_rows_disagree(tmp_path, data_dir, writer, unchanged, load_options):
    """Two rows of one T-bar (same body and location) with different confidences."""
    file = data_dir / KC_IN
    df = pd.read_csv(file, dtype=str, keep_default_na=False)
    extra = df.iloc[[0]].copy()
    extra[["dx", "dy", "dz"]] = ["1", "2", "3"]           # another PSD of the T-bar of row 1
    extra["upstream_confidence"] = "0.5"
    pd.concat([df, extra], ignore_index=True).to_csv(file, index=False)
    with pytest.raises(ValidationError, match="T-bar") as info:
        load(write_recipe(tmp_path, recipe_text(data_dir)), client=writer, progress=None,
             **load_options)
    assert info.value.column == "upstream_confidence"
    assert {info.value.row} <= {1, N_ROWS + 1}


def test_partner_with_unknown_synapse_id(tmp_path, data_dir, bundle_dir, writer, unchanged,
                                        load_options):
    """Canonical points + partners: a partner row naming an id no point table has."""
    src = pd.read_csv(bundle_dir / DA1)
    pts = src.assign(id=range(1000, 1000 + len(src)), bodyId=722817260)
    pts[["id", "bodyId", "type", "x", "y", "z", "confidence", "roi"]].to_csv(
        data_dir / "points.csv", index=False)
    pre = pts.loc[pts["type"] == "pre", "id"].tolist()
    post = pts.loc[pts["type"] == "post", "id"].tolist()
    pairs = pd.DataFrame({"pre_id": pre[:5] * 2, "post_id": post[:10]})
    pairs.loc[6, "post_id"] = 77                          # row 7: unknown id
    pairs.to_csv(data_dir / "partners.csv", index=False)
    extra = ('[[synapses]]\nkind = "points"\nfile = "points.csv"\n\n'
             '[[synapse_partners]]\nfile = "partners.csv"\n')
    text = recipe_text(data_dir).replace('[[synapses]]\nkind = "connectors"\n'
                                         'folder = "synapses/da1-pn"\n', "") + extra
    with pytest.raises(ValidationError, match="synapse id 77") as info:
        load(write_recipe(tmp_path, text), client=writer, progress=None,
             **load_options)
    assert Path(info.value.file).name == "partners.csv"
    assert (info.value.row, info.value.column) == (7, "post_id")


def test_duplicate_explicit_synapse_id(tmp_path, data_dir, writer, unchanged, load_options):
    src = pd.read_csv(data_dir / DA1)
    pts = src.assign(id=range(1000, 1000 + len(src)), bodyId=722817260)
    pts.loc[9, "id"] = pts.loc[3, "id"]                   # row 10 repeats row 4's id
    pts[["id", "bodyId", "type", "x", "y", "z", "confidence", "roi"]].to_csv(
        data_dir / "points.csv", index=False)
    text = recipe_text(data_dir) + '[[synapses]]\nkind = "points"\nfile = "points.csv"\n'
    with pytest.raises(ValidationError, match="duplicate synapse id") as info:
        load(write_recipe(tmp_path, text), client=writer, progress=None,
             **load_options)
    assert Path(info.value.file).name == "points.csv"
    assert (info.value.row, info.value.column) == (10, "id")
