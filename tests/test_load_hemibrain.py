"""The real hemibrain-mb bundle loaded into a real Neo4j, checked against the source CSVs.

Every expected value is computed here with pandas straight from the bundle's
files (the recipe's table list is read with tomllib), never taken from the
library's own output.
"""

from __future__ import annotations

import json
import tomllib
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from connectograph import Client, NC, fetch_adjacencies, fetch_meta, fetch_neurons
from connectograph.loading import load

from bundle_graph import count_by_label, count_by_rel_type, graph_sites

pytestmark = pytest.mark.neo4j

REPO = Path(__file__).resolve().parents[1]
RECIPE = REPO / "loaders" / "hemibrain-mb.toml"
DATASET = "hemibrain-mb:v1.2.1"
PREFIX = DATASET + "_"
SEG = f"`{DATASET}_Segment`"
ROI = f"`{DATASET}_ROI`"

PN = 635062078          # a uniglomerular PN (perc_PNKC / olf_PNKC connection tables)
KC = 5813078552         # the Kenyon cell of the synapse bundle (KCab-s)
MBON14 = 300972942      # MBON14(a3)_R, first row of perc_MBON_df3.csv


# --- independent expectations from the CSVs ------------------------------------------------

@cache
def _recipe() -> dict:
    return tomllib.loads(RECIPE.read_text())


def _csv(bundle: Path, rel: str) -> pd.DataFrame:
    # An empty cell is missing, any other text is a value (as a CSV means it).
    return pd.read_csv(bundle / rel, keep_default_na=False, na_values=[""])


@cache
def neuron_tables(bundle: Path) -> list[tuple[str, pd.DataFrame]]:
    out = []
    for src in _recipe()["neurons"]:
        df = _csv(bundle, src["file"])
        df = df.rename(columns={v: k for k, v in src.get("columns", {}).items()})
        out.append((src["file"], df))
    return out


@cache
def conn_tables(bundle: Path) -> list[tuple[str, pd.DataFrame]]:
    return [(s["file"], _csv(bundle, s["file"])) for s in _recipe()["roi_connections"]]


@cache
def roi_conns(bundle: Path) -> pd.DataFrame:
    """All per-ROI rows, one per (pre, post, roi), the first table listed winning."""
    frames = [df[["bodyId_pre", "bodyId_post", "roi", "weight"]].assign(_order=i)
              for i, (_, df) in enumerate(conn_tables(bundle))]
    allrows = pd.concat(frames, ignore_index=True).sort_values("_order", kind="stable")
    return allrows.drop_duplicates(["bodyId_pre", "bodyId_post", "roi"]).drop(columns="_order")


@cache
def synapse_pairs(bundle: Path) -> pd.DataFrame:
    """``bodyId_pre, bodyId_post`` of every row of the recipe's synapse-pair sources
    (tests/loading/test_load_synapses.py checks the synapse-level graph itself)."""
    frames = []
    for src in _recipe().get("synapses", []):
        if src["kind"] == "synapse_connections":
            cols = src.get("columns", {})
            df = _csv(bundle, src["file"])
            frames.append(pd.DataFrame({
                side: df[cols.get(side, side)].astype("int64")
                for side in ("bodyId_pre", "bodyId_post")}))
    return pd.concat(frames, ignore_index=True)


@cache
def synapse_bodies(bundle: Path) -> set[int]:
    """Bodies of the recipe's synapse sources (connector folders: one body per file)."""
    ids = set(synapse_pairs(bundle).stack().astype("int64"))
    for src in _recipe().get("synapses", []):
        if src["kind"] == "connectors":
            ids |= {int(p.stem) for p in (bundle / src["folder"]).glob("*.csv")}
    return ids


@cache
def merged_type(bundle: Path) -> pd.DataFrame:
    """Per bodyId, the first non-empty ``type`` in recipe order and the file it came from."""
    rows = []
    for order, (file, df) in enumerate(neuron_tables(bundle)):
        if "type" in df.columns:
            t = df[["bodyId", "type"]].dropna(subset=["type"]).assign(order=order, file=file)
            rows.append(t)
    allt = pd.concat(rows).sort_values("order", kind="stable")
    return allt.drop_duplicates("bodyId").set_index("bodyId")


@cache
def roi_json(bundle: Path) -> dict:
    return json.loads((bundle / _recipe()["rois"]["info"]).read_text())


