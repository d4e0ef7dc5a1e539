"""Gap junctions (synapse_type="electrical" / "both") on real data: the
Witvliet et al. 2021 adult C. elegans brain (dataset 8), whose edge list has
chemical and electrical (gap junction) synapse counts.

Every expected value comes from pandas on the source xlsx, never from
connectograph's code. The data is loaded by the bundled
celegans-witvliet2021 recipe (:func:`witvliet_adult`).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from connectograph import NC, Client
from connectograph.errors import DatasetLacksError, InvalidArgumentError
from connectograph.fetch import (fetch_adjacencies, fetch_common_connectivity,
                                 fetch_shortest_paths, fetch_simple_connections)
from connectograph.loading import load
from connectograph.utils import connection_table_to_matrix
from shared_datasets import DATASETS

pytest.importorskip("openpyxl")

XLSX = DATASETS / "celegans-witvliet2021" / "edges" / "witvliet_2020_8 adult.xlsx"
SCAFFOLD = "witvliet2021:d8"                  # the adult animal, both kinds of synapse
CHEMICAL_ONLY = "witvliet2021-chemical:d8"    # the same animal's chemical synapses only


def body_id(name: str) -> int:
    """The bodyId minted for a neuron name, by the rule docs/data-model.md
    states (53 bits, exact in a float too)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big") >> 11


# --- expected values, from pandas on the source file -----------------------------------------

@pytest.fixture(scope="module")
def edges() -> pd.DataFrame:
    """The xlsx: ``pre, post, type (chemical/electrical), synapses``."""
    return pd.read_excel(XLSX)


def electrical_partners(edges: pd.DataFrame, name: str) -> dict[str, int]:
    """``{partner: gap junctions}`` of a neuron (listed once per unordered pair,
    either end in ``pre``; a self-pair is the neuron itself)."""
    e = edges[edges.type == "electrical"]
    out = {}
    for pre, post, n in zip(e.pre, e.post, e.synapses):
        if pre == name:
            out[post] = n
        elif post == name:
            out[pre] = n
    return out


def chemical(edges: pd.DataFrame) -> pd.DataFrame:
    return edges[edges.type == "chemical"]


# --- the data: the adult loaded by the C. elegans recipe ---------------------------------------

RECIPE = Path(__file__).resolve().parents[2] / "loaders" / "celegans-witvliet2021.toml"


@pytest.fixture(scope="module")
def witvliet_adult(neo4j_connection, tmp_path_factory):
    """The adult animal (witvliet2021:d8) loaded by the bundled recipe, and the
    same animal loaded by a copy of the recipe without its [[gap_junctions]]
    table (:data:`CHEMICAL_ONLY`: a dataset without gap junctions while the
    database holds some). Yields a client on each."""
    uri, auth = neo4j_connection
    text = RECIPE.read_text()
    data = XLSX.parents[1]
    cut = text.index("# Gap junctions:")
    chemical_only = (text[:cut] + text[text.index("# Cells the edge lists name"):]).replace(
        'data_dir = "../shared/datasets/celegans-witvliet2021"', f'data_dir = "{data}"')
    path = tmp_path_factory.mktemp("recipe") / "chemical-only.toml"
    path.write_text(chemical_only)
    with Client(uri, auth=auth, dataset=SCAFFOLD, check_dataset=False) as admin:
        load("celegans-witvliet2021", client=admin, dataset=SCAFFOLD, progress=None)
        load(str(path), client=admin, dataset=CHEMICAL_ONLY, progress=None)
    with Client(uri, auth=auth, dataset=SCAFFOLD) as full, \
            Client(uri, auth=auth, dataset=CHEMICAL_ONLY) as chem_only:
        yield full, chem_only


@pytest.fixture(scope="module")
def adult(witvliet_adult):
    return witvliet_adult[0]


def _named(df: pd.DataFrame, side: str, cols=("weight",)) -> dict:
    """``{instance_<side>: weight}`` of a connection frame (one row per name)."""
    assert not df[f"instance_{side}"].duplicated().any()
    return dict(zip(df[f"instance_{side}"], df[cols[0]]))


