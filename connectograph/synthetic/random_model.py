"""The random connectome model of :mod:`.generator`: what is drawn, body by body.

The bodies (out-degree, in-propensity, ROI set, home ROI), the connections of a
block of upstream bodies, the split of a connection's weight over its ROIs,
the grouping of PSDs into T-bars, the ROI tree above the primary ROIs, and
the neuron table (types, status, soma, cropped, counts and roiInfo). The
distributions come from :mod:`.calibration`; :mod:`.generator` describes the
model step by step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..vocabulary import NOT_PRIMARY, ROUGHLY_TRACED, TRACED
from .calibration import Distribution

#: Largest ROI set of a body.
MAX_ROIS_PER_BODY = 8
#: Share of a body's targets chosen among bodies with the same home ROI.
LOCAL_TARGET_SHARE = 0.8
#: Hemibrain-like extent for ROI centres (voxels).
EXTENT = np.array([34000.0, 40000.0, 40000.0])


@dataclass
class Model:
    """Per-body quantities fixed before the connections are drawn."""

    n: int
    body_ids: np.ndarray          # int64 [n], sorted
    out_degree: np.ndarray        # int64 [n]
    in_weight: np.ndarray         # float [n]
    roi_sets: np.ndarray          # int64 [n, MAX]: indices into slots
    roi_set_size: np.ndarray      # int64 [n]
    home_pools: dict              # home slot -> (members, cdf)
    global_cdf: np.ndarray
    slots: list[str]              # primary ROIs then NotPrimary


def draw_model(cal: dict, n: int, rng: np.random.Generator) -> Model:
    frac = cal["fractions"]
    occupancy = cal["roi_occupancy"]
    primary = sorted(k for k in occupancy if k != NOT_PRIMARY)
    slots = primary + [NOT_PRIMARY]
    p = np.array([occupancy[s] for s in slots], dtype=float)
    p /= p.sum()
    body_ids = 200_000_000 + np.cumsum(rng.integers(1, 20_000, n)).astype(np.int64)
    has_out = rng.random(n) < frac["with_outputs"]
    out_degree = np.where(has_out, Distribution(cal["out_degree"]).sample(rng, n), 0)
    out_degree = np.clip(out_degree, 0, n - 1)
    has_in = rng.random(n) < frac["with_inputs"]
    in_weight = np.where(has_in, Distribution(cal["in_degree"]).sample(rng, n), 0).astype(float)
    if in_weight.sum() == 0:
        in_weight[:] = 1.0
    k = np.clip(Distribution(cal["rois_per_neuron"]).sample(rng, n), 1,
                min(MAX_ROIS_PER_BODY, len(slots)))
    # Weighted sampling without replacement: the top keys of log(p) + Gumbel noise.
    keys = np.log(p)[None, :] + rng.gumbel(size=(n, len(slots)))
    roi_sets = np.argsort(-keys, axis=1)[:, :MAX_ROIS_PER_BODY].astype(np.int64)
    home = roi_sets[:, 0]
    pools = {}
    for h in np.unique(home):
        members = np.flatnonzero((home == h) & (in_weight > 0))
        if len(members):
            pools[int(h)] = (members, np.cumsum(in_weight[members]))
    return Model(n=n, body_ids=body_ids, out_degree=out_degree, in_weight=in_weight,
                  roi_sets=roi_sets, roi_set_size=k, home_pools=pools,
                  global_cdf=np.cumsum(in_weight), slots=slots)


def _pick(cdf: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
    return np.minimum(np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right"),
                      len(cdf) - 1)


def block_connections(m: Model, cal: dict, lo: int, hi: int, rng: np.random.Generator,
                       budget: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Connections of upstream bodies lo..hi-1: (pre, post, weight) index arrays,
    weights summing to at most ``budget``."""
    deg = m.out_degree[lo:hi]
    owner = np.repeat(np.arange(lo, hi), deg)
    target = _pick(m.global_cdf, rng, len(owner))
    local = rng.random(len(owner)) < LOCAL_TARGET_SHARE
    home = m.roi_sets[owner, 0]
    for h in np.unique(home[local]):
        pool = m.home_pools.get(int(h))
        sel = np.flatnonzero(local & (home == h))
        if pool is not None:
            target[sel] = pool[0][_pick(pool[1], rng, len(sel))]
    keep = owner != target
    key = np.unique(owner[keep] * m.n + target[keep])
    pre, post = key // m.n, key % m.n
    weight = np.maximum(Distribution(cal["connection_weight"]).sample(rng, len(pre)), 1)
    total = np.cumsum(weight)
    if len(total) and total[-1] > budget:
        cut = int(np.searchsorted(total, budget, side="left"))
        pre, post, weight = pre[:cut + 1], post[:cut + 1], weight[:cut + 1].copy()
        weight[cut] -= int(total[cut] - budget)
        if weight[cut] <= 0:
            pre, post, weight = pre[:cut], post[:cut], weight[:cut]
    return pre, post, weight


