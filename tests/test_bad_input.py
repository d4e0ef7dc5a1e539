"""Bad recipes, bad data and bad connections: precise errors, and nothing written.

The recipes here are modelled on loaders/hemibrain-mb.toml and load into a
distinct dataset (``badinput:v1``), so a load that wrongly got through would
show up in the database's list of datasets.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from connectograph import Client
from connectograph.errors import (AuthenticationError, ConnectionFailedError,
                                  DatasetNotFoundError, RecipeError, ValidationError)
from connectograph.loading import load
from connectograph.loading.recipe import check_recipe, load_recipe
from connectograph.loading.read.recipe_sources import read_sources

pytestmark = pytest.mark.neo4j

DATASET = "hemibrain-mb:v1.2.1"
BAD = BAD_DATASET = "badinput:v1"

NEURONS = "neuprint-exports/perc_PPL_df.csv"          # 21 PPL neurons
CONNS = "neuprint-exports/perc_conn_PPLKC_df.csv"     # PPL -> KC per-ROI weights
S5 = "neurons/Supplemental_file5_hemibrain_meta.csv"
N_CONN_ROWS = 30


def recipe_text(data_dir: Path, *, neurons: str = NEURONS, conns: str = CONNS,
                neuron_columns: str = "", extra_neurons: str = "") -> str:
    return f"""
[dataset]
name = "badinput"
tag = "v1"
description = "bad-input test, modelled on hemibrain-mb.toml"
data_dir = "{data_dir}"

[rois]
info = "rois/np_roiInfo.json"
hierarchy = "rois/np_roiHierarchy.json"

[[neurons]]
file = "{neurons}"
drop = ["inputRois", "outputRois"]
{neuron_columns}
{extra_neurons}
[[roi_connections]]
file = "{conns}"
"""


@pytest.fixture
def data_dir(tmp_path, bundle_dir) -> Path:
    """A small copy of the bundle: the PPL table, 30 PPL->KC rows and the ROI files."""
    d = tmp_path / "data"
    (d / "neuprint-exports").mkdir(parents=True)
    (d / "neurons").mkdir()
    shutil.copytree(bundle_dir / "rois", d / "rois",
                    ignore=shutil.ignore_patterns("meshes"))
    shutil.copy(bundle_dir / NEURONS, d / NEURONS)
    conns = pd.read_csv(bundle_dir / CONNS, dtype=str, keep_default_na=False)
    conns.head(N_CONN_ROWS).to_csv(d / CONNS, index=False)
    return d


def write_recipe(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "badinput.toml"
    p.write_text(text)
    return p


def corrupt(path: Path, row: int, column: str, value: str) -> None:
    """Set data row ``row`` (1-based, header = row 0) of ``column`` to ``value``."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row - 1, column] = value
    df.to_csv(path, index=False)


def test_clean_copy_is_valid(tmp_path, data_dir):
    """The copies are valid as they are: the corruptions below are what fails."""
    recipe = load_recipe(write_recipe(tmp_path, recipe_text(data_dir)))
    check_recipe(recipe)
    tables = read_sources(recipe)
    assert len(tables.neurons) == 21
    assert len(tables.roi_connections) == N_CONN_ROWS


# --- recipe errors --------------------------------------------------------------------------

def test_missing_file(tmp_path, data_dir, writer, unchanged):
    path = write_recipe(tmp_path, recipe_text(data_dir, neurons="neuprint-exports/nope.csv"))
    with pytest.raises(RecipeError) as info:
        load(path, client=writer, progress=None)
    msg = str(info.value)
    assert str(path) in msg
    assert "neuprint-exports/nope.csv" in msg
    assert "does not exist" in msg


def test_missing_connection_file(tmp_path, data_dir, writer, unchanged):
    path = write_recipe(tmp_path, recipe_text(data_dir, conns="neuprint-exports/gone.csv"))
    with pytest.raises(RecipeError) as info:
        load(path, client=writer, progress=None)
    assert str(path) in str(info.value) and "gone.csv" in str(info.value)