def weight_checksum(client: Client) -> tuple[int, int]:
    row = client.read(f"MATCH (:{SEG})-[r:ConnectsTo]->(:{SEG}) "
                      "RETURN sum(r.weight) AS s, count(r) AS n")[0]
    return row["s"], row["n"]


def _sorted_frame(df: pd.DataFrame) -> pd.DataFrame:
    cols = ["bodyId_pre", "bodyId_post", "roi", "weight"]
    df = df[cols].astype({"bodyId_pre": "int64", "bodyId_post": "int64", "weight": "int64",
                          "roi": str})
    return df.sort_values(cols[:3], ignore_index=True)


# --- node and relationship counts --------------------------------------------------------------

def test_segment_count(client, bundle_dir, loaded):
    ids: set[int] = set()
    for _, df in neuron_tables(bundle_dir):
        ids |= set(df["bodyId"].astype("int64"))
    for _, df in conn_tables(bundle_dir):
        ids |= set(df["bodyId_pre"].astype("int64")) | set(df["bodyId_post"].astype("int64"))
    ids |= synapse_bodies(bundle_dir)       # bodies with synapses are Segments (neuPrint)
    n = client.read(f"MATCH (n:{SEG}) RETURN count(n) AS n, count(DISTINCT n.bodyId) AS d")[0]
    assert n["n"] == n["d"] == len(ids)
    assert loaded.counts["Segment nodes"] == len(ids)


def test_every_segment_has_a_roi_info(client, bundle_dir):
    """neuPrint stores roiInfo on every Segment ("{}" when nothing is known)."""
    rows = client.read(
        f"MATCH (n:{client.dataset.label('Segment')}) "
        "RETURN count(n) AS n, count(n.roiInfo) AS with_info, "
        "sum(CASE WHEN n.roiInfo = '{}' THEN 1 ELSE 0 END) AS empty")[0]
    assert rows["with_info"] == rows["n"]
    # Bodies listed only by the Schlegel et al. table (which has no roiInfo)
    # and in no connection or synapse table have nothing to count: "{}".
    exports = bundle_dir / "neuprint-exports"
    known = set()
    for path in exports.glob("*.csv"):
        table = pd.read_csv(path, usecols=lambda c: c in ("bodyId", "bodyId_pre", "bodyId_post"))
        for column in table.columns:
            known |= set(table[column])
    for path in (bundle_dir / "synapses" / "kc-5813078552").glob("*.csv"):
        table = pd.read_csv(path, usecols=["upstream_bodyId", "downstream_bodyId"])
        known |= set(table["upstream_bodyId"]) | set(table["downstream_bodyId"])
    known |= {int(p.stem) for p in (bundle_dir / "synapses" / "da1-pn").glob("*.csv")}
    meta = pd.read_csv(bundle_dir / "neurons" / "Supplemental_file5_hemibrain_meta.csv")
    bare = sorted(set(meta["bodyId"]) - known)
    assert len(bare) > 1000
    found = client.read(f"MATCH (n:{client.dataset.label('Segment')}) WHERE n.bodyId IN $b "
                        "RETURN n.roiInfo AS info", {"b": bare})
    assert len(found) == len(bare) and {r["info"] for r in found} == {"{}"}
    assert rows["empty"] >= len(bare)


def test_connectsto_count(client, bundle_dir, loaded):
    pairs = set()
    for _, df in conn_tables(bundle_dir):
        pairs |= set(zip(df["bodyId_pre"].astype("int64"), df["bodyId_post"].astype("int64")))
    syn = synapse_pairs(bundle_dir)
    pairs |= set(zip(syn["bodyId_pre"], syn["bodyId_post"]))   # synapse-level connections
    got = client.read(f"MATCH (a:{SEG})-[r:ConnectsTo]->(b:{SEG}) "
                      "RETURN count(r) AS n, count(DISTINCT [a.bodyId, b.bodyId]) AS d")[0]
    assert got["n"] == got["d"] == len(pairs)
    assert loaded.counts["ConnectsTo relationships"] == len(pairs)


