"""Small recipes made of a few of the real bundle's files, for tests that
load a dataset of their own in seconds (a second dataset beside the bundle,
a reload, a hostile name). The files are the bundle's own, unchanged; the
recipe only picks some of them (see loaders/hemibrain-mb.toml for the whole)."""

from __future__ import annotations

from pathlib import Path


def write_recipe(folder: Path, name: str, tag: str, data_dir: Path, *,
                 neurons: list[str] = (), roi_connections: list[str] = (),
                 rois: bool = True, extra: str = "") -> Path:
    """Write ``<folder>/<name>.toml`` loading ``neurons`` (neuPrint neuron
    tables, their inputRois/outputRois dropped as in the bundled recipe) and
    ``roi_connections`` (per-ROI weight tables) from ``data_dir``, with the
    bundle's ROI definitions unless ``rois`` is False; ``extra`` is appended."""
    lines = ["[dataset]", f'name = "{name}"', f'tag = "{tag}"', f'data_dir = "{data_dir}"', ""]
    if rois:
        lines += ["[rois]", 'info = "rois/np_roiInfo.json"',
                  'hierarchy = "rois/np_roiHierarchy.json"', ""]
    for file in neurons:
        lines += ["[[neurons]]", f'file = "{file}"', 'drop = ["inputRois", "outputRois"]', ""]
    for file in roi_connections:
        lines += ["[[roi_connections]]", f'file = "{file}"', ""]
    path = Path(folder) / f"{name}.toml"
    path.write_text("\n".join(lines) + extra)
    return path


#: The ``[synapses.columns]`` table of a recipe reading the bundle's Kenyon
#: cell input table (synapses/kc-5813078552/KCinputs1847.csv: upstream_*, u*,
#: downstream_*, d* columns) as synapse pairs.
KC_SYNAPSE_COLUMNS = """[synapses.columns]
bodyId_pre = "upstream_bodyId"
bodyId_post = "downstream_bodyId"
roi_pre = "upstream_roi"
roi_post = "downstream_roi"
x_pre = "ux"
y_pre = "uy"
z_pre = "uz"
x_post = "dx"
y_post = "dy"
z_post = "dz"
confidence_pre = "upstream_confidence"
confidence_post = "downstream_confidence"
"""
