"""The celegans-witvliet2021 recipe read and derived without a server (the
load's dry run, :func:`connectograph.loading.preparation.prepare`), for all
eight animals, and the new recipe features it uses, each refusing bad input.

Expected values come from pandas on the source files (the xlsx edge lists and
WormAtlas' cell table in shared/datasets/celegans-witvliet2021), and from the
folder's MANIFEST.md, never from the loader.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from connectograph.errors import RecipeError, ValidationError
from connectograph.loading import check
from connectograph.loading.preparation import prepare
from connectograph.loading.read.body_names import mint_body_id, minted_body_ids
from connectograph.loading.read.type_rules import symmetry_suffix_types
from connectograph.loading.recipe import load_recipe, recipe_datasets, checked_recipe
from shared_datasets import DATASETS

FOLDER = DATASETS / "celegans-witvliet2021"
RECIPE = "celegans-witvliet2021"
FILES = {f"d{k}": f"witvliet_2020_{k} {stage}.xlsx" for k, stage in
         enumerate(["L1", "L1", "L1", "L1", "L2", "L3", "adult", "adult"], start=1)}
#: MANIFEST.md: per file, chemical edges / synapses and electrical edges / synapses
MANIFEST = {"d1": (775, 1296, 83, 104), "d2": (986, 1895, 124, 133),
            "d3": (1012, 2128, 94, 109), "d4": (1136, 2777, 209, 243),
            "d5": (1515, 4116, 292, 419), "d6": (1525, 4456, 214, 267),
            "d7": (2202, 7467, 291, 400), "d8": (2186, 7970, 310, 430)}


def cell_names() -> set[str]:
    """The cell table's names, its malformed rows left out by pandas."""
    cells = pd.read_csv(FOLDER / "cells" / "all_cell_info.csv", on_bad_lines="skip")
    return set(cells["Cell name"])


def test_one_recipe_makes_eight_datasets():
    assert recipe_datasets(RECIPE) == [f"witvliet2021:d{k}" for k in range(1, 9)]
    with pytest.raises(RecipeError, match="makes 8 datasets"):
        load_recipe(RECIPE)
    with pytest.raises(RecipeError, match="no \\[\\[series\\]\\] member has the tag 'd9'"):
        load_recipe(RECIPE, dataset="witvliet2021:d9")


@pytest.mark.parametrize("tag", sorted(FILES))
def test_every_animal_prepared_as_pandas_reads_it(tag):
    edges = pd.read_excel(FOLDER / "edges" / FILES[tag])
    chem, elec = edges[edges["type"] == "chemical"], edges[edges["type"] == "electrical"]
    assert (len(chem), chem["synapses"].sum(), len(elec), elec["synapses"].sum()) == MANIFEST[tag]
    names = set(edges["pre"]) | set(edges["post"])
    recipe = checked_recipe(RECIPE, dataset=f"witvliet2021:{tag}")
    p = prepare(recipe)
    try:
        assert len(p.neurons) == len(names)
        assert int(p.neuron_flag.sum()) == len(names & cell_names())
        assert len(p.connections) == len(chem)
        assert p.connections["weight"].sum() == chem["synapses"].sum()
        assert len(p.gap_junctions) == len(elec)
        assert p.gap_junctions["weight"].sum() == elec["synapses"].sum()
        assert (p.gap_junctions["bodyId_a"] <= p.gap_junctions["bodyId_b"]).all()
        # every name kept as the instance of the bodyId minted from it
        assert dict(zip(p.neurons["instance"], p.neurons["bodyId"])) == {
            n: mint_body_id(n) for n in names}
        assert p.meta["stage"] == {"d5": "L2", "d6": "L3", "d7": "adult",
                                   "d8": "adult"}.get(tag, "L1")
        assert p.meta["hasGapJunctions"] is True
        # muscles, glia and the gland: Segments with a class, never Neurons
        unlisted = p.neurons[~p.neuron_flag]
        assert set(unlisted["instance"]) == names - cell_names()
        assert unlisted["class"].notna().all()
        assert (unlisted[unlisted["instance"].str.startswith("BWM-")]["class"]
                == "body wall muscle").all()
    finally:
        p.close()


def test_chemical_weights_of_one_neuron_as_the_source_gives_them():
    edges = pd.read_excel(FOLDER / "edges" / FILES["d8"])
    chem = edges[(edges["type"] == "chemical") & (edges["post"] == "AVAL")]
    expected = {mint_body_id(n): w for n, w in zip(chem["pre"], chem["synapses"])}
    p = prepare(checked_recipe(RECIPE, dataset="witvliet2021:d8"))
    c = p.connections
    got = c[c["bodyId_post"] == mint_body_id("AVAL")]
    assert dict(zip(got["bodyId_pre"], got["weight"])) == expected
    p.close()


def test_cell_classes_by_symmetry_suffixes():
    types = symmetry_suffix_types(cell_names())
    # WormAtlas classes (wormatlas.org/NeuronNames.htm)
    assert {n: types[n] for n in ("ADAL", "ADAR", "AVAL", "IL1DL", "IL1L", "IL2VR", "RMDDL",
                                  "RMDL", "RMED", "RMEV", "CEPVR", "VA1", "VA12", "DD6",
                                  "AFDL", "AVDR", "RID", "RIVL", "AVL", "I3", "M2L", "DVA")} == {
        "ADAL": "ADA", "ADAR": "ADA", "AVAL": "AVA", "IL1DL": "IL1", "IL1L": "IL1",
        "IL2VR": "IL2", "RMDDL": "RMD", "RMDL": "RMD", "RMED": "RME", "RMEV": "RME",
        "CEPVR": "CEP", "VA1": "VA", "VA12": "VA", "DD6": "DD", "AFDL": "AFD", "AVDR": "AVD",
        "RID": "RID", "RIVL": "RIV", "AVL": "AVL", "I3": "I3", "M2L": "M2", "DVA": "DVA"}