def test_total_weight_matches_csv(client, bundle_dir):
    """Over the connections without synapse-level data, the weights are the tables'."""
    syn = synapse_pairs(bundle_dir)
    syn_pairs = [[int(a), int(b)] for a, b in set(zip(syn["bodyId_pre"], syn["bodyId_post"]))]
    total = client.read(f"MATCH (a:{SEG})-[r:ConnectsTo]->(b:{SEG}) "
                        "WHERE NOT [a.bodyId, b.bodyId] IN $syn RETURN sum(r.weight) AS s",
                        {"syn": syn_pairs})[0]["s"]
    rows = roi_conns(bundle_dir)
    in_syn = pd.Series(list(zip(rows["bodyId_pre"], rows["bodyId_post"]))).isin(
        set(map(tuple, syn_pairs))).to_numpy()
    assert total == int(rows.loc[~in_syn, "weight"].sum())


# --- one connection, two ways ------------------------------------------------------------------

def _expected_pair(bundle: Path, pre: int, post: int) -> tuple[int, dict, pd.DataFrame]:
    rows = roi_conns(bundle)
    rows = rows[(rows.bodyId_pre == pre) & (rows.bodyId_post == post)]
    assert len(rows), "the pair must be in the CSVs"
    weight = int(rows["weight"].sum())                    # NotPrimary included
    info = {r.roi: {"post": int(r.weight)} for r in rows.itertuples() if r.roi != "NotPrimary"}
    return weight, info, rows


def test_pn_to_kc_connectsto(client, bundle_dir):
    weight, info, _ = _expected_pair(bundle_dir, PN, KC)
    rows = client.read(f"MATCH (a:{SEG} {{bodyId: $a}})-[r:ConnectsTo]->(b:{SEG} {{bodyId: $b}}) "
                       "RETURN r.weight AS w, r.roiInfo AS info", {"a": PN, "b": KC})
    assert len(rows) == 1
    assert rows[0]["w"] == weight
    got = json.loads(rows[0]["info"])
    # the table's ROIs as the table says (post only); the pair's synapses add
    # neuPrint's pre/post entries for the other ROIs (checked against the
    # synapse CSVs in tests/loading/test_load_synapses.py)
    assert {r: c for r, c in got.items() if r in info} == info
    assert all(set(c) == {"pre", "post"} for r, c in got.items() if r not in info)


def test_pn_to_kc_fetch_adjacencies(client, bundle_dir):
    _, _, rows = _expected_pair(bundle_dir, PN, KC)
    neurons_df, roi_conn_df = fetch_adjacencies(PN, KC, client=client)
    assert list(roi_conn_df.columns) == ["bodyId_pre", "bodyId_post", "roi", "weight"]
    pd.testing.assert_frame_equal(_sorted_frame(roi_conn_df), _sorted_frame(rows))
    assert sorted(neurons_df["bodyId"]) == sorted({PN, KC})
    # the types in neurons_df are those of the highest-precedence table naming each body
    types = merged_type(bundle_dir)["type"]
    got = dict(zip(neurons_df["bodyId"], neurons_df["type"]))
    assert got == {PN: types[PN], KC: types[KC]}


def test_connectsto_with_notprimary_rows(client, bundle_dir):
    """A pair with a NotPrimary row: weight includes it, roiInfo does not."""
    rows = roi_conns(bundle_dir)
    np_pairs = rows.loc[rows.roi == "NotPrimary", ["bodyId_pre", "bodyId_post"]]
    multi = rows.groupby(["bodyId_pre", "bodyId_post"]).size()
    cand = [p for p in zip(np_pairs.bodyId_pre, np_pairs.bodyId_post) if multi[p] >= 2]
    assert cand, "the bundle has connections with NotPrimary and primary-ROI rows"
    pre, post = (int(x) for x in cand[0])
    weight, info, expected_rows = _expected_pair(bundle_dir, pre, post)
    assert weight > sum(v["post"] for v in info.values())
    got = client.read(f"MATCH (:{SEG} {{bodyId: $a}})-[r:ConnectsTo]->(:{SEG} {{bodyId: $b}}) "
                      "RETURN r.weight AS w, r.roiInfo AS info", {"a": pre, "b": post})
    assert [(g["w"], json.loads(g["info"])) for g in got] == [(weight, info)]
    _, roi_conn_df = fetch_adjacencies(NC(bodyId=pre), NC(bodyId=post), client=client)
    pd.testing.assert_frame_equal(_sorted_frame(roi_conn_df), _sorted_frame(expected_rows))


# --- MBONs -------------------------------------------------------------------------------------

