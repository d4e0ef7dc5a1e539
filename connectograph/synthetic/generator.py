"""Deterministic synthetic connectomes, written as the canonical tables a recipe loads.

:func:`generate` writes, into one folder::

    neurons.csv                      one row per body (the recipe's [[neurons]])
    roi_connections/part-NNNN.csv    bodyId_pre, bodyId_post, roi, weight ([[roi_connections]])
    rois/roiInfo.json, rois/roiHierarchy.json   ROI definitions ([rois])
    skeletons/<bodyId>.swc           a few fragmented skeletons ([[skeletons]])
    synapses/points-NNNN.csv         optional: synapseId, bodyId, type, x, y, z, confidence, roi
    synapses/partners-NNNN.csv       optional: pre_id, post_id
    recipe.toml                      loads the folder: ``connectograph load recipe.toml``
    manifest.json                    what was written (counts, seed, files)

Synapse tables (an extra stage, ``synapses=True``): ``points`` has one row per
synapse site: ``synapseId`` (int64, unique in the dataset), ``bodyId`` (int64),
``type`` (``pre`` = T-bar, ``post`` = PSD), ``x, y, z`` (int64, 8 nm voxels),
``confidence`` (float, 0-1), ``roi`` (primary ROI name; empty outside every
primary ROI, i.e. neuPrint's NotPrimary). ``partners`` has one row per synapse
pair: ``pre_id`` (a T-bar's synapseId), ``post_id`` (a PSD's synapseId). They are
consistent with the other tables: each PSD is in exactly one pair, the pairs of
a body pair number its connection weight, and a body's T-bars number its ``pre``.
The recipe lists them only with ``load_synapses=True`` (else a comment names the files).

The model (the distributions come from :mod:`.calibration`):

1. Bodies: ``n`` bodies, a fraction with outputs (out-degree drawn from the
   real partners-per-neuron distribution) and a fraction with inputs (an
   in-propensity drawn from the real in-degree distribution). Each body has a
   set of primary ROIs (size from ROIs-per-neuron, capped at 8, names drawn by
   ROI occupancy without replacement); the first is its home ROI. Cell types are
   runs of bodies sorted by home ROI, with real types-per-size counts.
2. Connections, body by body: targets chosen with probability proportional to
   in-propensity, 80 % among bodies of the same home ROI; repeated targets and
   self-loops dropped. Weights from the real per-pair weight distribution; the
   last connection is cut so that the weights sum to exactly the requested number
   of synapse pairs (bodies after it have no outputs).
3. ROIs of a connection: 1 to 7 (real distribution, at most the body's set),
   consecutive in the upstream body's set, the weight split among them
   multinomially with Dirichlet(1) shares (empty parts dropped).
4. T-bars: a body's PSDs in one ROI, shuffled, are grouped into T-bars with the
   real PSDs-per-T-bar distribution; ``pre`` counts T-bars.
5. Neuron properties: ``post = upstream`` = incoming weight, ``downstream`` =
   outgoing weight, ``pre`` = T-bars, ``roiInfo`` per ROI with the parent ROIs
   summed from their children; status, soma and cropped by the real fractions.

Everything is derived from ``seed`` with one random stream per block of
:data:`BLOCK_BODIES` bodies, so output does not depend on memory settings, and
memory is bounded by the block, not the dataset (apart from a few numbers per
body and ROI).

This data is for speed and scale only: correctness tests use the real bundle.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import SyntheticDataError
from ..identifiers import DatasetName
from ..vocabulary import NOT_PRIMARY, ROUGHLY_TRACED, TRACED
from .calibration import Distribution, load_calibration
from .skeletons import synthetic_skeleton

#: Bodies per generation block (one random stream each).
BLOCK_BODIES = 2048
#: Largest ROI set of a body.
MAX_ROIS_PER_BODY = 8
#: Share of a body's targets chosen among bodies with the same home ROI.
LOCAL_TARGET_SHARE = 0.8
#: Named sizes (synapse pairs).
SIZES = {"smoke": 20_000, "100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}
#: Spread of synapse locations around an ROI's centre (voxels).
ROI_SPREAD = 1500.0
#: Hemibrain-like extent for ROI centres (voxels).
EXTENT = np.array([34000.0, 40000.0, 40000.0])


def parse_size(size: str | int) -> int:
    """Synapse pairs for a size given as a name (``smoke``, ``100k``, ``1M``,
    ``10M``), a number with a ``k``/``M`` suffix, or an int.

    Raises
    ------
    SyntheticDataError
        Unreadable or non-positive size.
    """
    if isinstance(size, (int, np.integer)):
        value = int(size)
    else:
        text = str(size).strip()
        if text in SIZES:
            return SIZES[text]
        scale = {"k": 1_000, "K": 1_000, "M": 1_000_000, "G": 1_000_000_000}.get(text[-1:], 1)
        try:
            value = int(float(text[:-1] if scale > 1 else text) * scale)
        except ValueError:
            raise SyntheticDataError(
                f"size {size!r} is not a number of synapse pairs; use e.g. 100k, 1M, "
                f"250000 or one of {', '.join(SIZES)}") from None
    if value < 1000:
        raise SyntheticDataError(f"size {size!r}: at least 1000 synapse pairs, please")
    return value


def size_label(n: int) -> str:
    """Short label of a size, e.g. ``1M``, ``100k``, ``20k``."""
    for name, value in SIZES.items():
        if value == n and name != "smoke":
            return name
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


@dataclass
class GeneratedDataset:
    """What :func:`generate` wrote.

    Attributes
    ----------
    folder : Path
        The output folder.
    recipe : Path
        ``recipe.toml`` in it.
    dataset : str
        ``name:tag`` of the recipe.
    manifest : dict
        Counts (``bodies``, ``neurons_with_outputs``, ``connections``,
        ``roi_connection_rows``, ``synapse_pairs``, ``tbars``, ``psds``,
        ``skeletons``, ``synapse_points``), settings and files; also in
        ``manifest.json``.
    """

    folder: Path
    recipe: Path
    dataset: str
    manifest: dict = field(default_factory=dict)


class _RollingCsv:
    """CSV parts of at most ``rows_per_file`` rows, written with pyarrow."""

    def __init__(self, folder: Path, stem: str, schema: pa.Schema, rows_per_file: int):
        self.folder, self.stem, self.schema = folder, stem, schema
        self.rows_per_file = rows_per_file
        self.files: list[Path] = []
        self.rows = 0
        self._writer = None
        self._in_file = 0

    def write(self, table: pa.Table) -> None:
        start = 0
        while start < table.num_rows:
            if self._writer is None or self._in_file >= self.rows_per_file:
                self._open()
            take = min(self.rows_per_file - self._in_file, table.num_rows - start)
            self._writer.write_table(table.slice(start, take))
            self._in_file += take
            self.rows += take
            start += take

    def _open(self) -> None:
        self.close()
        path = self.folder / f"{self.stem}-{len(self.files):04d}.csv"
        self.files.append(path)
        self._writer = pacsv.CSVWriter(path, self.schema)
        self._in_file = 0

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


@dataclass
class _Model:
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


def _draw_model(cal: dict, n: int, rng: np.random.Generator) -> _Model:
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
    return _Model(n=n, body_ids=body_ids, out_degree=out_degree, in_weight=in_weight,
                  roi_sets=roi_sets, roi_set_size=k, home_pools=pools,
                  global_cdf=np.cumsum(in_weight), slots=slots)


def _pick(cdf: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
    return np.minimum(np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right"),
                      len(cdf) - 1)


def _block_connections(m: _Model, cal: dict, lo: int, hi: int, rng: np.random.Generator,
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


def _split_rois(m: _Model, cal: dict, pre, post, weight, rng):
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


def _tbars(cal: dict, pre, slot, weight, n_slots: int, rng):
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


def _roi_tree(cal: dict, primary: list[str]) -> tuple[list[str], np.ndarray]:
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


def _hierarchy(cal: dict, names: list[str]) -> dict:
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


def _toml_str(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def _write_recipe(path: Path, ds: DatasetName, folder: Path, conn_files: list[Path],
                  synapse_files: dict[str, list[Path]], has_skeletons: bool, seed: int,
                  pairs: int, load_synapses: bool) -> None:
    rel = lambda p: p.relative_to(folder).as_posix()  # noqa: E731
    lines = [
        "# Synthetic connectome written by connectograph.synthetic.generate",
        f"# (seed {seed}, {pairs:,} synapse pairs). For speed and scale tests only.",
        "",
        "[dataset]",
        f"name = {_toml_str(ds.name)}",
        f"tag = {_toml_str(ds.tag)}",
        f"description = {_toml_str(f'Synthetic connectome shaped like hemibrain-mb: seed {seed}, {pairs} synapse pairs')}",
        f"data_dir = {_toml_str(str(folder.resolve()))}",
        "voxel_size = 8.0",
        'voxel_units = "nanometers"',
        "",
        "[rois]",
        'info = "rois/roiInfo.json"',
        'hierarchy = "rois/roiHierarchy.json"',
        "",
        "[[neurons]]",
        'file = "neurons.csv"',
        'version = "synthetic"',
        "",
    ]
    for f in conn_files:
        lines += ["[[roi_connections]]", f"file = {_toml_str(rel(f))}", ""]
    if has_skeletons:
        lines += ["[[skeletons]]", 'folder = "skeletons"', 'format = "swc"', ""]
    if synapse_files.get("points") and load_synapses:
        for f in synapse_files["points"]:
            lines += ["[[synapses]]", 'kind = "points"', f"file = {_toml_str(rel(f))}",
                      'columns = { id = "synapseId" }', ""]
        for f in synapse_files["partners"]:
            lines += ["[[synapse_partners]]", f"file = {_toml_str(rel(f))}", ""]
    elif synapse_files.get("points"):
        lines.append("# Synapse tables (not loaded by this recipe; generate(load_synapses=True)):")
        lines += [f"#   points:   {rel(f)}" for f in synapse_files["points"]]
        lines += [f"#   partners: {rel(f)}" for f in synapse_files["partners"]]
    path.write_text("\n".join(lines) + "\n")


def _connections_pass(cal, folder, n, pairs, seed, rng0, synapses, rows_per_file, echo):
    """Draw the bodies and write the connection (and synapse) tables; return the
    per-body, per-ROI sums and counts."""
    for sub in ("roi_connections", "synapses"):
        for old in (folder / sub).iterdir():
            old.unlink()
    m = _draw_model(cal, n, rng0)
    primary = m.slots[:-1]
    n_slots = len(m.slots)
    roi_names, contains = _roi_tree(cal, primary)

    down = np.zeros(n * n_slots, dtype=np.int64)
    up = np.zeros(n * n_slots, dtype=np.int64)
    tbars = np.zeros(n * n_slots, dtype=np.int64)
    conn_schema = pa.schema([("bodyId_pre", pa.int64()), ("bodyId_post", pa.int64()),
                             ("roi", pa.string()), ("weight", pa.int64())])
    conn_out = _RollingCsv(folder / "roi_connections", "part", conn_schema, rows_per_file)
    point_out = partner_out = None
    if synapses:
        point_out = _RollingCsv(folder / "synapses", "points", pa.schema([
            ("synapseId", pa.int64()), ("bodyId", pa.int64()), ("type", pa.string()),
            ("x", pa.int64()), ("y", pa.int64()), ("z", pa.int64()),
            ("confidence", pa.float64()), ("roi", pa.string())]), rows_per_file)
        partner_out = _RollingCsv(folder / "synapses", "partners", pa.schema([
            ("pre_id", pa.int64()), ("post_id", pa.int64())]), rows_per_file)
        centres = rng0.uniform(0.15, 0.85, size=(n_slots, 3)) * EXTENT
    slot_names = np.array(m.slots[:-1] + [""], dtype=object)
    conn_slot_names = np.array(m.slots, dtype=object)

    written = n_connections = next_synapse = 0
    with_outputs = 0
    for block, lo in enumerate(range(0, n, BLOCK_BODIES)):
        if written >= pairs:
            break
        hi = min(n, lo + BLOCK_BODIES)
        rng = np.random.default_rng([seed, 1, block])
        pre, post, weight = _block_connections(m, cal, lo, hi, rng, pairs - written)
        written += int(weight.sum())
        n_connections += len(pre)
        with_outputs += len(np.unique(pre))
        rpre, rpost, rslot, rw = _split_rois(m, cal, pre, post, weight, rng)
        conn_out.write(pa.table({
            "bodyId_pre": m.body_ids[rpre], "bodyId_post": m.body_ids[rpost],
            "roi": pa.array(conn_slot_names[rslot].tolist(), pa.string()), "weight": rw},
            schema=conn_schema))
        down += np.bincount(rpre * n_slots + rslot, weights=rw, minlength=n * n_slots).astype(np.int64)
        up += np.bincount(rpost * n_slots + rslot, weights=rw, minlength=n * n_slots).astype(np.int64)
        order, tbar_of_psd, tbar_group = _tbars(cal, rpre, rslot, rw, n_slots, rng)
        tbars += np.bincount(tbar_group, minlength=n * n_slots)
        if synapses:
            n_t, n_p = len(tbar_group), len(order)
            srng = np.random.default_rng([seed, 2, block])
            t_slot = tbar_group % n_slots
            t_xyz = centres[t_slot] + srng.normal(scale=ROI_SPREAD, size=(n_t, 3))
            direction = srng.normal(size=(n_p, 3))
            direction /= np.linalg.norm(direction, axis=1, keepdims=True)
            dist = Distribution(cal["tbar_psd_distance"]).sample(srng, n_p)
            p_xyz = t_xyz[tbar_of_psd] + direction * dist[:, None]
            t_ids = next_synapse + np.arange(n_t, dtype=np.int64)
            p_ids = next_synapse + n_t + np.arange(n_p, dtype=np.int64)
            next_synapse += n_t + n_p
            psd_body = np.repeat(rpost, rw)[order]
            conf_pre = np.clip(Distribution(cal["confidence_pre"]).sample(srng, n_t), 0, 1)
            conf_post = np.clip(Distribution(cal["confidence_post"]).sample(srng, n_p), 0, 1)
            for ids, bodies, kind, xyz, conf, slot in (
                    (t_ids, m.body_ids[tbar_group // n_slots], "pre", t_xyz, conf_pre, t_slot),
                    (p_ids, m.body_ids[psd_body], "post", p_xyz, conf_post, t_slot[tbar_of_psd])):
                xyz = np.rint(xyz).astype(np.int64)
                point_out.write(pa.table({
                    "synapseId": ids, "bodyId": bodies,
                    "type": pa.array([kind] * len(ids), pa.string()),
                    "x": xyz[:, 0], "y": xyz[:, 1], "z": xyz[:, 2],
                    "confidence": np.round(conf, 3),
                    "roi": pa.array(slot_names[slot].tolist(), pa.string())},
                    schema=point_out.schema))
            partner_out.write(pa.table({"pre_id": t_ids[tbar_of_psd], "post_id": p_ids},
                                       schema=partner_out.schema))
        echo(f"  bodies {hi:,}/{n:,}: {written:,}/{pairs:,} synapse pairs")
    conn_out.close()
    if synapses:
        point_out.close()
        partner_out.close()

    return {"model": m, "n_slots": n_slots, "roi_names": roi_names, "contains": contains,
            "down": down, "up": up, "tbars": tbars, "conn_out": conn_out,
            "point_out": point_out, "partner_out": partner_out, "written": written,
            "connections": n_connections, "with_outputs": with_outputs}


def generate(out_dir: str | os.PathLike, synapse_pairs: int | str, *, seed: int = 0,
             dataset: str | None = None, synapses: bool = False, skeletons: int = 10,
             load_synapses: bool = False, rows_per_file: int = 2_000_000,
             calibration: dict | None = None, echo=lambda s: None) -> GeneratedDataset:
    """Write a synthetic connectome of ``synapse_pairs`` synapse pairs.

    Parameters
    ----------
    out_dir : path
        Output folder (created; files of an earlier run are overwritten).
    synapse_pairs : int or str
        Total PSDs with a known partner = sum of connection weights, exactly.
        Also ``"smoke"`` (20k), ``"100k"``, ``"1M"``, ``"10M"`` (see :func:`parse_size`).
    seed : int
        Same seed and size → byte-identical files.
    dataset : str, optional
        ``name:tag`` of the recipe (default ``synthetic:<size>-s<seed>``).
    synapses : bool
        Also write the synapse point and partner tables (see module docstring).
    load_synapses : bool
        List the synapse tables in the recipe (``[[synapses]]`` of kind
        ``points`` with ``id = "synapseId"``, and ``[[synapse_partners]]``);
        otherwise they are only named in a comment.
    skeletons : int
        Number of bodies given a fragmented skeleton (node and fragment counts
        from the real skeletons).
    rows_per_file : int
        Rows per CSV part.
    calibration : dict, optional
        Default: the shipped calibration (:func:`.calibration.load_calibration`).
    echo : callable
        Receives progress messages.

    Returns
    -------
    GeneratedDataset
        ``manifest["bodies"]`` counts the rows of ``neurons.csv``: bodies with at
        least one synapse (others are drawn but not written).

    Raises
    ------
    SyntheticDataError
        Bad size or dataset name.
    """
    pairs = parse_size(synapse_pairs)
    cal = calibration or load_calibration()
    try:
        ds = DatasetName.parse(dataset or f"synthetic:{size_label(pairs)}-s{seed}")
    except ValueError as err:
        raise SyntheticDataError(f"dataset name: {err}") from None
    folder = Path(out_dir)
    for sub in ("roi_connections", "rois", "skeletons", "synapses"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
        for old in (folder / sub).iterdir():
            old.unlink()

    rng0 = np.random.default_rng([seed, 0])
    mean_w = Distribution(cal["connection_weight"]).mean
    mean_out = Distribution(cal["out_degree"]).mean * cal["fractions"]["with_outputs"]
    margin = 1.15 if pairs >= 100_000 else 1.5
    n = max(50, math.ceil(margin * pairs / (mean_w * mean_out)))
    for _ in range(8):
        # Few bodies lose many targets as repeats; add bodies until the pairs fit.
        rng0 = np.random.default_rng([seed, 0, n])
        state = _connections_pass(cal, folder, n, pairs, seed, rng0, synapses, rows_per_file,
                                  echo)
        if state["written"] == pairs:
            break
        n = math.ceil(n * 1.2 * pairs / max(state["written"], 1))
    else:
        raise SyntheticDataError(f"could not place {pairs} synapse pairs (got "
                                 f"{state['written']}); try a larger size")
    m, n_slots, roi_names, contains = state["model"], state["n_slots"], state["roi_names"], \
        state["contains"]
    down, up, tbars = state["down"], state["up"], state["tbars"]
    conn_out, point_out, partner_out = state["conn_out"], state["point_out"], state["partner_out"]
    written, n_connections, with_outputs = state["written"], state["connections"], \
        state["with_outputs"]

    # Neuron table.
    shape = (n, n_slots)
    down, up, tbars = down.reshape(shape), up.reshape(shape), tbars.reshape(shape)
    np_ = n_slots - 1  # primary slots; the last is NotPrimary
    per_roi = {key: mat[:, :np_] @ contains.T for key, mat in
               (("pre", tbars), ("post", up), ("downstream", down), ("upstream", up))}
    neurons = _neuron_table(cal, m, rng0, per_roi, roi_names, tbars.sum(1), up.sum(1),
                            down.sum(1))
    neurons.to_csv(folder / "neurons.csv", index=False)
    written_bodies = len(neurons)

    # ROI definitions.
    defs = cal["rois"]
    info = {name: {"isPrimary": bool(defs[name]["isPrimary"]), "parent": defs[name]["parent"],
                   "description": defs[name]["description"], "showHierarchy": True,
                   "hasROI": True} for name in roi_names}
    (folder / "rois" / "roiInfo.json").write_text(json.dumps(info, indent=1, sort_keys=True))
    (folder / "rois" / "roiHierarchy.json").write_text(json.dumps(_hierarchy(cal, roi_names)))

    # Skeletons: evenly spaced bodies.
    skel_bodies = []
    if skeletons:
        from ..skeletons import skeleton_df_to_swc
        srng = np.random.default_rng([seed, 3])
        nodes = Distribution(cal["skeleton_nodes"]).sample(srng, skeletons)
        frags = Distribution(cal["skeleton_fragments"]).sample(srng, skeletons)
        written_ids = neurons["bodyId"].to_numpy()
        count = min(skeletons, len(written_ids))
        for i, idx in enumerate(np.linspace(0, len(written_ids) - 1, count).astype(int)):
            body = int(written_ids[idx])
            df = synthetic_skeleton(max(int(nodes[i]), 2), int(np.clip(frags[i], 1, nodes[i])),
                                    srng)
            skeleton_df_to_swc(df, folder / "skeletons" / f"{body}.swc")
            skel_bodies.append(body)

    synapse_files = ({"points": point_out.files, "partners": partner_out.files}
                     if synapses else {})
    recipe = folder / "recipe.toml"
    _write_recipe(recipe, ds, folder, conn_out.files, synapse_files, bool(skel_bodies),
                  seed, written, load_synapses)
    manifest = {
        "dataset": str(ds), "seed": seed, "requested_synapse_pairs": pairs,
        "calibration_source": cal.get("source", ""),
        "bodies": written_bodies, "neurons_with_outputs": with_outputs, "connections": n_connections,
        "roi_connection_rows": conn_out.rows, "synapse_pairs": written,
        "tbars": int(tbars.sum()), "psds": int(up.sum()),
        "skeletons": len(skel_bodies), "skeleton_bodies": skel_bodies,
        "synapse_points": point_out.rows if synapses else 0,
        "synapse_partner_rows": partner_out.rows if synapses else 0,
        "files": {"neurons": "neurons.csv",
                  "roi_connections": [f.relative_to(folder).as_posix() for f in conn_out.files],
                  **{k: [f.relative_to(folder).as_posix() for f in v]
                     for k, v in synapse_files.items()}},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return GeneratedDataset(folder=folder, recipe=recipe, dataset=str(ds), manifest=manifest)


def _neuron_table(cal, m: _Model, rng, per_roi, roi_names, pre, post, down) -> pd.DataFrame:
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
