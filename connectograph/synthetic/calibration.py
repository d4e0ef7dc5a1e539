"""Calibration of the synthetic generator on the real hemibrain-mb bundle.

:func:`fit_calibration` reads the bundle and summarises the distributions the
generator draws from; the result ships as ``calibration.json`` beside this
module (:func:`load_calibration`), so generating data needs no bundle. A unit
test recomputes it from the bundle and compares.

What is fitted, and from which files (paths relative to the bundle):

=========================  ====================================================
``connection_weight``      PSDs per neuron pair (sum of the pair's per-ROI
                           rows), from the per-ROI connection tables the
                           ``hemibrain-mb`` recipe loads (first file wins for a
                           repeated pair and ROI, as the loader does)
``rois_per_connection``    per-ROI rows per pair (``NotPrimary`` included)
``roi_occupancy``          share of all PSDs per primary ROI and ``NotPrimary``
``out_degree``             downstream partners per body with outputs
``in_degree``              upstream partners per body with inputs
``rois_per_neuron``        primary ROIs with synapses per neuron (roiInfo of the
                           neuPrint neuron exports)
``neuron_pre``,            T-bars and PSDs per neuron
``neuron_post``            (``neurons/Supplemental_file5_hemibrain_meta.csv``)
``neurons_per_type``       bodies per cell type (same file)
``fractions``              typed, with soma, cropped (same file); Traced
                           status (neuPrint exports); bodies with outputs /
                           inputs among those in the connection tables
``synapses_per_connection``  synapse pairs per body pair (the Kenyon cell's
                           input and output pair tables)
``psds_per_tbar``          PSDs per T-bar (fan-out): the Kenyon cell's output
                           pairs grouped by T-bar location
``tbar_psd_distance``      T-bar to PSD distance, voxels (Kenyon-cell pairs)
``confidence_pre``,        detection confidence of T-bars and PSDs (DA1 PN
``confidence_post``        connector tables and Kenyon-cell pairs)
``skeleton_nodes``,        nodes and roots (fragments) per skeleton
``skeleton_fragments``     (``skeletons/upn-raw/*.swc`` and the Kenyon cell)
``rois``                   definitions (isPrimary, parent, description) of the
                           ROIs used and their ancestors (``rois/np_roiInfo.json``)
=========================  ====================================================

Each distribution is stored either as a probability mass function (``"pmf"``:
``values``, ``probs``) when it takes at most :data:`MAX_PMF_VALUES` distinct
integer values, or as 101 quantiles (``"quantiles"``: ``q`` at 0, 1, ..., 100 %)
sampled by inverse-CDF interpolation. Numbers are rounded to 6 significant
digits so the file is stable and small.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ValidationError
from ..vocabulary import NOT_PRIMARY, TRACED

#: Per-ROI connection tables loaded by the ``hemibrain-mb`` recipe, in its order.
CONNECTION_TABLES = (
    "neuprint-exports/perc_conn_MBON_df3.csv",
    "neuprint-exports/perc_conn_KCAPL_df.csv",
    "neuprint-exports/perc_conn_PAMKC_df.csv",
    "neuprint-exports/perc_conn_PPLKC_df.csv",
    "neuprint-exports/perc_conn_PNKC_df.csv",
    "neuprint-exports/olf_conn_PNKC_df.csv",
    "neuprint-exports/olf_conn_PNLH_df.csv",
)
#: neuPrint neuron exports with roiInfo and status.
NEURON_EXPORTS = (
    "neuprint-exports/perc_MBON_df3.csv",
    "neuprint-exports/perc_APL_df.csv",
    "neuprint-exports/perc_PAM_df.csv",
    "neuprint-exports/perc_PPL_df.csv",
    "neuprint-exports/perc_PNKC_df.csv",
    "neuprint-exports/olf_neuprint_PNallinrvt_df.csv",
)
NEURON_META = "neurons/Supplemental_file5_hemibrain_meta.csv"
KC_PAIRS = ("synapses/kc-5813078552/KCinputs1847.csv",
            "synapses/kc-5813078552/KCoutputs1847.csv")
KC_OUTPUTS = "synapses/kc-5813078552/KCoutputs1847.csv"
DA1_CONNECTORS = "synapses/da1-pn"
SKELETON_FOLDER = "skeletons/upn-raw"
KC_SKELETON = "skeletons/kc-5813078552/KCskel1847.csv"
ROI_INFO = "rois/np_roiInfo.json"

MAX_PMF_VALUES = 40
_QUANTILES = np.linspace(0.0, 1.0, 101)


def _round(x: float) -> float | int:
    """6 significant digits; integral values as int."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return 0 if x == 0 else x
    r = round(x, 5 - int(math.floor(math.log10(abs(x)))))
    return int(r) if float(r).is_integer() else r