def test_mbon_set(client, bundle_dir):
    types = merged_type(bundle_dir)
    expected = set(types.index[types["type"].str.fullmatch(r"MBON.*")].astype("int64"))
    perc = _csv(bundle_dir, "neuprint-exports/perc_MBON_df3.csv")
    perc_ids = set(perc.loc[perc["type"].str.startswith("MBON"), "bodyId"])
    # the property table's MBONs are all there, plus MBON-typed bodies of other tables
    assert perc_ids <= expected and len(expected) > len(perc_ids)
    neuron_df, _ = fetch_neurons(NC(type="MBON.*"), client=client)
    assert set(neuron_df["bodyId"]) == expected
    assert neuron_df["bodyId"].is_unique
    got_types = dict(zip(neuron_df["bodyId"], neuron_df["type"]))
    assert got_types == {b: types.loc[b, "type"] for b in expected}


def test_mbon14_properties_and_roi_counts(client, bundle_dir):
    perc = _csv(bundle_dir, "neuprint-exports/perc_MBON_df3.csv").set_index("bodyId")
    row = perc.loc[MBON14]
    types = merged_type(bundle_dir)
    expected_ids = sorted(types.index[types["type"] == "MBON14"])
    assert MBON14 in expected_ids

    neuron_df, roi_counts_df = fetch_neurons(NC(type="MBON14"), client=client)
    assert sorted(neuron_df["bodyId"]) == expected_ids
    n = neuron_df.set_index("bodyId").loc[MBON14]
    for col in ("pre", "post", "downstream", "upstream", "mito", "size"):
        assert int(n[col]) == int(row[col]), col
    for col in ("status", "statusLabel", "instance", "type"):
        assert n[col] == row[col], col

    roi_info = json.loads(row["roiInfo"])
    assert n["roiInfo"] == roi_info
    assert n["inputRois"] == sorted(r for r, c in roi_info.items() if c.get("post", 0) > 0)
    assert n["outputRois"] == sorted(r for r, c in roi_info.items() if c.get("pre", 0) > 0)

    counts = roi_counts_df[roi_counts_df["bodyId"] == MBON14].set_index("roi")
    cols = ["pre", "post", "downstream", "upstream", "mito"]
    for roi, c in roi_info.items():
        assert counts.loc[roi, cols].tolist() == [int(c.get(k, 0)) for k in cols], roi
    # NotPrimary: the totals minus the sums over the primary ROIs
    primary = {k for k, v in roi_json(bundle_dir).items() if v.get("isPrimary")}
    prim_sum = {k: sum(int(c.get(k, 0)) for r, c in roi_info.items() if r in primary)
                for k in cols}
    not_primary = [int(row[k]) - prim_sum[k] for k in cols]
    assert any(not_primary)
    assert counts.loc["NotPrimary", cols].tolist() == not_primary
    assert set(counts.index) == set(roi_info) | {"NotPrimary"}


def test_mbon_inputs_by_roi(client, bundle_dir):
    """MBON14's inputs per ROI: fetch_adjacencies(targets=...) vs a groupby on the CSV."""
    conn = _csv(bundle_dir, "neuprint-exports/perc_conn_MBON_df3.csv")
    mine = conn[conn["bodyId_post"] == MBON14]
    assert len(mine) > 100

    _, roi_conn_df = fetch_adjacencies(NC(label="Segment"), NC(bodyId=MBON14), client=client)
    pd.testing.assert_frame_equal(_sorted_frame(roi_conn_df), _sorted_frame(mine))

    def strongest(df: pd.DataFrame) -> pd.DataFrame:
        # per ROI: total input weight, number of inputs and the strongest input
        df = df.sort_values(["roi", "weight", "bodyId_pre"], ascending=[True, False, True])
        top = df.groupby("roi").head(1).set_index("roi")
        agg = df.groupby("roi").agg(total=("weight", "sum"), inputs=("bodyId_pre", "nunique"))
        agg["top_pre"] = top["bodyId_pre"].astype("int64")
        agg["top_weight"] = top["weight"].astype("int64")
        return agg.astype("int64").sort_index()

    pd.testing.assert_frame_equal(strongest(roi_conn_df), strongest(mine))
    # neuprint-python's ordering: by pair, then weight descending
    assert roi_conn_df.equals(roi_conn_df.sort_values(
        ["bodyId_pre", "bodyId_post", "weight"], ascending=[True, True, False],
        ignore_index=True))


