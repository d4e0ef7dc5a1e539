"""The synapse part of the real hemibrain-mb bundle in a real Neo4j, checked against
the source CSVs with pandas (and trimesh for the ROI meshes), never against the
loader's own output.

Sources (loaders/hemibrain-mb.toml, read with tomllib here): the DA1 PNs'
connector tables (points, no partners) and the Kenyon cell 5813078552's
fetch_synapse_connections exports (T-bar/PSD pairs, hemibrain v1.1).
"""

from __future__ import annotations

import json
import tomllib
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import trimesh
from trimesh.ray.ray_triangle import RayMeshIntersector

from bundle_graph import count_by_label, graph_sites

pytestmark = pytest.mark.neo4j

REPO = Path(__file__).resolve().parents[2]
RECIPE = REPO / "loaders" / "hemibrain-mb.toml"
DATASET = "hemibrain-mb:v1.2.1"
PREFIX = DATASET + "_"
SEG, SYN, SS = (f"`{DATASET}_{x}`" for x in ("Segment", "Synapse", "SynapseSet"))
KC = 5813078552
SIDES = ("pre", "post")


# --- independent expectations ------------------------------------------------------------------

@cache
def recipe() -> dict:
    return tomllib.loads(RECIPE.read_text())


@cache
def pair_rows(bundle: Path) -> pd.DataFrame:
    """Every row of the synapse_connections sources, with canonical column names."""
    frames = []
    for src in recipe()["synapses"]:
        if src["kind"] != "synapse_connections":
            continue
        df = pd.read_csv(bundle / src["file"], index_col=0)
        df = df.rename(columns={v: k for k, v in src["columns"].items()})
        frames.append(df.assign(file=src["file"]))
    return pd.concat(frames, ignore_index=True)


@cache
def points(bundle: Path) -> pd.DataFrame:
    """All synapse sites, one row per (bodyId, type, x, y, z), first source listed winning."""
    frames = []
    for src in recipe()["synapses"]:
        if src["kind"] == "connectors":
            for p in sorted((bundle / src["folder"]).glob("*.csv")):
                df = pd.read_csv(p)
                frames.append(df[["type", "x", "y", "z", "roi", "confidence"]]
                              .assign(bodyId=int(p.stem)))
        else:
            rows = pd.read_csv(bundle / src["file"], index_col=0).rename(
                columns={v: k for k, v in src["columns"].items()})
            for side in SIDES:
                frames.append(pd.DataFrame({
                    "bodyId": rows[f"bodyId_{side}"], "type": side,
                    "x": rows[f"x_{side}"], "y": rows[f"y_{side}"], "z": rows[f"z_{side}"],
                    "roi": rows[f"roi_{side}"], "confidence": rows[f"confidence_{side}"]}))
    allp = pd.concat(frames, ignore_index=True)
    return allp.drop_duplicates(["bodyId", "type", "x", "y", "z"]).reset_index(drop=True)


@cache
def roi_info(bundle: Path) -> dict:
    return json.loads((bundle / recipe()["rois"]["info"]).read_text())


@cache
def ancestors(bundle: Path) -> dict[str, list[str]]:
    hier = json.loads((bundle / recipe()["rois"]["hierarchy"]).read_text())
    out: dict[str, list[str]] = {}

    def walk(node, chain):
        for child in node.get("children", []):
            out[child["name"]] = chain
            walk(child, [child["name"]] + chain)
    walk(hier, [])                          # the root (whole brain) is not an ROI property
    return out


@cache
def meshes(bundle: Path) -> dict:
    out = {}
    for p in sorted((bundle / recipe()["rois"]["meshes"]).glob("*.obj")):
        m = trimesh.load(p, force="mesh")
        if not m.is_watertight:
            trimesh.repair.fill_holes(m)    # the loader's documented repair
        out[p.stem] = m
    return out


@cache
def mesh_hits(bundle: Path) -> pd.DataFrame:
    """For sites without a source ROI: the meshes containing them (triangle ray tests,
    not the loader's Embree path)."""
    pts = points(bundle)
    missing = pts[pts["roi"].isna()]
    xyz = missing[["x", "y", "z"]].to_numpy(dtype=float)
    hits = {}
    for name, m in meshes(bundle).items():
        inside = np.zeros(len(xyz), dtype=bool)
        box = np.all((xyz >= m.bounds[0]) & (xyz <= m.bounds[1]), axis=1)
        if box.any():
            inside[box] = RayMeshIntersector(m).contains_points(xyz[box])
        hits[name] = inside
    return pd.DataFrame(hits, index=missing.index)