def test_missing_roi_file(tmp_path, data_dir, writer, unchanged):
    (data_dir / "rois" / "np_roiHierarchy.json").unlink()
    path = write_recipe(tmp_path, recipe_text(data_dir))
    with pytest.raises(RecipeError) as info:
        load(path, client=writer, progress=None)
    assert str(path) in str(info.value) and "np_roiHierarchy.json" in str(info.value)


def test_mapped_column_missing(tmp_path, data_dir, bundle_dir, writer, unchanged):
    # as in hemibrain-mb.toml, but the S5 column name is misspelled
    shutil.copy(bundle_dir / S5, data_dir / S5)
    extra = (f'[[neurons]]\nfile = "{S5}"\n'
             'columns = { class = "cell_klass", hemilineage = "ito_lee_hemilineage" }\n')
    path = write_recipe(tmp_path, recipe_text(data_dir, extra_neurons=extra))
    with pytest.raises(RecipeError) as info:
        load(path, client=writer, progress=None)
    msg = str(info.value)
    assert str(path) in msg
    assert S5 in msg
    assert "cell_klass" in msg


def test_required_connection_column_missing(tmp_path, data_dir, writer, unchanged):
    df = pd.read_csv(data_dir / CONNS).rename(columns={"weight": "w"})
    df.to_csv(data_dir / CONNS, index=False)
    path = write_recipe(tmp_path, recipe_text(data_dir))
    with pytest.raises(RecipeError) as info:
        load(path, client=writer, progress=None)
    msg = str(info.value)
    assert str(path) in msg and CONNS in msg and "weight" in msg


# --- data errors ------------------------------------------------------------------------------

@pytest.mark.parametrize("table, row, column, value, message", [
    ("neurons", 3, "bodyId", "12x34", "not an integer"),
    ("neurons", 4, "bodyId", "5.5", "not an integer"),
    ("neurons", 9, "pre", "lots", "not an integer"),
    ("neurons", 2, "somaLocation", "[1, 2]", "3 finite numbers"),
    ("neurons", 5, "cropped", "maybe", "not a boolean"),
    ("neurons", 6, "roiInfo", "{not json", "not valid JSON"),
    ("neurons", 8, "somaRadius", "big", "not a number"),
    ("roi_connections", 4, "weight", "-4", "positive"),
    ("roi_connections", 7, "weight", "0", "positive"),
    ("roi_connections", 11, "weight", "2.5", "positive"),
    ("roi_connections", 6, "roi", "XYZ(R)", r"XYZ\(R\)"),
    ("roi_connections", 12, "bodyId_post", "KC", "not an integer"),
    ("roi_connections", 30, "bodyId_pre", "", "empty"),
])
def test_bad_cell(tmp_path, data_dir, writer, unchanged, table, row, column, value, message):
    file = data_dir / (NEURONS if table == "neurons" else CONNS)
    corrupt(file, row, column, value)
    path = write_recipe(tmp_path, recipe_text(data_dir))
    with pytest.raises(ValidationError, match=message) as info:
        load(path, client=writer, progress=None)
    err = info.value
    assert Path(err.file).resolve() == file.resolve()
    assert err.row == row
    assert err.column == column
    assert f"row {row}" in str(err) and str(file.name) in str(err)


def test_duplicate_body_id(tmp_path, data_dir, writer, unchanged):
    file = data_dir / NEURONS
    df = pd.read_csv(file, dtype=str, keep_default_na=False)
    df.loc[6, "bodyId"] = df.loc[1, "bodyId"]          # data row 7 repeats data row 2
    df.to_csv(file, index=False)
    path = write_recipe(tmp_path, recipe_text(data_dir))
    with pytest.raises(ValidationError, match="duplicate bodyId") as info:
        load(path, client=writer, progress=None)
    err = info.value
    assert Path(err.file).resolve() == file.resolve()
    assert (err.row, err.column) == (7, "bodyId")
    assert "row 2" in str(err)


