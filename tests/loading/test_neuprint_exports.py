"""neuprint-python query exports as labs hold them, loaded into a real Neo4j.

``fetch_neurons`` for the bundle's MBONs, PPL1 and PAM dopaminergic neurons (the
same function as neuprint-python's, on the loaded hemibrain-mb dataset) saved with
``DataFrame.to_csv`` and with ``DataFrame.to_parquet``, and the ``fetch_adjacencies``
``roi_conn_df`` of their outputs saved with ``to_csv``, each loaded under a new
dataset name with the bundle's ROI files. The loaded nodes and connections are
compared with the exported DataFrames (and the connection weights also with the
original dataset's), never with the loader's own output.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import connectograph
from connectograph import NC, Client
from connectograph.loading import drop, load
from connectograph.loading.engine import datasets

pytestmark = pytest.mark.neo4j

ORIGINAL = "hemibrain-mb:v1.2.1"
CRITERIA = dict(type="(MBON|PPL1|PAM).*", regex=True)
SCALARS = ("type", "instance", "status", "statusLabel", "pre", "post", "somaRadius",
           "cellBodyFiber")


@pytest.fixture(scope="module")
def exports(client, tmp_path_factory) -> dict:
    """The exported DataFrames and the files a lab would have written."""
    d = tmp_path_factory.mktemp("exports")
    neuron_df, _roi_counts = connectograph.fetch_neurons(NC(**CRITERIA), client=client)
    _neurons, roi_conn_df = connectograph.fetch_adjacencies(NC(**CRITERIA), None, client=client)
    neuron_df.to_csv(d / "neurons.csv")                 # pandas' defaults: the index too
    neuron_df.to_parquet(d / "neurons.parquet")
    roi_conn_df.to_csv(d / "roi_connections.csv")
    return {"dir": d, "neuron_df": neuron_df, "roi_conn_df": roi_conn_df}


def recipe_text(dataset: str, data_dir: Path, bundle_dir: Path, neurons: str, fmt: str) -> str:
    name, tag = dataset.split(":")
    return f"""
[dataset]
name = "{name}"
tag = "{tag}"
data_dir = "{data_dir}"

[rois]
info = "{bundle_dir / 'rois' / 'np_roiInfo.json'}"
hierarchy = "{bundle_dir / 'rois' / 'np_roiHierarchy.json'}"

[[neurons]]
file = "{neurons}"
format = "{fmt}"