@cache
def roi_sets(bundle: Path) -> pd.Series:
    """Per site, the set of ROIs: source ROI or containing meshes, plus ancestors."""
    pts = points(bundle)
    anc = ancestors(bundle)
    hits = mesh_hits(bundle)
    out = {}
    for i, roi in pts["roi"].items():
        base = [roi] if isinstance(roi, str) else [n for n in hits.columns if hits.at[i, n]]
        out[i] = frozenset(base + [a for b in base for a in anc.get(b, [])])
    return pd.Series(out)


@cache
def synapse_roi_rows(bundle: Path) -> pd.DataFrame:
    """Per (pre body, post body, ROI of the PSD's primary ROI or NotPrimary): PSD count."""
    pts = points(bundle)
    primary = {k for k, v in roi_info(bundle).items() if v.get("isPrimary")}
    sets = roi_sets(bundle)
    post = pts[pts["type"] == "post"].assign(
        proi=lambda d: [next(iter(sorted(sets[i] & primary)), "NotPrimary") for i in d.index])
    rows = pair_rows(bundle).merge(
        post[["bodyId", "x", "y", "z", "proi"]],
        left_on=["bodyId_post", "x_post", "y_post", "z_post"],
        right_on=["bodyId", "x", "y", "z"], how="left")
    assert rows["proi"].notna().all()
    return (rows.groupby(["bodyId_pre", "bodyId_post", "proi"]).size().rename("weight")
            .reset_index().rename(columns={"proi": "roi"}))


@cache
def synapse_roi_counts(bundle: Path) -> dict[tuple[int, int, str], dict[str, int]]:
    """neuPrint's ConnectsTo.roiInfo from the synapse pairs: per (pre body,
    post body, ROI of the site, ancestors included), distinct T-bars and PSDs."""
    pts = points(bundle)
    sets = roi_sets(bundle)
    site = {(r.bodyId, r.type, r.x, r.y, r.z): i for i, r in enumerate(pts.itertuples())}
    sites: dict[tuple, dict[str, set]] = {}
    for r in pair_rows(bundle).itertuples():
        t = site[(r.bodyId_pre, "pre", r.x_pre, r.y_pre, r.z_pre)]
        d = site[(r.bodyId_post, "post", r.x_post, r.y_post, r.z_post)]
        for side, i in (("pre", t), ("post", d)):
            for roi in sets[pts.index[i]]:
                entry = sites.setdefault((r.bodyId_pre, r.bodyId_post, roi),
                                         {"pre": set(), "post": set()})
                entry[side].add(i)
    return {k: {side: len(v) for side, v in e.items()} for k, e in sites.items()}


@cache
def table_rows(bundle: Path) -> pd.DataFrame:
    frames = [pd.read_csv(bundle / s["file"]).assign(order=i, file=s["file"])
              for i, s in enumerate(recipe()["roi_connections"])]
    allrows = pd.concat(frames, ignore_index=True).sort_values("order", kind="stable")
    return allrows.drop_duplicates(["bodyId_pre", "bodyId_post", "roi"]).drop(columns="order")


def _key(df: pd.DataFrame) -> pd.Series:
    return pd.Series(list(zip(df["bodyId"].astype("int64"), df["type"], df["x"].astype(float),
                              df["y"].astype(float), df["z"].astype(float))), index=df.index)


# --- nodes and relationships ---------------------------------------------------------------

def test_synapse_nodes(client, loaded, bundle_dir):
    pts = points(bundle_dir)
    got = graph_sites(client)
    assert len(got) == len(pts) == loaded.counts["Synapse nodes"]
    assert got["id"].is_unique
    assert got["type"].value_counts().to_dict() == pts["type"].value_counts().to_dict()
    # every site with its location (voxels) and confidence, as in the first source
    exp = dict(zip(_key(pts), pts["confidence"]))
    found = dict(zip(_key(got), got["confidence"]))
    assert set(found) == set(exp)
    assert all(abs(found[k] - exp[k]) < 1e-9 for k in exp)


