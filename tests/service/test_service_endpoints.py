"""The other neuPrintHTTP endpoints, dataset scoping with two datasets in the
database, and 8 concurrent clients, against the real server and bundle."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import connectograph as cg
from connectograph import NC
from connectograph.fetch.skeleton import SkeletonNotFoundError

pytestmark = pytest.mark.neo4j
DATASET = "hemibrain-mb:v1.2.1"


def test_meta_endpoints(np_client, http, service, neo4j_connection):
    assert np_client.fetch_version() == "1.9.2"
    assert np_client.fetch_server_info() is False          # tokens are required
    assert np_client.fetch_db_version() == "0.5.0"
    assert np_client.fetch_database()["Location"] == neo4j_connection[0]
    routes = {(r["method"], r["path"]) for r in np_client.fetch_available()}
    assert ("POST", "/api/custom/custom") in routes
    assert ("GET", "/api/skeletons/skeleton/{dataset}/{body}") in routes
    spec = json.loads(np_client.fetch_help())               # JSON is valid YAML
    assert "/api/custom/arrow" in spec["paths"]
    instances = np_client.fetch_instances()
    assert DATASET in instances["roimeshes"][0]["datasets"]
    info = np_client.fetch_datasets(reload_cache=True)[DATASET]
    meta = cg.fetch_meta(client=cg.Client(*neo4j_connection[:1], auth=neo4j_connection[1],
                                          dataset=DATASET))
    assert sorted(info["ROIs"]) == sorted(meta["roiInfo"])
    assert info["superLevelROIs"] == meta["superLevelRois"]


def test_profile_and_token(np_client, token):
    assert np_client.fetch_token() == token
    assert np_client.fetch_profile() == {"Email": "tests", "AuthLevel": "readonly",
                                         "ImageURL": ""}


def test_arrow_endpoint_matches_json(np_client):
    q = ("MATCH (n:Neuron) WHERE n.type =~ 'MBON.*' RETURN n.bodyId AS bodyId, n.type AS type, "
         "n.pre AS pre, n.somaRadius AS somaRadius, n.inputRois AS r ORDER BY bodyId")
    via_json = np_client.fetch_custom(q)
    via_arrow = np_client.fetch_custom(q, use_arrow=True)
    assert len(via_json) > 0
    pd.testing.assert_frame_equal(via_json, via_arrow, check_dtype=False)


def test_roi_mesh_is_the_bundle_file(np_client, bundle_dir, http, service):
    for roi in ["a'L(R)", "CA(R)"]:
        assert np_client.fetch_roi_mesh(roi) == (bundle_dir / "rois" / "meshes" /
                                                 f"{roi}.obj").read_bytes()
    for bad in ["nope(R)", "..%2F..%2FREADME.md", "%2E%2E"]:
        r = http.get(f"{service.url}/api/roimeshes/mesh/{DATASET}/{bad}")
        assert r.status_code == 404, bad


def test_skeleton_json_and_missing(http, service, client):
    r = http.get(f"{service.url}/api/skeletons/skeleton/{DATASET}/5813078552")
    body = r.json()
    ours = cg.fetch_skeleton(5813078552, client=client)
    assert body["columns"] == ["rowId", "x", "y", "z", "radius", "link"]
    assert np.allclose(np.array(body["data"], dtype=float),
                       ours[body["columns"]].to_numpy(dtype=float))
    r = http.get(f"{service.url}/api/skeletons/skeleton/{DATASET}/1?format=swc")
    assert r.status_code == 404 and "no skeleton for body 1" in r.json()["error"]
    r = http.get(f"{service.url}/api/skeletons/skeleton/{DATASET}/abc")
    assert r.status_code == 400


def test_daily_type(np_client, client):
    info, conn, skel = np_client.fetch_daily_type()
    members, _ = cg.fetch_neurons(NC(type=info["typename"]), client=client)
    assert info["numtype"] == len(members)
    size = members["pre"].fillna(0) * 5 + members["post"].fillna(0)
    best = members.loc[size == size.max()].sort_values("bodyId").iloc[0]
    assert info["bodyid"] == str(best["bodyId"])
    ups = cg.fetch_custom(f"MATCH (n:{client.dataset.label('Neuron')})-[x:ConnectsTo]-(m) "
                          "WHERE n.bodyId = $b RETURN count(DISTINCT m) AS n",
                          {"b": int(best["bodyId"])}, client=client)["n"].iloc[0]
    assert conn["bodyId"].nunique() == ups
    assert set(conn["direction"]) <= {"upstream", "downstream"}
    # the exemplar's stored skeleton, or no rows when it has none (most days
    # on the bundle, which stores few skeletons)
    assert list(skel.columns) == ["rowId", "x", "y", "z", "radius", "link"]
    try:
        stored = cg.fetch_skeleton(int(best["bodyId"]), client=client)
    except SkeletonNotFoundError:
        stored = skel.iloc[:0]
    assert len(skel) == len(stored)


def test_daily_type_without_a_stored_skeleton(neo4j_connection, client):
    """Days whose exemplar has no stored skeleton give an empty skeleton table,
    which neuprint-python's fetch_daily_type turns into an empty DataFrame."""
    from datetime import date, timedelta

    from connectograph.service.backend import Backend
    from connectograph.service.cached import daily_type
    backend = Backend(*neo4j_connection)
    skeletons = set(cg.fetch_custom(f"MATCH (s:{client.dataset.label('Skeleton')}) "
                                    "RETURN s.bodyId AS b", client=client)["b"])
    seen = {True: 0, False: 0}
    for k in range(40):
        out = daily_type(backend, client.dataset, day=date(2026, 1, 1) + timedelta(k))
        has = int(out["info"]["bodyid"]) in skeletons
        seen[has] += 1
        assert out["skeleton"]["columns"] == ["rowId", "x", "y", "z", "radius", "link"]
        assert (len(out["skeleton"]["data"]) > 0) == has
    backend.close()
    assert seen[False] > 0