def test_all_perc_mbon_inputs(client, bundle_dir):
    """Every input of the 58 MBONs of perc_MBON_df3, per ROI, over all loaded tables."""
    perc = _csv(bundle_dir, "neuprint-exports/perc_MBON_df3.csv")
    ids = [int(b) for b in perc["bodyId"]]
    rows = roi_conns(bundle_dir)
    expected = rows[rows["bodyId_post"].isin(ids)]
    _, roi_conn_df = fetch_adjacencies(NC(label="Segment"), NC(bodyId=ids), client=client)
    pd.testing.assert_frame_equal(_sorted_frame(roi_conn_df), _sorted_frame(expected))


def test_roi_filter_and_min_weight(client, bundle_dir):
    conn = _csv(bundle_dir, "neuprint-exports/perc_conn_MBON_df3.csv")
    mine = conn[(conn["bodyId_post"] == MBON14) & (conn["roi"] == "aL(R)") & (conn["weight"] >= 5)]
    assert len(mine)
    _, roi_conn_df = fetch_adjacencies(NC(label="Segment"), NC(bodyId=MBON14), rois=["aL(R)"],
                                       min_roi_weight=5, client=client)
    pd.testing.assert_frame_equal(_sorted_frame(roi_conn_df), _sorted_frame(mine))


# --- conflicts ---------------------------------------------------------------------------------

def test_type_conflicts_s5_vs_v11(loaded, bundle_dir):
    s5_file = "neurons/Supplemental_file5_hemibrain_meta.csv"
    v11_file = "neurons/traced-neurons-v1.1_aclinlab.csv"
    # kept value: first non-empty type among the tables listed before v1.1
    tables = neuron_tables(bundle_dir)
    v11_index = [f for f, _ in tables].index(v11_file)
    before = [(f, df) for f, df in tables[:v11_index]]
    rows = pd.concat([df[["bodyId", "type"]].dropna().assign(order=i, file=f)
                      for i, (f, df) in enumerate(before)]).sort_values("order", kind="stable")
    kept = rows.drop_duplicates("bodyId").set_index("bodyId")
    v11 = dict(tables[v11_index][1][["bodyId", "type"]].dropna().itertuples(index=False))
    differing = {b: (kept.loc[b, "type"], t) for b, t in v11.items()
                 if b in kept.index and str(kept.loc[b, "type"]) != str(t)
                 and kept.loc[b, "file"] == s5_file}
    assert differing, "S5 and the v1.1 list disagree on some types"

    found = [c for c in loaded.conflicts
             if c.table == "neurons" and c.column == "type"
             and Path(c.kept_from).as_posix().endswith(s5_file)
             and Path(c.overridden_from).as_posix().endswith(v11_file)]
    assert len(found) == 1
    conflict = found[0]
    assert conflict.count == len(differing)
    assert conflict.examples
    s5 = _csv(bundle_dir, s5_file).set_index("bodyId")["type"]
    v1 = _csv(bundle_dir, v11_file).set_index("bodyId")["type"]
    for ex in conflict.examples:
        body = int(ex["key"])
        assert body in differing
        assert ex["kept"] == s5[body] and ex["dropped"] == v1[body]
        assert ex["kept"] != ex["dropped"]
    assert "neurons.type" in conflict.describe()


def test_loaded_type_is_the_kept_one(client, loaded, bundle_dir):
    """The body of a reported conflict carries the higher-precedence value in the graph."""
    conflict = next(c for c in loaded.conflicts if c.table == "neurons" and c.column == "type")
    ex = conflict.examples[0]
    got = client.read(f"MATCH (n:{SEG} {{bodyId: $b}}) RETURN n.type AS t", {"b": int(ex["key"])})
    assert got == [{"t": merged_type(bundle_dir).loc[int(ex["key"]), "type"]}]
    assert got[0]["t"] == ex["kept"]


# --- Meta and ROIs -----------------------------------------------------------------------------