# --- fetch_simple_connections ------------------------------------------------------------------

def test_aval_electrical_partners_both_ways(adult, edges):
    expected = electrical_partners(edges, "AVAL")
    assert expected       # AVAR 1, AVEL 2, RIML 1, RIMR 4, URYVL 1 in the adult
    down = fetch_simple_connections(NC(instance="AVAL"), synapse_type="electrical",
                                    client=adult)
    assert _named(down, "post") == expected
    assert set(down.instance_pre) == {"AVAL"}
    assert (down.bodyId_post == down.instance_post.map(body_id)).all()
    up = fetch_simple_connections(None, NC(instance="AVAL"), synapse_type="electrical",
                                  client=adult)
    assert _named(up, "pre") == expected                    # symmetric
    assert list(down.columns) == ["bodyId_pre", "bodyId_post", "weight", "type_pre",
                                  "type_post", "instance_pre", "instance_post", "conn_roiInfo"]
    assert down.dtypes[["bodyId_pre", "bodyId_post", "weight"]].tolist() == ["int64"] * 3
    assert down.conn_roiInfo.tolist() == [{}] * len(down)
    assert down.weight.is_monotonic_decreasing


def test_aval_chemical_inputs_unchanged_meaning(adult, edges):
    c = chemical(edges)
    expected = dict(zip(c[c.post == "AVAL"].pre, c[c.post == "AVAL"].synapses))
    got = fetch_simple_connections(None, NC(instance="AVAL"), client=adult)
    assert _named(got, "pre") == expected
    assert "synapse_type" not in got.columns


def test_both_kinds_for_a_pair_with_both(adult, edges):
    """AVKL and AVKR: chemical both ways and gap junctions, in the adult."""
    c = chemical(edges)
    chem = {(p, q): w for p, q, w in zip(c.pre, c.post, c.synapses)
            if {p, q} == {"AVKL", "AVKR"}}
    gap = electrical_partners(edges, "AVKL")["AVKR"]
    got = fetch_simple_connections(NC(instance=["AVKL", "AVKR"]), NC(instance=["AVKL", "AVKR"]),
                                   synapse_type="both", client=adult)
    rows = {(p, q, k): w for p, q, k, w in zip(got.instance_pre, got.instance_post,
                                               got.synapse_type, got.weight)}
    expected = {(p, q, "chemical"): w for (p, q), w in chem.items()}
    expected.update({("AVKL", "AVKR", "electrical"): gap, ("AVKR", "AVKL", "electrical"): gap})
    assert rows == expected and len(got) == len(expected)
    assert list(got.columns)[-1] == "synapse_type"
    # sorted by weight descending, then bodyIds, then kind
    key = list(zip(-got.weight, got.bodyId_pre, got.bodyId_post, got.synapse_type))
    assert key == sorted(key)


def test_self_coupling_appears_once(adult, edges):
    e = edges[(edges.type == "electrical") & (edges.pre == edges.post)]
    name, weight = e.pre.iloc[0], int(e.synapses.iloc[0])          # AIAL, 1
    got = fetch_simple_connections(NC(instance=name), NC(instance=name),
                                   synapse_type="electrical", client=adult)
    assert got[["instance_pre", "instance_post", "weight"]].values.tolist() == [
        [name, name, weight]]


# --- fetch_adjacencies ------------------------------------------------------------------------

def neuron_names() -> set[str]:
    """The cells the recipe makes Neurons: those of WormAtlas' cell table (its
    malformed rows left out); muscles and glia are Segments only."""
    cells = pd.read_csv(XLSX.parents[1] / "cells" / "all_cell_info.csv", on_bad_lines="skip")
    return set(cells["Cell name"])