def test_duplicate_connection_names_row(tmp_path, data_dir, writer, unchanged):
    file = data_dir / CONNS
    df = pd.read_csv(file, dtype=str, keep_default_na=False)
    df = pd.concat([df.iloc[:10], df.iloc[[2]], df.iloc[10:]], ignore_index=True)  # row 11 = row 3
    df.to_csv(file, index=False)
    path = write_recipe(tmp_path, recipe_text(data_dir))
    with pytest.raises(ValidationError) as info:
        load(path, client=writer, progress=None)
    err = info.value
    assert Path(err.file).resolve() == file.resolve()
    assert err.row == 11


def test_duplicate_connection_rejected(tmp_path, data_dir, writer, unchanged):
    file = data_dir / CONNS
    df = pd.read_csv(file, dtype=str, keep_default_na=False)
    df = pd.concat([df.iloc[:10], df.iloc[[2]], df.iloc[10:]], ignore_index=True)
    df.to_csv(file, index=False)
    path = write_recipe(tmp_path, recipe_text(data_dir))
    with pytest.raises(ValidationError, match="listed twice") as info:
        load(path, client=writer, progress=None)
    assert Path(info.value.file).resolve() == file.resolve()
    assert info.value.column == "roi"


def test_unknown_roi_in_neuron_roi_info_names_file_and_row(tmp_path, data_dir, writer, unchanged):
    file = data_dir / NEURONS
    corrupt(file, 5, "roiInfo", '{"XYZ(R)": {"pre": 1, "post": 2}}')
    path = write_recipe(tmp_path, recipe_text(data_dir))
    with pytest.raises(ValidationError) as info:
        load(path, client=writer, progress=None)
    err = info.value
    assert Path(err.file).resolve() == file.resolve()
    assert (err.row, err.column) == (5, "roiInfo")


def test_unknown_roi_in_neuron_roi_info_rejected(tmp_path, data_dir, writer, unchanged):
    file = data_dir / NEURONS
    corrupt(file, 5, "roiInfo", '{"XYZ(R)": {"pre": 1, "post": 2}}')
    path = write_recipe(tmp_path, recipe_text(data_dir))
    with pytest.raises(ValidationError, match=r"XYZ\(R\)") as info:
        load(path, client=writer, progress=None)
    assert info.value.column == "roiInfo"


# --- connection errors ------------------------------------------------------------------------

def test_wrong_password(neo4j_connection):
    uri, (user, _) = neo4j_connection
    with pytest.raises(AuthenticationError) as info:
        Client(uri, auth=(user, "definitely-not-the-password"), dataset=DATASET)
    assert uri in str(info.value)


def test_no_server_on_port():
    from connectograph.neo4j_server import free_port
    uri = f"bolt://127.0.0.1:{free_port()}"
    with pytest.raises(ConnectionFailedError) as info:
        Client(uri, auth=("neo4j", "x"), dataset=DATASET)
    assert "connectograph neo4j start" in str(info.value)
    assert uri in str(info.value)


def test_unknown_dataset_lists_loaded(neo4j_connection, loaded):
    uri, auth = neo4j_connection
    with pytest.raises(DatasetNotFoundError) as info:
        Client(uri, auth=auth, dataset="nosuch:v0")
    msg = str(info.value)
    assert "nosuch:v0" in msg
    assert DATASET in msg


def test_unknown_dataset_in_fetch(neo4j_connection, loaded):
    from connectograph import fetch_neurons
    uri, auth = neo4j_connection
    with Client(uri, auth=auth, dataset="nosuch:v0", check_dataset=False) as c:
        with pytest.raises(DatasetNotFoundError, match="hemibrain-mb:v1.2.1"):
            fetch_neurons("MBON14", client=c)