def test_minted_ids_are_53_bit_and_collisions_refused():
    assert 0 <= mint_body_id("AVAL") < 2 ** 53
    assert mint_body_id("AVAL") == mint_body_id("AVAL") != mint_body_id("AVAR")
    registry = {mint_body_id("AVAL"): "SOMETHING ELSE"}
    with pytest.raises(ValidationError, match="mint the same bodyId"):
        minted_body_ids(pd.Series(["AVAR", "AVAL"]), registry, file="f.csv", column="pre")
    with pytest.raises(ValidationError, match="empty neuron name") as err:
        minted_body_ids(pd.Series(["AVAR", None]), {}, file="f.csv", column="pre")
    assert err.value.row == 2


def _recipe_copy(tmp_path: Path, edit) -> Path:
    """The bundled recipe in tmp_path, its data folder absolute, edited by
    ``edit(text) -> text``."""
    text = (Path(__file__).resolve().parents[2] / "loaders" / f"{RECIPE}.toml").read_text()
    text = text.replace('data_dir = "../shared/datasets/celegans-witvliet2021"',
                        f'data_dir = "{tmp_path / "data"}"')
    shutil.copytree(FOLDER, tmp_path / "data")
    path = tmp_path / "recipe.toml"
    path.write_text(edit(text))
    return path


def test_malformed_rows_are_an_error_by_default(tmp_path):
    path = _recipe_copy(tmp_path, lambda t: t.replace('malformed_rows = "skip"\n', ""))
    with pytest.raises(ValidationError, match="line 312 has 6 cells but the header has 5") as err:
        check(str(path), dataset="witvliet2021:d1", progress=None)
    assert err.value.file.endswith("all_cell_info.csv")


def test_skipped_rows_are_each_listed(tmp_path):
    summary = check(RECIPE, dataset="witvliet2021:d1", progress=None)
    # pyarrow's count of lines whose cell count is not the header's
    import csv
    with open(FOLDER / "cells" / "all_cell_info.csv", newline="") as f:
        bad = [i for i, row in enumerate(csv.reader(f), start=1) if len(row) != 5]
    note = next(w for w in summary.warnings if "malformed rows skipped" in w)
    assert f"{len(bad)} malformed rows" in note
    assert bad[:6] == [312, 313, 314, 315, 316, 317] and "lines 312-317, 394-630" in note
    assert bad == [*range(312, 318), *range(394, 631)]


def test_a_gap_junction_pair_listed_twice_is_refused(tmp_path):
    edges = pd.read_excel(FOLDER / "edges" / FILES["d1"])
    first = edges[edges["type"] == "electrical"].iloc[0]
    mirrored = pd.DataFrame([{"pre": first["post"], "post": first["pre"], "type": "electrical",
                              "synapses": first["synapses"] + 1}])

    def edit(text):
        return text.replace('files = { edges = "witvliet_2020_1 L1.xlsx" }',
                            'files = { edges = "bad.xlsx" }')
    path = _recipe_copy(tmp_path, edit)
    pd.concat([edges, mirrored]).to_excel(tmp_path / "data" / "edges" / "bad.xlsx", index=False)
    with pytest.raises(ValidationError, match="different counts") as err:
        check(str(path), dataset="witvliet2021:d1", progress=None)
    assert err.value.file.endswith("bad.xlsx") and err.value.column == "pre"
    # the rows of the file (header row 0), not of the electrical rows 'where' keeps
    rows = [int(first.name) + 1, len(edges) + 1]
    assert err.value.row == rows[0] and f"rows {rows}" in str(err.value)


def test_errors_name_file_rows_after_skipped_rows(tmp_path):
    """A cell with no name below the 243 skipped malformed rows: its own row."""
    path = _recipe_copy(tmp_path, lambda t: t)
    cells = tmp_path / "data" / "cells" / "all_cell_info.csv"
    text = cells.read_text()
    cells.write_text(text.rstrip("\n") + "\n,Interneuron,,,\n")
    lines = len(cells.read_text().splitlines())
    with pytest.raises(ValidationError, match="empty neuron name") as err:
        check(str(path), dataset="witvliet2021:d1", progress=None)
    assert err.value.file.endswith("all_cell_info.csv")
    assert err.value.row == lines - 1      # the header is line 1, row 0


def test_where_must_name_a_column(tmp_path):
    path = _recipe_copy(tmp_path, lambda t: t.replace('where = { type = "chemical" }',
                                                      'where = { kind = "chemical" }'))
    with pytest.raises(RecipeError, match="'where' names column 'kind'"):
        check(str(path), dataset="witvliet2021:d1", progress=None)


@pytest.mark.parametrize("option", [["--bulk"], ["--conflicts", "conflicts.csv"]])
def test_a_series_takes_bulk_or_conflicts_only_for_one_dataset(option, tmp_path, monkeypatch):
    """Both write one dataset's result (an empty instance, one CSV): for the eight
    animals the CLI asks which, before reading anything."""
    from click.testing import CliRunner

    from connectograph.cli import main

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["load", RECIPE, *option])
    assert result.exit_code == 2
    assert "makes 8 datasets" in result.output and "--dataset" in result.output
    assert not (tmp_path / "conflicts.csv").exists()