def test_adjacencies_electrical_totals_and_symmetry(adult, edges):
    e = edges[edges.type == "electrical"]
    neurons = neuron_names()       # NC() matches Neurons
    e = e[e.pre.isin(neurons) & e.post.isin(neurons)]
    selfs = e[e.pre == e.post]
    expected_rows = 2 * (len(e) - len(selfs)) + len(selfs)
    expected_sum = 2 * int(e.synapses.sum()) - int(selfs.synapses.sum())
    neurons, conn = fetch_adjacencies(NC(), NC(), synapse_type="electrical", client=adult)
    assert len(conn) == expected_rows and int(conn.weight.sum()) == expected_sum
    assert set(conn.roi) == {"NotPrimary"}                   # no ROI breakdown
    pairs = {(a, b): w for a, b, w in zip(conn.bodyId_pre, conn.bodyId_post, conn.weight)}
    assert all(pairs[(b, a)] == w for (a, b), w in pairs.items())
    assert set(neurons.bodyId) == {body_id(n) for n in set(e.pre) | set(e.post)}
    _, total = fetch_adjacencies(NC(), NC(), synapse_type="electrical", omit_rois=True,
                                 client=adult)
    assert total[["bodyId_pre", "bodyId_post", "weight"]].equals(
        conn[["bodyId_pre", "bodyId_post", "weight"]])


def test_adjacencies_both_keeps_the_kinds_apart(adult, edges, tmp_path):
    c = chemical(edges)
    _, conn = fetch_adjacencies(NC(instance="AVAL"), None, synapse_type="both",
                                omit_rois=True, export_dir=str(tmp_path), client=adult)
    exported = pd.read_csv(tmp_path / "total-connections.csv")
    assert exported.astype({"synapse_type": object}).equals(conn)
    assert list(conn.columns) == ["bodyId_pre", "bodyId_post", "weight", "synapse_type"]
    chem = conn[conn.synapse_type == "chemical"]
    expected = {body_id(q): w for q, w in zip(c[c.pre == "AVAL"].post, c[c.pre == "AVAL"].synapses)}
    assert dict(zip(chem.bodyId_post, chem.weight)) == expected
    elec = conn[conn.synapse_type == "electrical"]
    assert dict(zip(elec.bodyId_post, elec.weight)) == {
        body_id(n): w for n, w in electrical_partners(edges, "AVAL").items()}
    assert list(zip(conn.bodyId_pre, conn.bodyId_post, conn.synapse_type)) == sorted(
        zip(conn.bodyId_pre, conn.bodyId_post, conn.synapse_type))


# --- fetch_common_connectivity ------------------------------------------------------------------

@pytest.mark.parametrize("direction", ["upstream", "downstream"])
def test_common_electrical_partners(adult, edges, direction):
    left, right = (electrical_partners(edges, n) for n in ("AVAL", "AVAR"))
    common = set(left) & set(right)
    got = fetch_common_connectivity(NC(instance=["AVAL", "AVAR"]), direction,
                                    synapse_type="electrical", client=adult)
    partner, matched = ("pre", "post") if direction == "upstream" else ("post", "pre")
    assert set(got[f"instance_{partner}"]) == common
    rows = {(p, m): w for p, m, w in zip(got[f"instance_{partner}"], got[f"instance_{matched}"],
                                         got.weight)}
    assert rows == {**{(p, "AVAL"): left[p] for p in common},
                    **{(p, "AVAR"): right[p] for p in common}}
    both = fetch_common_connectivity(NC(instance=["AVAL", "AVAR"]), direction,
                                     synapse_type="both", client=adult)
    elec = both[both.synapse_type == "electrical"].drop(columns="synapse_type")
    assert elec.reset_index(drop=True).equals(got)


# --- connection_table_to_matrix ------------------------------------------------------------------