def test_queries_see_only_their_dataset(second_dataset, service, token):
    import neuprint
    neuprint.Client.DATASETS_CACHE.clear()
    q = ("MATCH (n:Neuron) WHERE n.bodyId = 300972942 RETURN n.type AS type; ")
    results = {}
    for ds in (DATASET, second_dataset):
        c = neuprint.Client(service.url, dataset=ds, token=token, verify=str(service.certfile),
                            progress=False)
        results[ds] = c.fetch_custom(q.rstrip("; "))["type"].tolist()
        meta = c.fetch_custom("MATCH (m:Meta) RETURN m.dataset AS d")
        assert meta["d"].tolist() == [ds.split(":")[0]]
        c.session.close()
    neuprint.clear_default_client()
    neuprint.Client.DATASETS_CACHE.clear()
    assert results == {DATASET: ["MBON14"], second_dataset: ["NOT-MBON14"]}


def test_eight_clients_at_once(service, token, client):
    """8 neuprint-python clients, each in its own thread, 6 queries each, all at
    once: every answer is right and none fails."""
    import neuprint
    types = ["MBON14", "APL", "DA1_lPN", "MBON01", "PPL101", "KCab-s", "MBON05", "DPM"]
    expected = {}
    for t in types:
        expected[t] = cg.fetch_custom(
            f"MATCH (n:{client.dataset.label('Neuron')}) WHERE n.type = $t "
            "RETURN n.bodyId AS bodyId, n.post AS post ORDER BY bodyId", {"t": t},
            client=client)
        assert len(expected[t]) > 0, t

    def worker(k: int):
        c = neuprint.Client(service.url, dataset=DATASET, token=token,
                            verify=str(service.certfile), progress=False)
        out = []
        for i in range(6):
            t = types[(k + i) % len(types)]
            df = c.fetch_custom(f"MATCH (n:Neuron) WHERE n.type = '{t}' "
                                "RETURN n.bodyId AS bodyId, n.post AS post ORDER BY bodyId")
            out.append((t, df))
        c.session.close()
        return out

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(worker, range(8)))
    neuprint.clear_default_client()
    assert sum(len(r) for r in results) == 48
    for per_client in results:
        for t, df in per_client:
            assert df["bodyId"].tolist() == expected[t]["bodyId"].tolist()
            assert df["post"].tolist() == expected[t]["post"].tolist()
