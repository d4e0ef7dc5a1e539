"""Access as neuPrintHTTP grants it, on the real bundle plus a tiny second
dataset: tokens scoped per dataset (403 naming it, /api/dbmeta/datasets
filtered), public datasets read without a token, per-token limits (429),
the audit log of refusals, and bad input answered with a clear 4xx with no
secret logged."""

from __future__ import annotations

import http.client
import ssl
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

pytestmark = pytest.mark.neo4j

DATASET = "hemibrain-mb:v1.2.1"
MBON14 = "MATCH (n:Neuron) WHERE n.bodyId = 300972942 RETURN n.type AS type"


def _start(neo4j_connection, token_store, certificate, tmp_path, **settings):
    from connectograph import neo4j_server
    from connectograph.service import BackgroundServer, Limits, ServiceConfig

    uri, auth = neo4j_connection
    config = ServiceConfig(uri=uri, auth=auth, tokens=token_store,
                           limits=Limits(timeout=30.0, max_rows=10_000),
                           audit_log=tmp_path / "audit.log", **settings)
    cert, key = certificate
    return BackgroundServer(config, port=neo4j_server.free_port(), certfile=cert, keyfile=key)


@pytest.fixture(scope="module")
def access(neo4j_connection, loaded, second_dataset, token_store, certificate,
           tmp_path_factory):
    """A service with the second dataset public and a 20 kB body limit."""
    with _start(neo4j_connection, token_store, certificate, tmp_path_factory.mktemp("access"),
                public=["other-ds:*"], max_body=20_000) as srv:
        yield srv


def _audit(srv) -> str:
    return srv.server.config.app.state.config.audit_log.read_text()


def _call(srv, path, token=None, body=None, method=None):
    headers = {"Connection": "close"}         # no idle connection holds up the shutdown
    if token:
        headers["Authorization"] = f"Bearer {token}"
    method = method or ("POST" if body is not None else "GET")
    with requests.Session() as s:
        s.trust_env = False
        return s.request(method, srv.url + path, headers=headers, verify=str(srv.certfile),
                         **({"data": body} if isinstance(body, (str, bytes))
                            else {"json": body} if body is not None else {}))


def test_a_token_reads_only_the_datasets_it_is_scoped_to(access, token_store, token):
    import neuprint
    hemi, _ = token_store.create("hemi-only", ["hemibrain-mb:*"])
    other, _ = token_store.create("other-only", ["other-ds:v9"])
    assert set(_call(access, "/api/dbmeta/datasets", hemi).json()) == {DATASET}
    assert set(_call(access, "/api/dbmeta/datasets", other).json()) == {"other-ds:v9"}
    assert set(_call(access, "/api/dbmeta/datasets", token).json()) >= {DATASET, "other-ds:v9"}
    for path, body in [("/api/custom/custom", {"cypher": MBON14, "dataset": "other-ds:v9"}),
                       ("/api/custom/arrow", {"cypher": MBON14, "dataset": "other-ds:v9"}),
                       ("/api/skeletons/skeleton/other-ds:v9/300972942", None),
                       ("/api/cached/roicompleteness?dataset=other-ds:v9", None)]:
        r = _call(access, path, hemi, body)
        assert r.status_code == 403, (path, r.text)
        assert "other-ds:v9" in r.json()["error"] and "hemi-only" in r.json()["error"]
    r = _call(access, "/api/custom/custom", other, {"cypher": MBON14, "dataset": DATASET})
    assert r.status_code == 403 and DATASET in r.json()["error"]
    # no dataset named: the only one the token reads; errors list only those
    r = _call(access, "/api/custom/custom", hemi, {"cypher": MBON14})
    assert r.status_code == 200 and r.json()["data"] == [["MBON14"]]
    r = _call(access, "/api/custom/custom", other, {"cypher": MBON14, "dataset": "nope:v1"})
    assert r.status_code == 404 and "hemibrain" not in r.json()["error"]
    # neuprint-python with the scoped token, on its dataset
    neuprint.Client.DATASETS_CACHE.clear()
    c = neuprint.Client(access.url, dataset=DATASET, token=hemi, verify=str(access.certfile),
                        progress=False)
    assert c.fetch_custom(MBON14)["type"].tolist() == ["MBON14"]
    c.session.close()
    neuprint.clear_default_client()
    neuprint.Client.DATASETS_CACHE.clear()
    log = _audit(access)
    assert "status=403 token=hemi-only dataset=other-ds:v9" in log
    assert hemi not in log and other not in log