def test_synapses_to(client, loaded, bundle_dir):
    rows = pair_rows(bundle_dir)
    got = client.read(f"MATCH (a:{SYN})-[r:SynapsesTo]->(b:{SYN}) RETURN a.bodyId AS pre, "
                      "b.bodyId AS post, a.type AS ta, b.type AS tb, a.location.x AS ux, "
                      "b.location.x AS dx")
    assert len(got) == len(rows) == loaded.counts["SynapsesTo relationships"]
    assert {(g["ta"], g["tb"]) for g in got} == {("pre", "post")}
    exp = sorted(zip(rows["bodyId_pre"], rows["bodyId_post"], rows["x_pre"], rows["x_post"]))
    assert sorted((g["pre"], g["post"], g["ux"], g["dx"]) for g in got) == exp
    # one T-bar to many PSDs: the KC's T-bars have as many edges as output rows
    tb = client.read(f"MATCH (a:{SYN} {{bodyId: $kc, type: 'pre'}})-[:SynapsesTo]->() "
                     "RETURN count(DISTINCT a) AS tbars, count(*) AS edges", {"kc": KC})[0]
    out = rows[rows["bodyId_pre"] == KC]
    assert tb == {"tbars": len(out.drop_duplicates(["x_pre", "y_pre", "z_pre"])),
                  "edges": len(out)}


def test_synapse_sets(client, loaded, bundle_dir):
    rows = pair_rows(bundle_dir)
    pairs = rows.groupby(["bodyId_pre", "bodyId_post"])
    n_pairs = pairs.ngroups
    n_tbars = int(pairs.apply(lambda g: len(g.drop_duplicates(["x_pre", "y_pre", "z_pre"]))).sum())
    assert count_by_label(client)[f"{PREFIX}SynapseSet"] == 2 * n_pairs
    assert loaded.counts["SynapseSet nodes"] == 2 * n_pairs
    links = client.read(f"MATCH (a:{SS})-[:ConnectsTo]->(b:{SS}) RETURN a.bodyId AS a, "
                        "b.bodyId AS b, a.type AS ta, b.type AS tb")
    assert len(links) == n_pairs
    assert {(x["a"], x["b"]) for x in links} == set(pairs.groups)
    assert {(x["ta"], x["tb"]) for x in links} == {("pre", "post")}
    got = client.read(
        f"MATCH (n:{SEG})-[:Contains]->(ss:{SS})-[:Contains]->(s:{SYN}) "
        "RETURN count(*) AS n, sum(CASE WHEN s.bodyId = n.bodyId AND s.type = ss.type "
        "THEN 1 ELSE 0 END) AS ok")[0]
    assert got["n"] == got["ok"] == n_tbars + len(rows)


def test_segment_counts_from_synapses(client, bundle_dir):
    """Bodies that only the synapse tables list get pre/post from their synapses."""
    pts = points(bundle_dir)
    names = set()
    for f in ("neurons/Supplemental_file5_hemibrain_meta.csv",
              "neurons/traced-neurons-v1.1_aclinlab.csv"):
        names |= set(pd.read_csv(bundle_dir / f)["bodyId"])
    for s in recipe()["neurons"] + recipe()["roi_connections"]:
        df = pd.read_csv(bundle_dir / s["file"])
        for c in ("bodyId", "bodyId_pre", "bodyId_post"):
            if c in df:
                names |= set(df[c])
    only = sorted(set(pts["bodyId"]) - names)
    assert len(only) == 4
    got = client.read(f"MATCH (n:{SEG}) WHERE n.bodyId IN $ids RETURN n.bodyId AS b, "
                      "n.pre AS pre, n.post AS post, n.downstream AS down", {"ids": only})
    rows = pair_rows(bundle_dir)
    exp = {b: (int(((pts.bodyId == b) & (pts.type == "pre")).sum()),
               int(((pts.bodyId == b) & (pts.type == "post")).sum()),
               int((rows.bodyId_pre == b).sum())) for b in only}
    assert {g["b"]: (g["pre"], g["post"], g["down"]) for g in got} == exp


def test_meta_totals_from_the_sources(client, bundle_dir):
    """Meta.totalPreCount / totalPostCount sum pre / post over the loaded
    bodies: a neuron table's value (the first table listed that has one), else
    the body's sites in the synapse tables."""
    stated: dict[str, dict[int, int]] = {"pre": {}, "post": {}}
    for src in recipe()["neurons"]:
        df = pd.read_csv(bundle_dir / src["file"]).rename(
            columns={v: k for k, v in src.get("columns", {}).items()})
        for col, known in stated.items():
            if col in df.columns:
                for b, n in df[["bodyId", col]].dropna().itertuples(index=False):
                    known.setdefault(int(b), int(n))
    sites = points(bundle_dir).groupby(["bodyId", "type"]).size()
    expected, from_sites = {}, {}
    for col, known in stated.items():
        from_sites[col] = {int(b): int(n) for (b, t), n in sites.items()
                           if t == col and int(b) not in known}
        expected[col] = sum(known.values()) + sum(from_sites[col].values())
    # the Kenyon cell's four output partners in no table count their PSDs
    assert len(from_sites["post"]) >= 4
    name, tag = client.dataset.name, client.dataset.tag
    meta = client.read("MATCH (m:Meta) WHERE m.dataset = $n AND m.tag = $t "
                       "RETURN m.totalPreCount AS pre, m.totalPostCount AS post",
                       {"n": name, "t": tag})[0]
    assert (meta["pre"], meta["post"]) == (expected["pre"], expected["post"])