def split_rois(m: Model, cal: dict, pre, post, weight, rng):
    """Per-ROI rows (pre, post, slot, weight) of the connections."""
    k = m.roi_set_size[pre]
    r = np.minimum(Distribution(cal["rois_per_connection"]).sample(rng, len(pre)), k)
    same_home = m.roi_sets[post, 0] == m.roi_sets[pre, 0]
    first = np.where(same_home, 0, (rng.random(len(pre)) * k).astype(np.int64))
    out = []
    for j in np.unique(r):
        sel = np.flatnonzero(r == j)
        offsets = (first[sel, None] + np.arange(j)[None, :]) % k[sel, None]
        slots = m.roi_sets[pre[sel, None], offsets]
        if j == 1:
            parts = weight[sel, None]
        else:
            shares = rng.dirichlet(np.ones(j), size=len(sel))
            parts = rng.multinomial(weight[sel], shares)
        nz = parts > 0
        out.append((np.broadcast_to(pre[sel, None], parts.shape)[nz],
                    np.broadcast_to(post[sel, None], parts.shape)[nz], slots[nz], parts[nz]))
    if not out:
        e = np.zeros(0, dtype=np.int64)
        return e, e, e, e
    cols = [np.concatenate([o[i] for o in out]).astype(np.int64) for i in range(4)]
    order = np.lexsort((cols[2], cols[1], cols[0]))
    return tuple(c[order] for c in cols)


def group_tbars(cal: dict, pre, slot, weight, n_slots: int, rng):
    """Group each body's PSDs per ROI into T-bars.

    Returns (psd_order, tbar_of_psd, tbar_group) where psd_order permutes the
    PSDs expanded from the rows (row-major), tbar_of_psd gives each permuted PSD
    its T-bar index, and tbar_group the (pre * n_slots + slot) of each T-bar."""
    n_psd = int(weight.sum())
    group = np.repeat(pre * n_slots + slot, weight)
    order = np.lexsort((rng.random(n_psd), group))
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if n_psd else np.zeros(0, np.int64)
    fan = Distribution(cal["psds_per_tbar"])
    cuts = [np.zeros(0, dtype=np.int64)]
    reached = 0
    while reached < n_psd:
        more = np.maximum(fan.sample(rng, max(16, int(1.2 * (n_psd - reached) / fan.mean) + 16)), 1)
        c = reached + np.cumsum(more)
        cuts.append(c[c < n_psd])
        reached = int(c[-1])
    bounds = np.union1d(np.concatenate(cuts), starts)
    tbar_of_psd = np.searchsorted(bounds, np.arange(n_psd), side="right") - 1
    return order, tbar_of_psd, g[bounds] if n_psd else np.zeros(0, np.int64)


