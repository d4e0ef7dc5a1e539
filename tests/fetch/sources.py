"""Independent expectations for the fetch tests, computed with pandas straight
from the bundle's CSV files (the recipe's table list read with tomllib), never
from connectograph's query code."""

from __future__ import annotations

import json
import tomllib
from functools import cache
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[2]
RECIPE = REPO / "loaders" / "hemibrain-mb.toml"
DATASET = "hemibrain-mb:v1.2.1"
SEG = f"`{DATASET}_Segment`"
NEURON = f"`{DATASET}_Neuron`"

MBON14 = (300972942, 5813068729)     # the two MBON14 bodies (perc_MBON_df3.csv)
MBON11, MBON22 = 424767514, 5813042659   # two MBONs sharing many KC inputs
PN = 635062078                       # DP1m_adPN, a uniglomerular PN
# The Kenyon cell whose synapse-level partners the recipe also loads: synapse
# counts can add (pair, ROI) cells to its connections and connect it to other
# KCs, so connection-level comparisons with the CSV tables leave its pairs out.
SYNAPSE_KC = 5813078552


@cache
def synapse_partners(bundle: Path) -> frozenset[int]:
    """:data:`SYNAPSE_KC` and every body in the recipe's synapse-partner files."""
    ids = {SYNAPSE_KC}
    for src in recipe().get("synapses", []):
        if src.get("kind") == "synapse_connections":
            df = csv(bundle, src["file"])
            cols = src["columns"]
            for side in ("bodyId_pre", "bodyId_post"):
                ids |= set(df[cols[side]].dropna().astype("int64"))
    return frozenset(ids)


def without_kc(df: pd.DataFrame, cols=("bodyId_pre", "bodyId_post")) -> pd.DataFrame:
    """``df`` without rows touching :data:`SYNAPSE_KC`, index reset."""
    keep = ~df[list(cols)].isin([SYNAPSE_KC]).any(axis=1)
    return df[keep].reset_index(drop=True)


@cache
def recipe() -> dict:
    return tomllib.loads(RECIPE.read_text())


def csv(bundle: Path, rel: str) -> pd.DataFrame:
    return pd.read_csv(bundle / rel, keep_default_na=False, na_values=[""])


@cache
def neurons(bundle: Path) -> pd.DataFrame:
    """Every neuron table merged cell by cell, the first table of the recipe
    that has a value winning; indexed by bodyId. roiInfo stays a JSON string."""
    merged = None
    for src in recipe()["neurons"]:
        df = csv(bundle, src["file"])
        df = df.rename(columns={v: k for k, v in src.get("columns", {}).items()})
        df = df.drop(columns=[c for c in src.get("drop", []) if c in df.columns])
        df = df.drop_duplicates("bodyId").set_index("bodyId")
        merged = df if merged is None else merged.combine_first(df)
    merged.index = merged.index.astype("int64")
    return merged


@cache
def roi_conns(bundle: Path) -> pd.DataFrame:
    """Per-ROI connection rows (NotPrimary included), one per (pre, post, roi),
    the first table of the recipe winning."""
    frames = [csv(bundle, s["file"])[["bodyId_pre", "bodyId_post", "roi", "weight"]]
              .assign(_order=i) for i, s in enumerate(recipe()["roi_connections"])]
    rows = pd.concat(frames, ignore_index=True).sort_values("_order", kind="stable")
    rows = rows.drop_duplicates(["bodyId_pre", "bodyId_post", "roi"]).drop(columns="_order")
    return rows.astype({"bodyId_pre": "int64", "bodyId_post": "int64", "roi": object,
                        "weight": "int64"}).reset_index(drop=True)


@cache
def pair_weights(bundle: Path) -> pd.DataFrame:
    """``bodyId_pre, bodyId_post, weight`` (sum of a pair's per-ROI rows) and
    ``conn_roiInfo`` ({roi: {"post": w}} without NotPrimary)."""
    rows = roi_conns(bundle)
    total = rows.groupby(["bodyId_pre", "bodyId_post"], as_index=False)["weight"].sum()
    info: dict = {}
    for a, b, roi, w in rows[["bodyId_pre", "bodyId_post", "roi", "weight"]].itertuples(
            index=False, name=None):
        d = info.setdefault((a, b), {})
        if roi != "NotPrimary":
            d[roi] = {"post": int(w)}
    total["conn_roiInfo"] = [info[(a, b)] for a, b in zip(total.bodyId_pre, total.bodyId_post)]
    return total


@cache
def roi_json(bundle: Path) -> dict:
    return json.loads((bundle / recipe()["rois"]["info"]).read_text())


def primary_rois(bundle: Path) -> list[str]:
    return sorted(k for k, v in roi_json(bundle).items() if v.get("isPrimary"))


def prop(bundle: Path, body: int, name: str):
    """A merged property value, None when missing."""
    df = neurons(bundle)
    if body not in df.index or name not in df.columns:
        return None
    v = df.at[body, name]
    return None if pd.isna(v) else v


def bodies_of_type(bundle: Path, pattern: str) -> list[int]:
    t = neurons(bundle)["type"].dropna()
    return sorted(int(b) for b in t.index[t.str.fullmatch(pattern)])
