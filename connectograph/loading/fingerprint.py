"""The fingerprint of a load's inputs: a load whose recipe and input files are
unchanged since the published version (the same fingerprint in its ``:Meta``)
does nothing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .recipe import Recipe

__all__ = ["fingerprint"]


#: Recipe keys added to the format after datasets were loaded with it, each
#: with its default: left out of the fingerprint while at the default, so
#: that a recipe which does not use them keeps its fingerprint, and its
#: dataset is not reloaded after an upgrade.
LATER_TABLE_KEYS = {"values": {}, "constants": {}, "where": {}, "body_names": False,
                    "type_rule": None, "rows": "all", "malformed_rows": "error"}
LATER_RECIPE_KEYS = {"gap_junctions": [], "unlisted_bodies": [], "series": []}
LATER_RULE_KEYS = {"listed": False}
LATER_DATASET_KEYS = {"indexes": []}


def _without_defaults(section: dict, later: dict) -> None:
    for key, default in later.items():
        if key in section and section[key] == default:
            del section[key]


def _settings(recipe: Recipe) -> str:
    """The recipe's settings as JSON (the later keys only where used)."""
    data = recipe.model_dump(mode="json", exclude={"source", "base_dir"})
    for section in ("neurons", "roi_connections", "gap_junctions"):
        for table in data[section]:
            _without_defaults(table, LATER_TABLE_KEYS)
    _without_defaults(data, LATER_RECIPE_KEYS)
    _without_defaults(data["neuron_rule"], LATER_RULE_KEYS)
    if not data["dataset"]["tag"]:
        data["dataset"].pop("tag")
    _without_defaults(data["dataset"], LATER_DATASET_KEYS)
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def fingerprint(recipe: Recipe) -> str:
    """SHA-256 over the recipe's settings and the bytes of every input file
    (files named relative to the data folder, or absolute when outside it)."""
    h = hashlib.sha256()
    h.update(_settings(recipe).encode())

    def name(path: Path) -> str:
        try:
            return str(path.relative_to(recipe.base_dir))
        except ValueError:
            return str(path)

    files = [s.file for s in recipe.neurons + recipe.roi_connections + recipe.gap_junctions]
    for src in recipe.skeletons:
        files += ([name(p) for p in sorted(recipe.path(src.folder).iterdir())] if src.folder
                  else [src.file])
    if recipe.rois is not None:
        files += [recipe.rois.info, recipe.rois.hierarchy]
        if recipe.rois.meshes is not None:
            files += [name(p) for p in sorted(recipe.path(recipe.rois.meshes).glob("*.obj"))]
    for syn in recipe.synapses:
        files += [name(p) for p in syn.paths(recipe)]
    files += [s.file for s in recipe.synapse_partners]
    for rel in files:
        h.update(rel.encode())
        with open(recipe.path(rel), "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()