def roi_tree(cal: dict, primary: list[str]) -> tuple[list[str], np.ndarray]:
    """All ROI names (primary first, then ancestors) and the 0/1 matrix
    [all, primary] saying which primary ROIs each ROI contains."""
    defs = cal["rois"]
    names = list(primary)
    for name in primary:
        parent = defs.get(name, {}).get("parent")
        # The whole-brain root (no parent) is the hierarchy's root, not an ROI.
        while parent and defs.get(parent, {}).get("parent") and parent not in names:
            names.append(parent)
            parent = defs[parent].get("parent")
    contains = np.zeros((len(names), len(primary)), dtype=np.int64)
    index = {n: i for i, n in enumerate(names)}
    for j, name in enumerate(primary):
        node = name
        while node in index:
            contains[index[node], j] = 1
            node = defs.get(node, {}).get("parent")
    return names, contains


def roi_hierarchy(cal: dict, names: list[str]) -> dict:
    defs = cal["rois"]
    children: dict[str, list[str]] = {}
    for name in names:
        parent = defs.get(name, {}).get("parent") or ""
        children.setdefault(parent if parent in names else "", []).append(name)

    def node(name: str) -> dict:
        out: dict = {"name": name}
        if name in children:
            out["children"] = [node(c) for c in sorted(children[name])]
        return out
    roots = {defs.get(c, {}).get("parent") for c in children.get("", [])} - {None, ""}
    root = roots.pop() if len(roots) == 1 else "synthetic"
    return {"name": root, "children": [node(c) for c in sorted(children.get("", []))]}


def neuron_table(cal, m: Model, rng, per_roi, roi_names, pre, post, down) -> pd.DataFrame:
    n = m.n
    frac = cal["fractions"]
    # Cell types: runs of bodies sorted by home ROI, sizes from the real distribution.
    typed = rng.random(n) < frac["typed"]
    order = np.flatnonzero(typed)[np.argsort(m.roi_sets[typed, 0], kind="stable")]
    sizes = Distribution(cal["neurons_per_type"]).sample(rng, len(order) + 1)
    type_of = np.full(n, -1, dtype=np.int64)
    bounds = np.cumsum(np.maximum(sizes, 1))
    type_of[order] = np.searchsorted(bounds, np.arange(len(order)), side="right")
    type_names = np.array([f"ST{t:05d}" if t >= 0 else None for t in type_of], dtype=object)
    soma = rng.random(n) < frac["soma"]
    soma_xyz = np.rint(rng.uniform(0.1, 0.9, size=(n, 3)) * EXTENT).astype(np.int64)
    cropped = rng.random(n) < frac["cropped"]
    traced = rng.random(n) < frac["traced"]

    keys = ("pre", "post", "downstream", "upstream")
    mats = [per_roi[k] for k in keys]
    nz_rows, nz_cols = np.nonzero(sum(mats))
    roi_info: list[dict] = [dict() for _ in range(n)]
    values = np.stack([mat[nz_rows, nz_cols] for mat in mats], axis=1).tolist()
    for r, c, vals in zip(nz_rows.tolist(), nz_cols.tolist(), values):
        roi_info[r][roi_names[c]] = {k: v for k, v in zip(keys, vals) if v}
    table = pd.DataFrame({
        "bodyId": m.body_ids,
        "type": type_names,
        "instance": [f"{t}_R" if t else None for t in type_names],
        "status": np.where(traced, TRACED, ROUGHLY_TRACED),
        "cropped": np.where(cropped, "True", "False"),
        "pre": pre, "post": post, "downstream": down, "upstream": post,
        "somaLocation": [f"{x},{y},{z}" if s else None
                         for s, (x, y, z) in zip(soma, soma_xyz.tolist())],
        "roiInfo": [json.dumps(dict(sorted(d.items())), sort_keys=True) for d in roi_info],
    })
    # Bodies without any synapse are not written (neuPrint has none either).
    return table[(pre + post + down) > 0].reset_index(drop=True)
