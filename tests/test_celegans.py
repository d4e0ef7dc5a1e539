"""The celegans-witvliet2021 recipe in the real server: the first L1 animal
(witvliet2021:d1) and the last adult (witvliet2021:d8), loaded beside the
hemibrain bundle. Named neurons with minted bodyIds, chemical synapses as
ConnectsTo and gap junctions as GapJunction.

Every expected value is computed with pandas from the xlsx edge lists in
shared/datasets/celegans-witvliet2021 (the other six animals and the recipe's
refusals are checked without a server in tests/loading/test_celegans_recipe.py).
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from connectograph import NC, fetch_custom, fetch_neurons, fetch_simple_connections
from connectograph.loading import load

from every_fetch import (LACKS_POINTS, LACKS_ROIS, LACKS_SKELETONS, LACKS_STATUS, Expected,
                         check_every_fetch)
from other_datasets import another_dataset
from shared_datasets import DATASETS

pytestmark = pytest.mark.neo4j

FOLDER = DATASETS / "celegans-witvliet2021"
RECIPE = "celegans-witvliet2021"


def minted_id(name: str) -> int:
    """The documented bodyId rule (docs/data-model.md), computed here with hashlib:
    BLAKE2b-64 of the UTF-8 name, its top 53 bits."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big") >> 11


def edges(k: int, stage: str) -> pd.DataFrame:
    return pd.read_excel(FOLDER / "edges" / f"witvliet_2020_{k} {stage}.xlsx")


@pytest.fixture(scope="module")
def adult(neo4j_connection, loaded):
    with another_dataset(neo4j_connection, RECIPE, "witvliet2021:d8") as (c, summary):
        yield c, summary, edges(8, "adult")


@pytest.fixture(scope="module")
def larva(neo4j_connection, adult):
    with another_dataset(neo4j_connection, RECIPE, "witvliet2021:d1") as (c, summary):
        yield c, summary, edges(1, "L1")


def test_counts_in_the_graph(adult):
    client, summary, src = adult
    chem, elec = src[src["type"] == "chemical"], src[src["type"] == "electrical"]
    got = fetch_custom("MATCH (:`witvliet2021:d8_Segment`)-[g:GapJunction]->() "
                       "RETURN count(g) AS n, sum(g.weight) AS w", client=client).iloc[0]
    assert (got["n"], got["w"]) == (len(elec), elec["synapses"].sum()) == (310, 430)
    got = fetch_custom("MATCH (:`witvliet2021:d8_Segment`)-[c:ConnectsTo]->() "
                       "RETURN count(c) AS n, sum(c.weight) AS w", client=client).iloc[0]
    assert (got["n"], got["w"]) == (len(chem), chem["synapses"].sum()) == (2186, 7970)
    segments = fetch_custom("MATCH (n:`witvliet2021:d8_Segment`) RETURN count(n) AS n",
                            client=client)["n"][0]
    assert segments == len(set(src["pre"]) | set(src["post"]))


def test_gap_junctions_of_aval_read_symmetrically(adult):
    client, _, src = adult
    elec = src[src["type"] == "electrical"]
    mine = elec[(elec["pre"] == "AVAL") | (elec["post"] == "AVAL")]
    expected = {(b if a == "AVAL" else a): w for a, b, w in
                zip(mine["pre"], mine["post"], mine["synapses"])}
    got = fetch_custom("MATCH (a:`witvliet2021:d8_Segment` {instance: $name})-[g:GapJunction]-(b) "
                       "RETURN b.instance AS partner, g.weight AS weight",
                       {"name": "AVAL"}, client=client)
    assert dict(zip(got["partner"], got["weight"])) == expected
    assert len(expected) >= 5


def test_chemical_inputs_of_aval(adult):
    client, _, src = adult
    chem = src[(src["type"] == "chemical") & (src["post"] == "AVAL")]
    got = fetch_simple_connections(None, NC(instance="AVAL"), client=client)
    assert dict(zip(got["instance_pre"], got["weight"])) == dict(zip(chem["pre"], chem["synapses"]))
    assert set(got["type_post"]) == {"AVA"}


def test_same_name_same_bodyid_across_animals(adult, larva):
    c8, c1 = adult[0], larva[0]
    n8 = fetch_neurons(NC(), client=c8)[0].set_index("instance")["bodyId"]
    n1 = fetch_neurons(NC(), client=c1)[0].set_index("instance")["bodyId"]
    shared = n8.index.intersection(n1.index)
    assert len(shared) > 150
    assert (n8[shared] == n1[shared]).all()
    assert n8.dtype == "int64"


