"""Load and faults: 8 neuprint-python clients at once over two datasets, each
answer equal to the serial one; Neo4j lost in the middle of a request (a 503,
the service keeps running and answers again once Neo4j is back): its
connections cut in make test, a real server stopped and started in
make test-slow."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pandas as pd
import pytest
import requests

from bolt_relay import BoltRelay

pytestmark = pytest.mark.neo4j

DATASET = "hemibrain-mb:v1.2.1"


def test_eight_clients_mixing_datasets(service, second_dataset, token_store):
    """8 clients (8 colleagues, a token each), 5 requests each over the bundle
    and the second dataset, all at once: no error, and each answer is the one
    the same request got alone."""
    import neuprint
    types = ["MBON14", "APL", "DA1_lPN", "MBON01", "PPL101", "KCab-s", "MBON05", "DPM"]
    jobs = [(DATASET, f"MATCH (n:Neuron) WHERE n.type = '{t}' RETURN n.bodyId AS bodyId, "
                      "n.post AS post, n.somaLocation AS soma ORDER BY bodyId") for t in types]
    jobs.append((second_dataset, "MATCH (n:Neuron) RETURN n.bodyId AS bodyId, n.type AS type"))
    tokens = [token_store.create(f"colleague-{k}")[0] for k in range(8)]
    neuprint.Client.DATASETS_CACHE.clear()

    def client(k: int, dataset: str):
        return neuprint.Client(service.url, dataset=dataset, token=tokens[k],
                               verify=str(service.certfile), progress=False)

    serial = {}
    for ds, q in jobs:
        c = client(0, ds)
        serial[ds, q] = c.fetch_custom(q)
        c.session.close()
        assert len(serial[ds, q]) > 0

    def worker(k: int):
        out = []
        for i in range(5):
            ds, q = jobs[(3 * k + i) % len(jobs)]
            c = client(k, ds)
            out.append(((ds, q), c.fetch_custom(q)))
            c.session.close()
        return out

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [r for per_client in pool.map(worker, range(8)) for r in per_client]
    neuprint.clear_default_client()
    neuprint.Client.DATASETS_CACHE.clear()
    assert len(results) == 40
    assert {key[0] for key, _ in results} == {DATASET, second_dataset}
    for key, df in results:
        pd.testing.assert_frame_equal(df, serial[key])


def _lost_and_back(uri, auth, token_store, token, certificate, known: dict, answer: list,
                   lose, bring_back) -> None:
    """The service on ``uri``: a known question answered; a slow one running
    when ``lose()`` takes Neo4j away gets a 503 naming Neo4j (no secret), as
    does the next question; after ``bring_back()`` the known one is answered
    again by the same service."""
    from connectograph import neo4j_server
    from connectograph.service import BackgroundServer, Limits, ServiceConfig

    config = ServiceConfig(uri=uri, auth=auth, tokens=token_store,
                           limits=Limits(timeout=20.0), retry_time=1.0)
    cert, key = certificate
    slow = {"cypher": "UNWIND range(1, 60000000) AS x WITH x WHERE x % 7 = 0 "
                      "RETURN count(x) AS n", "dataset": known["dataset"]}
    with BackgroundServer(config, port=neo4j_server.free_port(), certfile=cert,
                          keyfile=key) as srv, requests.Session() as s:
        s.trust_env, s.verify = False, str(srv.certfile)
        s.headers.update({"Authorization": f"Bearer {token}", "Connection": "close"})
        url = srv.url + "/api/custom/custom"
        assert s.post(url, json=known).json()["data"] == answer
        with ThreadPoolExecutor(1) as pool:
            running = pool.submit(s.post, url, json=slow)
            time.sleep(1.0)                     # the slow query is running in Neo4j
            assert not running.done()
            lose()
            lost = running.result(timeout=120)
        assert lost.status_code == 503, lost.text
        assert "Neo4j" in lost.json()["error"] and token not in lost.text
        down = s.post(url, json=known)
        assert down.status_code == 503 and "Neo4j" in down.json()["error"]
        bring_back()
        back = s.post(url, json=known)
        assert back.status_code == 200 and back.json()["data"] == answer


def test_neo4j_lost_mid_request_is_a_503_and_the_service_recovers(
        neo4j_connection, loaded, token_store, token, certificate):
    """Neo4j's connections cut (a relay between the service and the session's
    server is shut, then opened again), which the session's other tests can
    live with; the real server stopped and started is the slow variant below."""
    uri, auth = neo4j_connection
    bolt = urlparse(uri)
    proxy = BoltRelay(bolt.hostname, bolt.port).start()
    mbon14 = {"cypher": "MATCH (n:Neuron) WHERE n.bodyId = 300972942 RETURN n.type AS t",
              "dataset": DATASET}
    try:
        _lost_and_back(proxy.uri, auth, token_store, token,
                       certificate, mbon14, [["MBON14"]], proxy.stop, proxy.start)
    finally:
        proxy.stop()


@pytest.mark.slow
def test_neo4j_server_stopped_mid_request_is_a_503_and_the_service_recovers(
        token_store, token, certificate, fresh_instance):
    """The same with a real Neo4j server (a throw-away instance holding the
    adult C. elegans) stopped during the request and started again."""
    import os
    import shutil

    from connectograph import Client, neo4j_server
    from connectograph.loading import load
    from connectograph.neo4j_server.settings import InstanceSettings

    name = os.environ.get("CONNECTOGRAPH_TEST_INSTANCE", "test") + "-stopped"
    conn = fresh_instance(name)
    auth = (conn["username"], conn["password"])
    try:
        with Client(conn["uri"], auth=auth, dataset="witvliet2021:d8",
                    check_dataset=False) as writer:
            load("celegans-witvliet2021", client=writer, dataset="witvliet2021:d8",
                 progress=None)
        aval = {"cypher": "MATCH (n:Neuron) WHERE n.instance = 'AVAL' RETURN n.instance AS i",
                "dataset": "witvliet2021:d8"}
        _lost_and_back(conn["uri"], auth, token_store, token, certificate, aval, [["AVAL"]],
                       lambda: neo4j_server.stop(name, echo=lambda s: None),
                       lambda: neo4j_server.start(name, echo=lambda s: None))
    finally:
        neo4j_server.stop(name, echo=lambda s: None)
        shutil.rmtree(InstanceSettings(name=name).root, ignore_errors=True)