[[roi_connections]]
file = "roi_connections.csv"
"""


def _load(dataset, exports, bundle_dir, neo4j_connection, neurons, fmt):
    uri, auth = neo4j_connection
    recipe = exports["dir"] / f"{dataset.split(':')[0]}.toml"
    recipe.write_text(recipe_text(dataset, exports["dir"], bundle_dir, neurons, fmt))
    with Client(uri, auth=auth, dataset=dataset, check_dataset=False) as writer:
        summary = load(recipe, client=writer, progress=None)
    reader = Client(uri, auth=auth, dataset=dataset)
    yield summary, reader
    reader.close()
    with Client(uri, auth=auth, dataset=dataset, check_dataset=False) as writer:
        drop(dataset, client=writer)
        assert dataset.split(":")[0] not in set(datasets(client=writer)["dataset"])


@pytest.fixture(scope="module", params=["csv", "parquet"])
def loaded_export(request, exports, bundle_dir, neo4j_connection):
    fmt = request.param
    yield from _load(f"exports-{fmt}:v1", exports, bundle_dir, neo4j_connection,
                     f"neurons.{fmt}", fmt)


def _bodies(reader: Client) -> dict[int, dict]:
    rows = reader.read(f"MATCH (n:{reader.dataset.label('Segment')}) "
                       "RETURN n.bodyId AS bodyId, properties(n) AS props")
    return {r["bodyId"]: r["props"] for r in rows}


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def test_export_files_hold_neuprint_python_shapes(exports):
    """The files are what fetch_neurons writes: list and dict cells as Python reprs in
    CSV, list and struct cells in Parquet (so the loader really reads those shapes)."""
    d = exports["dir"]
    text = pd.read_csv(d / "neurons.csv", dtype=str)
    assert text["roiInfo"].str.startswith("{'").any()                   # dict repr
    assert text["somaLocation"].dropna().str.match(r"^\[\d").all()      # list repr
    assert text["inputRois"].str.startswith("[").all()
    back = pd.read_parquet(d / "neurons.parquet")
    assert isinstance(back["roiInfo"].iloc[0], dict)
    assert isinstance(back["somaLocation"].dropna().iloc[0], np.ndarray)


def test_body_properties_equal_the_export(exports, loaded_export):
    summary, reader = loaded_export
    src = exports["neuron_df"]
    bodies = _bodies(reader)
    assert set(src["bodyId"]) <= set(bodies)
    roi_names = set(connectograph.fetch_all_rois(client=reader))
    for row in src.to_dict("records"):
        props = bodies[row["bodyId"]]
        for col in SCALARS:
            if col not in row:
                continue
            if _missing(row[col]):
                assert col not in props, (row["bodyId"], col)
            else:
                assert props[col] == row[col], (row["bodyId"], col)
        if isinstance(row["cropped"], (bool, np.bool_)):
            assert props["cropped"] is bool(row["cropped"])
        soma = row["somaLocation"]
        if isinstance(soma, list):
            assert tuple(props["somaLocation"]) == tuple(float(v) for v in soma)
        else:
            assert "somaLocation" not in props
        assert json.loads(props["roiInfo"]) == row["roiInfo"]
        flags = {k for k, v in props.items() if k in roi_names and v is True}
        assert flags == set(row["roiInfo"]), row["bodyId"]
        assert "inputRois" not in props and "outputRois" not in props
    assert any("inputRois, outputRois not loaded" in w for w in summary.warnings)


def test_connection_weights_equal_the_export(exports, loaded_export, client):
    _summary, reader = loaded_export
    expected = exports["roi_conn_df"].groupby(["bodyId_pre", "bodyId_post"])["weight"].sum()
    rows = reader.read(f"MATCH (a:{reader.dataset.label('Segment')})-[r:ConnectsTo]->(b) "
                       "RETURN a.bodyId AS pre, b.bodyId AS post, r.weight AS weight")
    got = pd.DataFrame(rows).set_index(["pre", "post"])["weight"].sort_index()
    assert len(got) == len(expected) > 1000
    assert got.to_dict() == expected.to_dict()
    # ... and the original dataset's weights of the same pairs
    pairs = [list(p) for p in expected.index]
    orig = client.read(
        f"UNWIND $pairs AS p MATCH (a:{client.dataset.label('Segment')} {{bodyId: p[0]}})"
        f"-[r:ConnectsTo]->(b:{client.dataset.label('Segment')} {{bodyId: p[1]}}) "
        "RETURN a.bodyId AS pre, b.bodyId AS post, r.weight AS weight", {"pairs": pairs})
    assert {(r["pre"], r["post"]): r["weight"] for r in orig} == expected.to_dict()


def test_per_roi_weights_equal_the_export(exports, loaded_export):
    _summary, reader = loaded_export
    src = exports["roi_conn_df"]
    expected = {(r.bodyId_pre, r.bodyId_post, r.roi): r.weight
                for r in src[src["roi"] != "NotPrimary"].itertuples()}
    rows = reader.read(f"MATCH (a:{reader.dataset.label('Segment')})-[r:ConnectsTo]->(b) "
                       "RETURN a.bodyId AS pre, b.bodyId AS post, r.roiInfo AS roiInfo")
    got = {(r["pre"], r["post"], roi): c["post"]
           for r in rows for roi, c in json.loads(r["roiInfo"]).items()}
    assert got == expected
