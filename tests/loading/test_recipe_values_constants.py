"""Recipe keys ``values`` (source texts mapped onto the graph's names),
``constants`` (a column with one value) and gzipped CSV sources, on the real
FlyWire Codex tables and mushroom body edges (shared/datasets/flywire-mb783).
No server: the tables are read as a load reads them and compared with pandas.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from connectograph.errors import RecipeError
from connectograph.loading.read.neuron_tables import read_neuron_table, read_roi_connections
from connectograph.loading.recipe import checked_recipe, load_recipe
from shared_datasets import DATASETS

REPO = Path(__file__).resolve().parents[2]
FOLDER = DATASETS / "flywire-mb783"
RECIPE = REPO / "loaders" / "flywire-mb783.toml"


@pytest.fixture(scope="module")
def recipe():
    return checked_recipe(RECIPE)


def test_gzipped_codex_table_with_mapped_transmitter_names(recipe):
    codex = pd.read_csv(FOLDER / "codex" / "neurons.csv.gz", dtype={"root_id": "int64"})
    src = next(s for s in recipe.neurons if s.file.endswith("neurons.csv.gz"))
    table = read_neuron_table(recipe, src)
    assert len(table) == len(codex) == 139_255
    assert table["bodyId"].tolist() == codex["root_id"].tolist()
    names = {"ACH": "acetylcholine", "GABA": "gaba", "GLUT": "glutamate", "DA": "dopamine",
             "SER": "serotonin", "OCT": "octopamine"}
    expected = codex["nt_type"].map(names)
    assert table["predictedNt"].isna().tolist() == codex["nt_type"].isna().tolist()
    assert table["predictedNt"].dropna().tolist() == expected.dropna().tolist()
    assert table["ntGabaProb"].tolist() == codex["gaba_avg"].tolist()
    assert "nt_type" not in table.columns and "gaba_avg" not in table.columns


def test_constant_roi_on_every_connection(recipe):
    edges = pd.read_csv(FOLDER / "mb_fafb783_edges.csv")
    table = read_roi_connections(recipe, None, [])
    assert len(table) == len(edges)
    assert set(table["roi"]) == {"NotPrimary"}
    assert table["weight"].sum() == edges["syn_count"].sum() == 319_706


def _variant(tmp_path, old: str, new: str) -> Path:
    text = RECIPE.read_text()
    assert old in text
    path = tmp_path / "recipe.toml"
    path.write_text(text.replace(old, new).replace(
        'data_dir = "../shared/datasets/flywire-mb783"', f'data_dir = "{FOLDER}"'))
    return path


def test_constant_that_shadows_a_column_is_refused(tmp_path):
    path = _variant(tmp_path, 'constants = { roi = "NotPrimary" }',
                    'constants = { roi = "NotPrimary", pre_nt = "x" }')
    with pytest.raises(RecipeError, match=r"edges\.csv: constant 'pre_nt' is also a column"):
        checked_recipe(load_recipe(path))


def test_values_for_a_missing_column_are_refused(tmp_path):
    path = _variant(tmp_path, "[neurons.values.predictedNt]", "[neurons.values.ntType]")
    with pytest.raises(RecipeError, match=r"neurons\.csv\.gz: 'values' maps column 'ntType'"):
        checked_recipe(load_recipe(path))


def test_missing_required_column_names_constants_as_a_fix(tmp_path):
    path = _variant(tmp_path, 'constants = { roi = "NotPrimary" }\n', "")
    with pytest.raises(RecipeError, match=r"required column 'roi' is missing.*'constants'"):
        checked_recipe(load_recipe(path))


def test_merged_neuron_tables_keep_64_bit_root_ids(recipe):
    # the three tables cover different rows: the merge once passed bodyId
    # through float64 (720575940596125868 came back as ...824)
    from connectograph.loading.read.neuron_tables import merge_by_precedence
    frames = [(s.file, read_neuron_table(recipe, s)) for s in recipe.neurons]
    merged = merge_by_precedence(frames, "neurons", [])
    codex = pd.read_csv(FOLDER / "codex" / "neurons.csv.gz", dtype={"root_id": "int64"})
    assert merged["bodyId"].dtype == "int64"
    assert sorted(merged["bodyId"].tolist()) == sorted(codex["root_id"].tolist())
    assert (merged["bodyId"].to_numpy() == merged.index.to_numpy()).all()