# --- the Kenyon cell -----------------------------------------------------------------------

def test_kc_synapse_roi_counts(client, bundle_dir):
    pts = points(bundle_dir)
    sets = roi_sets(bundle_dir)
    mine = pts[pts["bodyId"] == KC]
    exp: dict[tuple[str, str], int] = {}
    for i, t in mine["type"].items():
        for roi in sets[i]:
            exp[(t, roi)] = exp.get((t, roi), 0) + 1
    got = client.read(f"MATCH (s:{SYN} {{bodyId: $kc}}) UNWIND keys(s) AS k "
                      "WITH s, k WHERE s[k] = true RETURN s.type AS t, k AS roi, count(*) AS n",
                      {"kc": KC})
    assert {(g["t"], g["roi"]): g["n"] for g in got} == exp
    assert ("pre", "aL(R)") in exp and ("post", "MB(R)") in exp       # ancestors included
    # the KC's roiInfo (no source gives one): pre per ROI = its T-bars there
    info = json.loads(client.read(f"MATCH (n:{SEG} {{bodyId: $kc}}) RETURN n.roiInfo AS r",
                                  {"kc": KC})[0]["r"])
    assert {r: c["pre"] for r, c in info.items() if c.get("pre")} == \
        {roi: n for (t, roi), n in exp.items() if t == "pre"}
    for (t, roi), n in exp.items():
        if t == "post":
            assert info[roi]["post"] >= n and info[roi]["upstream"] >= n


def test_kc_connections_follow_the_precedence(client, bundle_dir):
    """Weights: per-ROI tables win per (pair, ROI), synapse PSD counts fill the
    rest. roiInfo: a table cell gives post only; every other ROI the pair's
    synapses lie in (non-primary too) has neuPrint's T-bar and PSD counts."""
    syn = synapse_roi_rows(bundle_dir)
    tab = table_rows(bundle_dir)
    counts = synapse_roi_counts(bundle_dir)
    key = ["bodyId_pre", "bodyId_post", "roi"]
    mine = lambda d: d[(d.bodyId_pre == KC) | (d.bodyId_post == KC)]  # noqa: E731
    t, s = mine(tab), mine(syn)
    filled = s.merge(t[key], on=key, how="left", indicator=True)
    merged = pd.concat([t[key + ["weight"]],
                        filled.loc[filled["_merge"] == "left_only", key + ["weight"]]])
    exp = {}
    for (a, b), g in merged.groupby(["bodyId_pre", "bodyId_post"]):
        cells = {r: {"post": int(w)} for r, w in
                 zip(t.roi[(t.bodyId_pre == a) & (t.bodyId_post == b)],
                     t.weight[(t.bodyId_pre == a) & (t.bodyId_post == b)])
                 if r != "NotPrimary"}
        from_synapses = {roi: c for (x, y, roi), c in counts.items()
                         if (x, y) == (a, b) and roi not in cells}
        exp[(int(a), int(b))] = (int(g["weight"].sum()), {**cells, **from_synapses})
    got = client.read(f"MATCH (a:{SEG})-[r:ConnectsTo]->(b:{SEG}) WHERE a.bodyId = $kc OR "
                      "b.bodyId = $kc RETURN a.bodyId AS a, b.bodyId AS b, r.weight AS w, "
                      "r.roiInfo AS info", {"kc": KC})
    assert {(g["a"], g["b"]): (g["w"], json.loads(g["info"])) for g in got} == exp
    assert len(got) > len(t.groupby(["bodyId_pre", "bodyId_post"]))  # synapses add partners
    # non-primary ROIs and T-bar counts are there, as in neuPrint
    infos = [json.loads(g["info"]) for g in got]
    assert any("MB(R)" in i for i in infos)
    assert any("pre" in c for i in infos for c in i.values())