def test_non_neuronal_cells_are_segments_with_a_class(adult):
    client, _, src = adult
    muscles = sorted(n for n in set(src["pre"]) | set(src["post"]) if n.startswith("BWM-"))
    got = fetch_custom("MATCH (n:`witvliet2021:d8_Segment`) WHERE n.instance STARTS WITH 'BWM-' "
                       "RETURN n.instance AS name, n.class AS class, "
                       "n:`witvliet2021:d8_Neuron` AS neuron ORDER BY name", client=client)
    assert got["name"].tolist() == muscles
    assert set(got["class"]) == {"body wall muscle"} and not got["neuron"].any()


def test_stage_in_meta_and_second_load_skipped(larva, neo4j_connection):
    client, _, _ = larva
    meta = fetch_custom("MATCH (m:`witvliet2021:d1_Meta`) RETURN m.stage AS stage, "
                        "m.hasGapJunctions AS gaps", client=client).iloc[0]
    assert (meta["stage"], meta["gaps"]) == ("L1", True)
    again = load(RECIPE, client=client, dataset="witvliet2021:d1", progress=None)
    assert again.skipped


def test_demo_tour_shows_both_kinds(adult):
    from connectograph.demo import tour_celegans

    client, _, src = adult
    lines: list[str] = []
    tour_celegans(client, echo=lines.append)
    text = "\n".join(lines)
    # RIMR -> AVAL: chemical and electrical, as the source gives them
    chem = src[(src["type"] == "chemical") & (src["pre"] == "RIMR") & (src["post"] == "AVAL")]
    pair = {"RIMR", "AVAL"}    # a gap junction is listed once, either cell first
    elec = src[(src["type"] == "electrical") & src["pre"].isin(pair) & src["post"].isin(pair)
               & (src["pre"] != src["post"])]
    row = next(line for line in text.splitlines() if line.split()[:1] == ["RIMR"])
    assert row.split()[1:] == ["RIM", str(chem["synapses"].sum()), str(elec["synapses"].sum())]


def test_every_fetch_answers_or_says_what_the_dataset_lacks(adult):
    """Once each, on a dataset with no synapse points, ROIs, skeletons or
    status: a correct answer or DatasetLacksError, never an empty frame.
    RIAR: the most chemical output synapses in the adult's edge list."""
    import connectograph.fetch as f

    client, _, src = adult
    chem = src[(src["type"] == "chemical") & (src["pre"] == "RIAR")]
    check_every_fetch(client, Expected(
        minted_id("RIAR"), chem.groupby(chem["post"].map(minted_id))["synapses"].sum(),
        {**LACKS_ROIS, **LACKS_POINTS, **LACKS_SKELETONS, **LACKS_STATUS},
        cell_type="RIA"))     # the recipe's symmetry-suffix rule: RIAL/RIAR
    # named neurons by class and name
    types = f.fetch_neurons(NC(type="AVA"), client=client)[0]
    assert sorted(types["instance"]) == ["AVAL", "AVAR"]
    chem = src[(src["type"] == "chemical") & (src["post"] == "AVAL")]  # AVAL's inputs
    neurons, conn = f.fetch_adjacencies(None, NC(instance="AVAL"), client=client)
    names = dict(zip(neurons["bodyId"], neurons["instance"]))
    got = {names[b]: w for b, w in zip(conn["bodyId_pre"], conn["weight"])}
    # the sources are Neurons: the cells of WormAtlas' table (not muscles or glia)
    cells = set(pd.read_csv(FOLDER / "cells" / "all_cell_info.csv",
                            on_bad_lines="skip")["Cell name"])
    expected = {n: w for n, w in zip(chem["pre"], chem["synapses"]) if n in cells}
    assert got == expected and len(expected) > 10
    assert set(conn["roi"]) == {"NotPrimary"}
    assert f.fetch_meta(client=client)["stage"] == "adult"


@pytest.mark.slow
def test_benchmark_files_to_first_answer(adult, neo4j_connection):
    from connectograph.bench.queries import VARIANT_CASES
    from connectograph.bench.real_datasets import run_real_datasets

    _, summary, src = adult
    notes: list[str] = []
    rows = run_real_datasets(*neo4j_connection, notes=notes, only=["witvliet2021:d8"],
                             echo=lambda s: None)
    assert notes == [] and rows[0]["case"] == "files to first answer"
    # then the gap-junction variants against the bare driver, both phases, same rows
    variants = rows[1:]
    assert [(r["case"], r["phase"]) for r in variants] == [
        (case, phase) for case in VARIANT_CASES[:2] for phase in ("warm", "cold")]
    assert all(r["same_result"] and r["rows"] > 0 for r in variants)
    extra = json.loads(rows[0]["extra"])
    assert extra["counts"]["GapJunction relationships"] == (src["type"] == "electrical").sum()
    assert rows[0]["ours_min_s"] == pytest.approx(extra["load_s"] + extra["first_answer_s"],
                                                  abs=0.01)