def test_meta_primary_rois(client, bundle_dir):
    info = roi_json(bundle_dir)
    expected = sorted(k for k, v in info.items() if v.get("isPrimary") is True)
    meta = fetch_meta(client=client)
    assert sorted(meta["primaryRois"]) == expected
    assert (meta["dataset"], meta["tag"]) == ("hemibrain-mb", "v1.2.1")
    assert meta["loadComplete"] is True
    assert set(meta["roiInfo"]) == set(info)
    assert meta["roiHierarchy"] == json.loads(
        (bundle_dir / _recipe()["rois"]["hierarchy"]).read_text())
    # ours: the bodies under each label, as in the database
    counts = count_by_label(client)
    assert (meta["segmentCount"], meta["neuronCount"]) == (counts[PREFIX + "Segment"],
                                                           counts[PREFIX + "Neuron"])
    assert 0 < meta["neuronCount"] < meta["segmentCount"]


def test_roi_nodes_and_partof(client, bundle_dir):
    info = roi_json(bundle_dir)
    assert len(info) == 230
    n = client.read(f"MATCH (r:{ROI}) RETURN count(r) AS n, collect(r.name) AS names")[0]
    assert n["n"] == 230
    assert set(n["names"]) == set(info)
    with_parent = {(k, v["parent"]) for k, v in info.items() if v.get("parent") in info}
    rows = client.read(f"MATCH (c:{ROI})-[:PartOf]->(p:{ROI}) RETURN c.name AS c, p.name AS p")
    assert len(rows) == len(with_parent)
    assert {(r["c"], r["p"]) for r in rows} == with_parent
    prim = client.read(f"MATCH (r:{ROI}) WHERE r.isPrimary RETURN count(r) AS n")[0]["n"]
    assert prim == sum(1 for v in info.values() if v.get("isPrimary"))


def test_summary_counts_every_label_and_relationship_type(client, loaded):
    """The load summary's counts are what the database holds."""
    labels, rels = count_by_label(client), count_by_rel_type(client)
    c = loaded.counts
    assert {k[len(PREFIX):]: v for k, v in labels.items()} == {
        g: c[f"{g} nodes"] for g in ("Meta", "Segment", "Neuron", "ROI", "Skeleton", "Synapse",
                                     "SynapseSet")}
    assert rels == {
        "ConnectsTo": c["ConnectsTo relationships"]
        + c["ConnectsTo relationships between SynapseSets"],
        **{t: c[f"{t} relationships"] for t in ("Contains", "InROI", "PartOf", "SynapsesTo")}}


