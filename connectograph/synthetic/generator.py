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
:data:`~.connection_tables.BLOCK_BODIES` bodies, so output does not depend on
memory settings, and memory is bounded by the block, not the dataset (apart
from a few numbers per body and ROI). The model's draws are in
:mod:`.random_model`, the block-by-block tables in :mod:`.connection_tables`.

This data is for speed and scale only: correctness tests use the real bundle.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import SyntheticDataError
from ..identifiers import DatasetName
from .calibration import Distribution, load_calibration
from .connection_tables import write_connection_tables
from .random_model import neuron_table, roi_hierarchy
from .skeletons import synthetic_skeleton

#: Named sizes (synapse pairs).
SIZES = {"smoke": 20_000, "100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}


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
        state = write_connection_tables(cal, folder, n, pairs, seed, rng0, synapses, rows_per_file,
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
    neurons = neuron_table(cal, m, rng0, per_roi, roi_names, tbars.sum(1), up.sum(1),
                            down.sum(1))
    neurons.to_csv(folder / "neurons.csv", index=False)
    written_bodies = len(neurons)

    # ROI definitions.
    defs = cal["rois"]
    info = {name: {"isPrimary": bool(defs[name]["isPrimary"]), "parent": defs[name]["parent"],
                   "description": defs[name]["description"], "showHierarchy": True,
                   "hasROI": True} for name in roi_names}
    (folder / "rois" / "roiInfo.json").write_text(json.dumps(info, indent=1, sort_keys=True))
    (folder / "rois" / "roiHierarchy.json").write_text(json.dumps(roi_hierarchy(cal, roi_names)))

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