def test_public_datasets_are_read_without_a_token(access, token):
    assert _call(access, "/api/serverinfo").json()["IsPublic"] is True
    assert set(_call(access, "/api/dbmeta/datasets").json()) == {"other-ds:v9"}
    r = _call(access, "/api/custom/custom", body={"cypher": MBON14, "dataset": "other-ds:v9"})
    assert r.status_code == 200 and r.json()["data"] == [["NOT-MBON14"]]
    r = _call(access, "/api/custom/custom", body={"cypher": MBON14, "dataset": DATASET})
    assert r.status_code == 401 and "not public" in r.json()["error"]
    r = _call(access, "/api/custom/custom",
              body={"cypher": "MATCH (n:Neuron) SET n.type = 'x'", "dataset": "other-ds:v9"})
    assert r.status_code == 400 and "SET" in r.json()["error"]      # still read-only
    r = _call(access, "/api/dbmeta/datasets", token="cgtok_wrong")
    assert r.status_code == 401                                    # a bad token is not anonymous
    assert _call(access, "/profile").json()["Email"] == "anonymous"
    assert "status=401 token=anonymous dataset=hemibrain-mb:v1.2.1" in _audit(access)


def test_a_token_past_its_rate_gets_a_clear_429(neo4j_connection, loaded, token_store,
                                                certificate, tmp_path):
    fast, _ = token_store.create("fast-client")
    slow, _ = token_store.create("other-client")
    busy, _ = token_store.create("busy-client")
    long_query = {"cypher": "UNWIND range(1, 40000000) AS x WITH x WHERE x % 7 = 0 "
                            "RETURN count(x) AS n", "dataset": DATASET}
    with _start(neo4j_connection, token_store, certificate, tmp_path, rate="3/minute",
                max_concurrent=1) as srv:
        codes = [_call(srv, "/api/version", fast).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = _call(srv, "/api/version", fast)
        assert r.status_code == 429 and "3/minute" in r.json()["error"]
        assert "retry in" in r.json()["error"]
        assert _call(srv, "/api/version", slow).status_code == 200     # per token
        with ThreadPoolExecutor(1) as pool:                            # one at a time
            running = pool.submit(_call, srv, "/api/custom/custom", busy, long_query)
            time.sleep(0.5)
            r = _call(srv, "/api/version", busy)
            assert not running.done()
            assert r.status_code == 429 and "1 are already running" in r.json()["error"]
            assert running.result().status_code == 200
        assert _call(srv, "/api/version", busy).status_code == 200     # its slot is back
        log = _audit(srv)
    assert "status=429 token=fast-client" in log and "status=429 token=busy-client" in log
    assert fast not in log and busy not in log


def _raw_get(srv, path: str, token: str) -> tuple[int, bytes]:
    """GET ``path`` exactly as written (requests would resolve ``..``)."""
    ctx = ssl.create_default_context(cafile=str(srv.certfile))
    host, port = srv.url.removeprefix("https://").split(":")
    conn = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=30)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


@pytest.mark.parametrize("path", [
    "/api/skeletons/skeleton/hemibrain-mb:v1.2.1/../../../../etc/passwd",
    "/api/skeletons/skeleton/..%2F..%2F..%2Fetc/passwd",
    "/api/skeletons/skeleton/hemibrain-mb:v1.2.1/..%2f..%2fetc%2fpasswd",
    "/api/roimeshes/mesh/hemibrain-mb:v1.2.1/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/api/roimeshes/mesh/hemibrain-mb:v1.2.1/%2e%2e%2f%2e%2e%2fhemibrain-mb.toml",
    "/api/roimeshes/mesh/hemibrain-mb:v1.2.1/%252e%252e%252fetc%252fpasswd",
    "/api/roimeshes/mesh/%2e%2e/passwd",
])
def test_path_traversal_is_a_4xx(access, token, path):
    status, body = _raw_get(access, path, token)
    assert 400 <= status < 500, (status, body[:200])
    assert b"root:" not in body and b"[dataset]" not in body


def test_bad_requests_are_clear_4xx_and_log_no_secret(access, token, caplog):
    custom = "/api/custom/custom"
    cases = [
        (_call(access, custom, token, '{"cypher": "MATCH (n) RETURN n", '), 400, "JSON"),
        (_call(access, custom, token, {"cypher": MBON14}), 404, "say which dataset"),
        (_call(access, custom, token, {"cypher": MBON14, "dataset": "nope:v1"}), 404, "nope"),
        (_call(access, custom, token, {"cypher": MBON14, "dataset": ["x"]}), 400, "dataset"),
        (_call(access, custom, token, {"cypher": MBON14 + " " * 30_000, "dataset": DATASET}),
         413, "larger than 20,000 bytes"),
        (_call(access, f"/api/dbmeta/datasets?token={token}"), 400, "Authorization"),
        (_call(access, f"/api/version?access_token={token}", token), 400, "header"),
    ]
    for r, status, words in cases:
        assert r.status_code == status, (status, r.text)
        assert words in r.json()["error"], r.text
        assert token not in r.text
    log = _audit(access)
    assert "status=413" in log and "status=400" in log and "request='GET /api/version'" in log
    assert token not in log and token not in caplog.text
