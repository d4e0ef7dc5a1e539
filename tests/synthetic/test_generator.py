"""The synthetic generator: deterministic, self-consistent, what its manifest says."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from connectograph.errors import SyntheticDataError
from connectograph.loading.recipe import check_recipe, load_recipe
from connectograph.synthetic.generator import generate, parse_size


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthetic")
    return generate(folder, 30_000, seed=7, synapses=True, skeletons=2)


def _read_parts(folder, files):
    return pd.concat([pd.read_csv(folder / f) for f in files], ignore_index=True)


def test_sizes():
    assert parse_size("smoke") == 20_000
    assert parse_size("1M") == 1_000_000
    assert parse_size("250k") == 250_000
    assert parse_size(5000) == 5000
    with pytest.raises(SyntheticDataError):
        parse_size("lots")
    with pytest.raises(SyntheticDataError):
        parse_size(10)


def test_manifest_matches_files(small):
    folder, man = small.folder, small.manifest
    neurons = pd.read_csv(folder / "neurons.csv")
    conns = _read_parts(folder, man["files"]["roi_connections"])
    assert man["bodies"] == len(neurons) and neurons["bodyId"].is_unique
    assert man["roi_connection_rows"] == len(conns)
    assert man["connections"] == len(conns.drop_duplicates(["bodyId_pre", "bodyId_post"]))
    assert man["synapse_pairs"] == conns["weight"].sum() == 30_000
    assert (conns["weight"] > 0).all()
    assert not conns.duplicated(["bodyId_pre", "bodyId_post", "roi"]).any()
    assert (conns["bodyId_pre"] != conns["bodyId_post"]).all()
    assert set(conns["bodyId_pre"]) | set(conns["bodyId_post"]) <= set(neurons["bodyId"])


def test_neuron_counts_follow_connections(small):
    folder, man = small.folder, small.manifest
    neurons = pd.read_csv(folder / "neurons.csv").set_index("bodyId")
    conns = _read_parts(folder, man["files"]["roi_connections"])
    incoming = conns.groupby("bodyId_post")["weight"].sum().reindex(neurons.index, fill_value=0)
    outgoing = conns.groupby("bodyId_pre")["weight"].sum().reindex(neurons.index, fill_value=0)
    assert (neurons["post"] == incoming).all() and (neurons["upstream"] == incoming).all()
    assert (neurons["downstream"] == outgoing).all()
    assert neurons["pre"].sum() == man["tbars"]
    # roiInfo per primary ROI equals the per-ROI connection sums.
    roi_info = json.loads((folder / "rois" / "roiInfo.json").read_text())
    body = int(outgoing.idxmax())
    info = json.loads(neurons.loc[body, "roiInfo"])
    mine = conns[conns["bodyId_pre"] == body].groupby("roi")["weight"].sum()
    for roi, w in mine.items():
        if roi != "NotPrimary":
            assert info[roi]["downstream"] == w
    assert set(info) <= set(roi_info)


def test_synapse_tables_consistent(small):
    folder, man = small.folder, small.manifest
    points = _read_parts(folder, man["files"]["points"])
    partners = _read_parts(folder, man["files"]["partners"])
    neurons = pd.read_csv(folder / "neurons.csv").set_index("bodyId")
    conns = _read_parts(folder, man["files"]["roi_connections"])
    assert len(points) == man["synapse_points"] and points["synapseId"].is_unique
    assert len(partners) == man["synapse_pairs"] and partners["post_id"].is_unique
    kind = points.set_index("synapseId")["type"]
    assert (kind.loc[partners["pre_id"]].to_numpy() == "pre").all()
    assert (kind.loc[partners["post_id"]].to_numpy() == "post").all()
    body = points.set_index("synapseId")["bodyId"]
    pairs = pd.DataFrame({"bodyId_pre": body.loc[partners["pre_id"]].to_numpy(),
                          "bodyId_post": body.loc[partners["post_id"]].to_numpy()})
    from_pairs = pairs.value_counts().sort_index()
    from_conns = conns.groupby(["bodyId_pre", "bodyId_post"])["weight"].sum().sort_index()
    assert from_pairs.to_dict() == from_conns.to_dict()
    tbars = points[points["type"] == "pre"].groupby("bodyId").size()
    assert (tbars.reindex(neurons.index, fill_value=0) == neurons["pre"]).all()
    assert points["confidence"].between(0, 1).all()


def test_deterministic_and_recipe_valid(small, tmp_path):
    generate(tmp_path, 30_000, seed=7, synapses=True, skeletons=2)
    for rel in ["neurons.csv", *small.manifest["files"]["roi_connections"],
                *small.manifest["files"]["points"]]:
        assert (small.folder / rel).read_bytes() == (tmp_path / rel).read_bytes()
    other = generate(tmp_path / "other", 30_000, seed=8, skeletons=0)
    assert (other.folder / "neurons.csv").read_bytes() != (small.folder / "neurons.csv").read_bytes()
    recipe = load_recipe(small.recipe)
    check_recipe(recipe)
    assert str(recipe.dataset_name) == small.dataset
    assert len(list((small.folder / "skeletons").glob("*.swc"))) == 2
