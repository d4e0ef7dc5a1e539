"""Client._repr_html_: a notebook's summary of the dataset, checked against
the bundle's ROI definitions (json) and what the bundle holds."""

from __future__ import annotations

import json
import re

from connectograph.dataset_summary import summary_rows


def test_summary_rows_from_a_meta_alone():
    meta = {"neuronCount": 3, "segmentCount": 5, "totalPreCount": 7, "totalPostCount": 11,
            "roiInfo": json.dumps({"A": {}, "B": {}}), "primaryRois": ["A"],
            "voxelSize": [4.0, 4.0, 40.0], "voxelUnits": "nanometers",
            "neuronProperties": json.dumps({"type": "string", "consensusNt": "string"})}
    rows = dict(summary_rows(meta, lambda label: label == "Skeleton"))
    assert rows["neurons"] == "3" and rows["T-bars / PSDs"] == "7 / 11"
    assert rows["ROIs"] == "2 (1 primary: A)"
    assert rows["voxel size"] == "4 x 4 x 40 nanometers"       # FlyWire's anisotropic voxels
    assert rows["synapse points"].startswith("no") and rows["skeletons"] == "yes"
    assert rows["gap junctions"] == "unknown"
    assert rows["transmitter predictions"] == "consensusNt"


def test_voxel_size_only_where_there_are_coordinates():
    """C. elegans' edge lists have no coordinates: a voxel size from its Meta
    would mean nothing."""
    meta = {"voxelSize": [1.0, 1.0, 1.0], "voxelUnits": "nanometers"}
    assert dict(summary_rows(meta, lambda label: False))["voxel size"] == \
        "none (no coordinates)"
    assert dict(summary_rows(meta, lambda label: label == "Synapse"))["voxel size"] == \
        "1 nanometers"


def test_client_html_on_the_bundle(client, bundle_dir):
    rois = json.loads((bundle_dir / "rois" / "np_roiInfo.json").read_text())
    primary = sum(1 for v in rois.values() if v.get("isPrimary"))
    page = client._repr_html_()
    cells = dict(re.findall(r"<th[^>]*>([^<]+)</th><td[^>]*>([^<]+)</td>", page))
    assert "hemibrain-mb:v1.2.1" in page
    assert cells["ROIs"].startswith(f"{len(rois)} ({primary} primary")
    assert cells["voxel size"] == "8 nanometers"          # the bundle's README
    assert cells["skeletons"] == "yes" and cells["gap junctions"] == "no"
    assert cells["synapse points"] == "yes"               # synapses/ in the bundle