def summarise(values, *, integer: bool = True) -> dict:
    """A distribution of observed values as a pmf (few distinct integers) or as
    101 quantiles (see module docstring)."""
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        raise ValidationError("cannot summarise an empty distribution")
    out: dict = {"n": int(arr.size), "mean": _round(arr.mean())}
    uniq, counts = np.unique(arr, return_counts=True)
    if integer and len(uniq) <= MAX_PMF_VALUES:
        out.update(kind="pmf", values=[int(v) for v in uniq],
                   probs=[_round(c / arr.size) for c in counts])
    else:
        out.update(kind="quantiles", integer=integer,
                   q=[_round(v) for v in np.quantile(arr, _QUANTILES)])
    return out


@dataclass(frozen=True)
class Distribution:
    """Sampler for one summarised distribution (see :func:`summarise`)."""

    spec: dict

    @property
    def mean(self) -> float:
        """Mean of the distribution as sampled (pmf: exact; quantiles: of the
        piecewise-linear inverse CDF)."""
        if self.spec["kind"] == "pmf":
            p = np.asarray(self.spec["probs"], dtype=float)
            return float(np.dot(self.spec["values"], p / p.sum()))
        q = np.asarray(self.spec["q"], dtype=float)
        return float(((q[:-1] + q[1:]) / 2).mean())

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` draws (int64 for integer distributions, else float64)."""
        if self.spec["kind"] == "pmf":
            p = np.asarray(self.spec["probs"], dtype=float)
            cdf = np.cumsum(p / p.sum())
            idx = np.searchsorted(cdf, rng.random(size), side="right")
            values = np.asarray(self.spec["values"], dtype=np.int64)
            return values[np.minimum(idx, len(values) - 1)]
        q = np.asarray(self.spec["q"], dtype=float)
        draws = np.interp(rng.random(size), _QUANTILES, q)
        if self.spec.get("integer", True):
            return np.rint(draws).astype(np.int64)
        return draws


def _connection_tables(bundle: Path) -> pd.DataFrame:
    frames = [pd.read_csv(bundle / f, usecols=["bodyId_pre", "bodyId_post", "roi", "weight"])
              .assign(_order=i) for i, f in enumerate(CONNECTION_TABLES)]
    rows = pd.concat(frames, ignore_index=True)
    return rows.drop_duplicates(["bodyId_pre", "bodyId_post", "roi"], keep="first")


def _skeleton_sizes(bundle: Path) -> tuple[list[int], list[int]]:
    nodes, roots = [], []
    for path in sorted((bundle / SKELETON_FOLDER).glob("*.swc")):
        swc = pd.read_csv(path, comment="#", sep=r"\s+", header=None,
                          names=["rowId", "type", "x", "y", "z", "radius", "link"])
        nodes.append(len(swc))
        roots.append(int((swc["link"] == -1).sum()))
    kc = pd.read_csv(bundle / KC_SKELETON)
    nodes.append(len(kc))
    roots.append(int((kc["link"] == -1).sum()))
    return nodes, roots


def _roi_definitions(bundle: Path, used: list[str]) -> dict[str, dict]:
    info = json.loads((bundle / ROI_INFO).read_text())
    out: dict[str, dict] = {}
    for name in used:
        while name and name in info and name not in out:
            entry = info[name]
            out[name] = {"isPrimary": bool(entry.get("isPrimary", False)),
                         "parent": entry.get("parent"),
                         "description": entry.get("description", "")}
            name = entry.get("parent")
    return dict(sorted(out.items()))


def fit_calibration(bundle: str | Path) -> dict:
    """Fit every distribution of the generator on the real bundle.

    Parameters
    ----------
    bundle : path
        The hemibrain-mb bundle folder (``shared/datasets/hemibrain-mb``).

    Returns
    -------
    dict
        JSON-serialisable calibration (see module docstring); ``calibration.json``
        holds the result for the bundle as shipped.

    Raises
    ------
    FileNotFoundError
        A source file of the bundle is missing.
    """
    bundle = Path(bundle)
    conns = _connection_tables(bundle)
    pairs = conns.groupby(["bodyId_pre", "bodyId_post"])
    per_pair = pairs["weight"].sum()
    roi_weight = conns.groupby("roi")["weight"].sum()
    occupancy = (roi_weight / roi_weight.sum()).sort_index()
    edges = per_pair.reset_index()
    n_bodies = len(pd.unique(np.concatenate([edges["bodyId_pre"].to_numpy(),
                                             edges["bodyId_post"].to_numpy()])))

    exports = pd.concat([pd.read_csv(bundle / f) for f in NEURON_EXPORTS], ignore_index=True)
    exports = exports.drop_duplicates("bodyId")
    primary = {k for k, v in json.loads((bundle / ROI_INFO).read_text()).items()
               if v.get("isPrimary")}
    rois_per_neuron = [sum(1 for roi, c in json.loads(text).items()
                           if roi in primary and (c.get("pre", 0) or c.get("post", 0)))
                       for text in exports["roiInfo"].dropna()]

    meta = pd.read_csv(bundle / NEURON_META)
    kc_pairs = pd.concat([pd.read_csv(bundle / f) for f in KC_PAIRS], ignore_index=True)
    kc_out = pd.read_csv(bundle / KC_OUTPUTS)
    fanout = kc_out.groupby(["upstream_bodyId", "ux", "uy", "uz"]).size()
    distance = np.sqrt(((kc_pairs[["ux", "uy", "uz"]].to_numpy(float)
                         - kc_pairs[["dx", "dy", "dz"]].to_numpy(float)) ** 2).sum(axis=1))
    da1 = pd.concat([pd.read_csv(p) for p in sorted((bundle / DA1_CONNECTORS).glob("*.csv"))],
                    ignore_index=True)
    conf_pre = np.concatenate([da1.loc[da1["type"] == "pre", "confidence"].to_numpy(float),
                               kc_pairs["upstream_confidence"].to_numpy(float)])
    conf_post = np.concatenate([da1.loc[da1["type"] == "post", "confidence"].to_numpy(float),
                                kc_pairs["downstream_confidence"].to_numpy(float)])
    skel_nodes, skel_roots = _skeleton_sizes(bundle)
    used_rois = [r for r in occupancy.index if r != NOT_PRIMARY]

    return {
        "source": "hemibrain-mb bundle (shared/datasets/hemibrain-mb); see "
                  "connectograph/synthetic/calibration.py for the files used",
        "connection_weight": summarise(per_pair.to_numpy()),
        "rois_per_connection": summarise(pairs.size().to_numpy()),
        "roi_occupancy": {k: _round(v) for k, v in occupancy.items()},
        "out_degree": summarise(edges.groupby("bodyId_pre").size().to_numpy()),
        "in_degree": summarise(edges.groupby("bodyId_post").size().to_numpy()),
        "rois_per_neuron": summarise(rois_per_neuron),
        "neuron_pre": summarise(meta["pre"].dropna().to_numpy()),
        "neuron_post": summarise(meta["post"].dropna().to_numpy()),
        "neurons_per_type": summarise(meta["type"].value_counts().to_numpy()),
        "fractions": {
            "typed": _round(meta["type"].notna().mean()),
            "soma": _round(meta["somaLocation"].notna().mean()),
            "cropped": _round((meta["cropped"].astype(str) == "True").mean()),
            "traced": _round((exports["status"] == TRACED).mean()),
            "with_outputs": _round(edges["bodyId_pre"].nunique() / n_bodies),
            "with_inputs": _round(edges["bodyId_post"].nunique() / n_bodies),
        },
        "synapses_per_connection": summarise(
            kc_pairs.groupby(["upstream_bodyId", "downstream_bodyId"]).size().to_numpy()),
        "psds_per_tbar": summarise(fanout.to_numpy()),
        "tbar_psd_distance": summarise(distance, integer=False),
        "confidence_pre": summarise(conf_pre, integer=False),
        "confidence_post": summarise(conf_post, integer=False),
        "skeleton_nodes": summarise(skel_nodes),
        "skeleton_fragments": summarise(skel_roots),
        "rois": _roi_definitions(bundle, used_rois),
    }


def calibration_path() -> Path:
    """Where the shipped ``calibration.json`` lives."""
    return Path(str(resources.files("connectograph.synthetic").joinpath("calibration.json")))


@cache
def _stored() -> str:
    return resources.files("connectograph.synthetic").joinpath("calibration.json").read_text()


def load_calibration() -> dict:
    """The calibration shipped with the package (a fresh copy)."""
    return json.loads(_stored())


def write_calibration(bundle: str | Path, path: str | Path | None = None) -> Path:
    """Recompute the calibration from ``bundle`` and write it (default: the
    package's ``calibration.json``)."""
    path = Path(path) if path is not None else calibration_path()
    path.write_text(json.dumps(fit_calibration(bundle), indent=1, sort_keys=True) + "\n")
    _stored.cache_clear()
    return path


if __name__ == "__main__":  # python -m connectograph.synthetic.calibration BUNDLE
    import sys
    print(write_calibration(sys.argv[1]))