def test_check_reports_the_load_without_writing(client, bundle_dir, loaded):
    from click.testing import CliRunner

    from connectograph.cli import main
    before = count_by_label(client)
    result = CliRunner().invoke(main, ["load", str(RECIPE), "--data-dir", str(bundle_dir),
                                       "--dataset", "check-only:v1", "--check"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Checked check-only:v1 in ")
    assert "nothing written" in result.stdout
    lines = {line.rsplit(None, 1)[0].strip(): line.rsplit(None, 1)[1]
             for line in result.stdout.splitlines()[1:] if line.startswith("  ")
             and not line.startswith("   ") and line.split()[-1].replace(",", "").isdigit()}
    assert lines["Synapse nodes"] == f"{loaded.counts['Synapse nodes']:,}"
    assert count_by_label(client) == before
    assert client.read("MATCH (m:Meta {dataset: 'check-only'}) RETURN count(m) AS n")[0]["n"] == 0
    from connectograph.loading import check
    assert check(str(RECIPE), data_dir=str(bundle_dir)).counts == loaded.counts


def test_neuron_label_follows_the_recipe_rule(client):
    """A Segment is a Neuron iff the recipe's rule holds for its stored
    properties (neuPrint's rule: pre >= 2 or post >= 10, a soma, a type or
    instance, or a status); the rule is applied here with pandas."""
    rule = _recipe()["neuron_rule"]
    df = pd.DataFrame(client.read(
        f"MATCH (n:{SEG}) RETURN n.bodyId AS bodyId, n.pre AS pre, n.post AS post, "
        "n.somaLocation IS NOT NULL AS soma, n.type AS type, n.instance AS instance, "
        f"n.status AS status, n:`{PREFIX}Neuron` AS neuron"))
    expected = ((df["pre"].fillna(0) >= rule["min_pre"])
                | (df["post"].fillna(0) >= rule["min_post"])
                | (df["soma"] & rule["soma"])
                | ((df["type"].notna() | df["instance"].notna()) & rule["named"])
                | (df["status"].notna() & rule["with_status"]))
    assert 0 < expected.sum() < len(df)
    assert (df["neuron"] == expected).all()


def test_upstream_is_post_where_no_table_states_it(client, bundle_dir):
    """neuPrint's definition, upstream = post, also for bodies whose table
    gives post only (the supplemental table) and for the Kenyon cell, whose
    v1.1 synapses count fewer PSDs than the v1.2.1 table's post."""
    stated: dict[int, int] = {}
    first_post: dict[int, int] = {}
    for _, df in neuron_tables(bundle_dir):
        if "upstream" in df.columns:
            for b, u in df[["bodyId", "upstream"]].dropna().itertuples(index=False):
                stated.setdefault(int(b), int(u))
        if "post" in df.columns:
            for b, p in df[["bodyId", "post"]].dropna().itertuples(index=False):
                first_post.setdefault(int(b), int(p))
    rows = client.read(f"MATCH (n:{SEG}) RETURN n.bodyId AS b, n.post AS post, "
                       "n.upstream AS up")
    got = {r["b"]: (r["post"], r["up"]) for r in rows}
    unstated = {b: v for b, v in got.items() if b not in stated and v[0] is not None}
    assert len(unstated) > 20000
    assert {b for b, (post, up) in unstated.items() if up != post} == set()
    assert all(got[b][1] == u for b, u in stated.items())
    assert KC not in stated
    assert got[KC] == (first_post[KC], first_post[KC])


def test_every_roi_flag_is_indexed_on_segment_and_neuron(client, bundle_dir):
    """neuPrint indexes each ROI property of Segment and Neuron; so do we."""
    rois = set(roi_json(bundle_dir))
    rows = client.read(f"MATCH (n:{SEG}) UNWIND keys(n) AS k WITH DISTINCT k "
                       "WHERE k IN $rois RETURN collect(k) AS flags", {"rois": sorted(rois)})
    flags = set(rows[0]["flags"])
    assert len(flags) > 100          # the bundle's bodies lie in most of its 230 ROIs
    indexes = client.read(
        "SHOW INDEXES YIELD labelsOrTypes, properties, state, type "
        "WHERE type = 'RANGE' AND size(properties) = 1 AND properties[0] IN $rois "
        "RETURN labelsOrTypes, properties[0] AS prop, state", {"rois": sorted(rois)})
    for generic in ("Segment", "Neuron"):
        indexed = {r["prop"] for r in indexes if r["labelsOrTypes"] == [PREFIX + generic]}
        assert indexed == flags, generic
    assert {r["state"] for r in indexes} == {"ONLINE"}
    # a ROI filter with a quote in the name seeks through its index
    plan = client.driver.execute_query(
        f"EXPLAIN MATCH (n:`{PREFIX}Neuron`) WHERE n.`a'L(R)` = true RETURN count(n)",
        database_=client.database).summary.plan

    def operators(p):
        return [p["operatorType"].split("@")[0]] + [o for c in p.get("children", [])
                                                    for o in operators(c)]
    assert "NodeIndexSeek" in operators(plan)


# --- idempotency (last: it reloads the dataset) ------------------------------------------------

def property_signature(client: Client) -> dict:
    """Every property of the dataset's bodies, ROIs, Meta (but the time of the
    load), ConnectsTo and InROI links, keyed by bodyId / name / endpoints."""
    def rows(cypher: str) -> list:
        return sorted(json.dumps(r["row"], sort_keys=True, default=str)
                      for r in client.read(cypher))
    meta = client.read(f"MATCH (m:`{PREFIX}Meta`) RETURN properties(m) AS p")[0]["p"]
    meta.pop("lastDatabaseEdit")
    return {
        "segments": rows(f"MATCH (n:{SEG}) RETURN [labels(n), properties(n)] AS row"),
        "rois": rows(f"MATCH (r:{ROI}) RETURN properties(r) AS row"),
        "connections": rows(f"MATCH (a:{SEG})-[c:ConnectsTo]->(b:{SEG}) "
                            "RETURN [a.bodyId, b.bodyId, properties(c)] AS row"),
        "in_roi": rows(f"MATCH (a:{SEG})-[c:InROI]->(r:{ROI}) "
                       "RETURN [a.bodyId, r.name, properties(c)] AS row"),
        "meta": json.dumps(meta, sort_keys=True, default=str)}


def synapse_signature(client: Client) -> tuple:
    """Every synapse site with its ROI flags, and the Kenyon cell's connections
    and properties."""
    sites = graph_sites(client)
    sites["rois"] = sites["rois"].map(lambda r: tuple(sorted(r)))
    sites = sites.sort_values("id", ignore_index=True)
    conns = client.read(f"MATCH (a:{SEG})-[r:ConnectsTo]->(b:{SEG}) WHERE a.bodyId = $kc OR "
                        "b.bodyId = $kc RETURN a.bodyId AS a, b.bodyId AS b, r.weight AS w, "
                        "r.roiInfo AS i ORDER BY a, b", {"kc": KC})
    kc = client.read(f"MATCH (n:{SEG} {{bodyId: $kc}}) RETURN properties(n) AS p", {"kc": KC})
    return sites.to_dict("list"), conns, kc


def _snapshot(client: Client) -> dict:
    return {"labels": count_by_label(client), "rels": count_by_rel_type(client),
            "weights": weight_checksum(client), "properties": property_signature(client),
            "synapses": synapse_signature(client)}


@pytest.fixture(scope="module")
def reloaded(neo4j_connection, client, bundle_dir, loaded):
    """The dataset read out before, after a second load (skipped: same data) and
    after a forced reload with one synapse writer (the first load had two, the
    default); with both load summaries. One reload for the two tests below."""
    uri, auth = neo4j_connection
    before = _snapshot(client)
    with Client(uri, auth=auth, dataset=DATASET, check_dataset=False) as writer:
        again = load("hemibrain-mb", client=writer, data_dir=str(bundle_dir), progress=None)
        after_again = _snapshot(client)
        forced = load("hemibrain-mb", client=writer, data_dir=str(bundle_dir), force=True,
                      writers=1, progress=None)
    return {"before": before, "again": again, "after_again": after_again,
            "forced": forced, "after_forced": _snapshot(client)}


def test_second_load_is_skipped_and_force_reload_is_identical(client, loaded, reloaded):
    b = reloaded["before"]
    labels0, rels0, weights0, properties0 = b["labels"], b["rels"], b["weights"], b["properties"]
    assert len(properties0["segments"]) == loaded.counts["Segment nodes"]
    assert labels0[f"{PREFIX}Segment"] == loaded.counts["Segment nodes"]
    assert labels0[f"{PREFIX}Neuron"] == loaded.counts["Neuron nodes"]
    assert labels0[f"{PREFIX}ROI"] == loaded.counts["ROI nodes"] == 230
    assert labels0[f"{PREFIX}Meta"] == 1
    # Segment-to-Segment ConnectsTo (SynapseSets have ConnectsTo too)
    assert weights0[1] == loaded.counts["ConnectsTo relationships"]
    assert rels0["InROI"] == loaded.counts["InROI relationships"]
    assert not any("~staging" in k for k in labels0)

    assert reloaded["again"].skipped is True
    a = reloaded["after_again"]
    assert (a["labels"], a["rels"]) == (labels0, rels0)
    assert a["weights"] == weights0

    forced, f = reloaded["forced"], reloaded["after_forced"]
    assert forced.skipped is False
    assert forced.counts == loaded.counts
    assert f["labels"] == labels0
    assert f["rels"] == rels0
    assert f["weights"] == weights0
    assert f["properties"] == properties0
    # still exactly one published, complete Meta for the dataset
    metas = client.read("MATCH (m:Meta) WHERE m.dataset = 'hemibrain-mb' AND m.tag = 'v1.2.1' "
                        "RETURN m.loadComplete AS c")
    assert metas == [{"c": True}]


def test_reload_with_synapses_is_identical(loaded, reloaded):
    """The synapse part: the skipped load and the reload with one synapse writer
    leave every site, its ROI flags and the Kenyon cell's links as they were."""
    def signature(snapshot):    # the counts too, read once per snapshot
        return snapshot["labels"], snapshot["rels"], snapshot["synapses"]
    before = signature(reloaded["before"])
    assert reloaded["again"].skipped
    assert signature(reloaded["after_again"]) == before
    forced = reloaded["forced"]
    assert not forced.skipped and forced.counts == loaded.counts
    assert signature(reloaded["after_forced"]) == before
    assert [c.describe() for c in forced.conflicts] == [c.describe() for c in loaded.conflicts]