def test_matrix_per_kind_from_a_both_table(adult, edges):
    names = ["AVAL", "AVAR", "AVEL", "AVER", "RIML", "RIMR"]
    df = fetch_simple_connections(NC(instance=names), NC(instance=names), synapse_type="both",
                                  client=adult)
    with pytest.raises(InvalidArgumentError, match="mixes chemical and electrical"):
        connection_table_to_matrix(df, "instance")
    elec = connection_table_to_matrix(df, "instance", synapse_type="electrical",
                                      make_square=True)
    assert elec.equals(elec.T)
    for name in names:
        partners = electrical_partners(edges, name)
        for other in names:
            assert elec.loc[name, other] == partners.get(other, 0), (name, other)
    chem = connection_table_to_matrix(df, "instance", synapse_type="chemical", make_square=True)
    c = chemical(edges)
    inside = c[c.pre.isin(names) & c.post.isin(names)]
    assert {(p, q): chem.loc[p, q] for p, q in zip(inside.pre, inside.post)} == dict(
        zip(zip(inside.pre, inside.post), inside.synapses))
    assert int(chem.values.sum()) == int(inside.synapses.sum())


# --- fetch_shortest_paths -----------------------------------------------------------------------

def _all_shortest(edges: pd.DataFrame, src: str, dest: str, kinds: set[str]) -> set[tuple]:
    """All shortest walks from src to dest over ``kinds`` (chemical: pre → post;
    electrical: either way), each as ((name, kind into it), ...), by BFS."""
    nxt = defaultdict(set)
    for p, q, t in zip(edges.pre, edges.post, edges.type):
        if t in kinds:
            nxt[p].add((q, t))
            if t == "electrical":
                nxt[q].add((p, t))
    level, seen = {(src, None): [((src, None),)]}, {src}
    while level:
        found = {w for (name, _), ws in level.items() if name == dest for w in ws}
        if found:
            return found
        following = defaultdict(list)
        for (name, _), walks in level.items():
            for other, t in nxt[name]:
                if other not in seen:
                    following[(other, t)] += [w + ((other, t),) for w in walks]
        seen |= {n for n, _ in following}
        level = following
    return set()


@pytest.mark.parametrize("synapse_type,kinds", [("electrical", {"electrical"}),
                                                ("both", {"chemical", "electrical"}),
                                                ("chemical", {"chemical"})])
def test_shortest_paths(adult, edges, synapse_type, kinds):
    src, dest = "AIBL", "AIAR"     # in the adult: 5 gap junctions, 2 mixed or 3 chemical hops
    expected = _all_shortest(edges, src, dest, kinds)
    assert expected
    got = fetch_shortest_paths(body_id(src), body_id(dest), intermediate_criteria=NC(),
                               synapse_type=synapse_type, client=adult)
    by_name = {body_id(n): n for n in set(edges.pre) | set(edges.post)}
    walks = set()
    for _, path in got.groupby("path"):
        steps = (path.synapse_type if synapse_type == "both"
                 else [None] + [synapse_type] * (len(path) - 1))
        walks.add(tuple((by_name[b], k) for b, k in zip(path.bodyId, steps)))
    assert len(walks) == got.path.nunique()     # (both: a pair linked by both kinds: 2 paths)
    assert walks == expected


# --- a dataset without gap junctions -----------------------------------------------------------

def test_a_dataset_without_gap_junctions_raises(witvliet_adult, edges):
    _, chem_only = witvliet_adult
    for call in (lambda st: fetch_simple_connections(NC(instance="AVAL"), synapse_type=st,
                                                     client=chem_only),
                 lambda st: fetch_adjacencies(NC(instance="AVAL"), synapse_type=st,
                                              client=chem_only),
                 lambda st: fetch_common_connectivity(NC(instance="AVAL"), synapse_type=st,
                                                      client=chem_only),
                 lambda st: fetch_shortest_paths(body_id("AIBL"), body_id("AIAR"),
                                                 intermediate_criteria=NC(), synapse_type=st,
                                                 client=chem_only)):
        for st in ("electrical", "both"):
            with pytest.raises(DatasetLacksError, match="has no gap junctions"):
                call(st)
        call("chemical")
    c = chemical(edges)
    got = fetch_simple_connections(NC(instance="AVAL"), client=chem_only)
    assert _named(got, "post") == dict(zip(c[c.pre == "AVAL"].post, c[c.pre == "AVAL"].synapses))