def test_version_conflict_is_reported(loaded, bundle_dir):
    """Synapse pairs (v1.1) and per-ROI tables (v1.2.1) disagree on one KC
    (partner, ROI): the table's weight is kept and the disagreement listed."""
    key = ["bodyId_pre", "bodyId_post", "roi"]
    both = table_rows(bundle_dir).merge(synapse_roi_rows(bundle_dir), on=key,
                                        suffixes=("", "_syn"))
    differ = both[both["weight"] != both["weight_syn"]]
    assert len(differ) >= 1
    assert ((differ.bodyId_pre == KC) | (differ.bodyId_post == KC)).all()
    found = [c for c in loaded.conflicts if c.table == "roi_connections"
             and "synapses" in Path(c.overridden_from).as_posix()]
    assert sum(c.count for c in found) == len(differ)
    examples = {e["key"]: (e["kept"], e["dropped"]) for c in found for e in c.examples}
    for r in differ.itertuples():
        assert examples[f"{r.bodyId_pre}->{r.bodyId_post} {r.roi}"] == (r.weight, r.weight_syn)
        kept_file = next(c.kept_from for c in found if any(
            e["key"] == f"{r.bodyId_pre}->{r.bodyId_post} {r.roi}" for e in c.examples))
        assert Path(kept_file).as_posix().endswith(r.file)
    assert any("synapses" in c.describe() for c in found)


def test_every_conflict_is_listed(loaded, bundle_dir, tmp_path):
    """The summary shows five examples per conflict; conflict_table() and
    ``load --conflicts FILE`` list every disagreeing value."""
    table = loaded.conflict_table()
    assert list(table.columns) == ["table", "column", "key", "kept", "dropped", "kept_from",
                                   "overridden_from"]
    assert len(table) == sum(c.count for c in loaded.conflicts) > 0
    key = ["bodyId_pre", "bodyId_post", "roi"]
    both = table_rows(bundle_dir).merge(synapse_roi_rows(bundle_dir), on=key,
                                        suffixes=("", "_syn"))
    differ = both[both["weight"] != both["weight_syn"]]
    got = table[(table["table"] == "roi_connections")
                & table["overridden_from"].str.contains("synapses")]
    assert sorted(zip(got["key"], got["kept"], got["dropped"])) == sorted(
        (f"{r.bodyId_pre}->{r.bodyId_post} {r.roi}", int(r.weight), int(r.weight_syn))
        for r in differ.itertuples())
    from click.testing import CliRunner

    from connectograph.cli import main
    out = tmp_path / "conflicts.csv"
    result = CliRunner().invoke(main, ["load", str(RECIPE), "--data-dir", str(bundle_dir),
                                       "--check", "--conflicts", str(out)])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(written) == len(table)
    assert f"{len(table):,} conflicting values written to" in result.stdout
    assert sorted(written["key"]) == sorted(table["key"].astype(str))


# --- ROI meshes ------------------------------------------------------------------------------

def test_meshes_are_in_voxel_space(bundle_dir):
    """Synapses whose source names a mesh's ROI lie inside that mesh (8 nm voxels)."""
    pts = points(bundle_dir)
    ms = meshes(bundle_dir)
    checked = 0
    for roi in ("CA(R)", "PED(R)", "aL(R)", "bL(R)"):
        sel = pts[pts["roi"] == roi][["x", "y", "z"]].to_numpy(dtype=float)
        inside = RayMeshIntersector(ms[roi]).contains_points(sel[:150])
        assert inside.mean() > 0.9, roi
        checked += 1
    assert checked == 4


def test_mesh_assignment(client, loaded, bundle_dir):
    hits = mesh_hits(bundle_dir)
    inside = hits.any(axis=1)
    assert len(hits) == loaded.counts["synapses without a source ROI"] > 0
    assert loaded.counts["synapses placed by ROI meshes"] == int(inside.sum())
    assert loaded.counts["synapses outside every ROI mesh"] == int((~inside).sum())
    assert any("outside every mesh" in w for w in loaded.warnings)
    # the graph holds exactly those ROIs (plus ancestors) on those sites
    pts = points(bundle_dir).loc[hits.index]
    sets = roi_sets(bundle_dir)
    got = graph_sites(client)
    by_key = dict(zip(_key(got), got["rois"]))
    for i, k in zip(pts.index, _key(pts)):
        assert set(by_key[k]) == set(sets[i])


# The reload with one synapse writer is checked in test_load_hemibrain.py
# (test_reload_with_synapses_is_identical), by the same reload as the bodies'.
