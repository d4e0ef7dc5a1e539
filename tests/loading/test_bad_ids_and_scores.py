"""Refusals before any write (issue 23, bad input): ids written as decimals,
ids beyond int64 and transmitter scores outside [0, 1], each on real rows
(the FlyWire subset's nodes, MANC's transmitter table) with one cell changed,
and a recipe's malformed [[unlisted_bodies]] rule. No server."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from connectograph.errors import RecipeError, ValidationError
from connectograph.loading import check
from shared_datasets import DATASETS

SHARED = DATASETS


def recipe(tmp_path: Path, table: pd.DataFrame, extra: str = "") -> str:
    table.to_csv(tmp_path / "neurons.csv", index=False)
    path = tmp_path / "recipe.toml"
    path.write_text(f'[dataset]\nname = "bad"\ntag = "v1"\ndata_dir = "{tmp_path}"\n\n'
                    f'[[neurons]]\nfile = "neurons.csv"\n{extra}')
    return str(path)


@pytest.fixture(scope="module")
def flywire_nodes():
    nodes = pd.read_csv(SHARED / "flywire-mb783" / "mb_fafb783_nodes.csv", dtype=str).head(50)
    return nodes.rename(columns={"root_id": "bodyId"})


@pytest.fixture(scope="module")
def manc():
    return pd.read_csv(SHARED / "manc-nt" / "manc_gt_pred_matched.csv", dtype=str).head(50)[
        ["bodyId", "type", "predictedNt", "predictedNtProb", "ntGabaProb"]]


def test_root_ids_written_as_decimals_are_refused(tmp_path, flywire_nodes):
    nodes = flywire_nodes.copy()
    # what a float column writes: the id rounded to the nearest double
    nodes.loc[7, "bodyId"] = repr(float(int(nodes.loc[7, "bodyId"])))
    with pytest.raises(ValidationError, match="is a decimal number, not an integer id") as err:
        check(recipe(tmp_path, nodes), progress=None)
    assert (err.value.row, err.value.column) == (8, "bodyId")


def test_a_root_id_beyond_int64_is_refused(tmp_path, flywire_nodes):
    nodes = flywire_nodes.copy()
    nodes.loc[3, "bodyId"] = nodes.loc[3, "bodyId"] + "00"    # 20 digits, above 2**63
    with pytest.raises(ValidationError, match="beyond the range of the 64-bit") as err:
        check(recipe(tmp_path, nodes), progress=None)
    assert err.value.row == 4


def test_the_real_ids_pass_exactly(tmp_path, flywire_nodes):
    summary = check(recipe(tmp_path, flywire_nodes), progress=None)
    assert summary.counts["Segment nodes"] == 50


@pytest.mark.parametrize("column, text", [("predictedNtProb", "1.5"), ("ntGabaProb", "-0.1"),
                                          ("ntGabaProb", "high")])
def test_a_transmitter_score_outside_0_1_is_refused(tmp_path, manc, column, text):
    table = manc.copy()
    table.loc[11, column] = text
    with pytest.raises(ValidationError, match="is not a probability") as err:
        check(recipe(tmp_path, table), progress=None)
    assert (err.value.row, err.value.column) == (12, column)


def test_an_unlisted_bodies_pattern_must_compile(tmp_path, manc):
    extra = '\n[[unlisted_bodies]]\npattern = "^BWM-("\nproperties = { class = "muscle" }\n'
    with pytest.raises(RecipeError, match="is not a regular expression"):
        check(recipe(tmp_path, manc, extra), progress=None)
