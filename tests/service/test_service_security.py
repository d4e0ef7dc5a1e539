"""Security of the service, against the real server: tokens, read-only,
limits, loopback, no credential leaks."""

from __future__ import annotations

import inspect

import pytest
import requests

pytestmark = pytest.mark.neo4j

ENDPOINTS = ["/api/version", "/api/serverinfo", "/api/available", "/api/help/swagger.yaml",
             "/api/dbmeta/datasets", "/api/dbmeta/version", "/api/dbmeta/database",
             "/api/dbmeta/instances", "/api/custom/custom",
             "/api/cached/roicompleteness?dataset=hemibrain-mb:v1.2.1",
             "/api/roimeshes/mesh/hemibrain-mb:v1.2.1/CA(R)",
             "/api/skeletons/skeleton/hemibrain-mb:v1.2.1/5813078552?format=swc",
             "/profile", "/token"]


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Basic dXNlcjpwdw=="])
def test_every_endpoint_needs_a_valid_token(service, path, header):
    headers = {"Authorization": header} if header else {}
    r = requests.get(service.url + path, headers=headers, verify=str(service.certfile))
    assert r.status_code == 401
    assert "token" in r.json()["error"]


def test_revoked_token_stops_working_at_once(service, token_store):
    import neuprint
    token, info = token_store.create("short-lived")
    c = neuprint.Client(service.url, dataset="hemibrain-mb:v1.2.1", token=token,
                        verify=str(service.certfile), progress=False)
    assert c.fetch_version()
    token_store.revoke(info.id)
    with pytest.raises(requests.HTTPError) as err:
        c.fetch_version()
    assert err.value.response.status_code == 401
    neuprint.clear_default_client()


def test_neuprint_python_with_a_wrong_token_fails_cleanly(service):
    import neuprint
    neuprint.Client.DATASETS_CACHE.clear()      # else the dataset list comes from its cache
    with pytest.raises(requests.HTTPError) as err:
        neuprint.Client(service.url, dataset="hemibrain-mb:v1.2.1", token="cgtok_wrong",
                        verify=str(service.certfile))
    assert "unknown or revoked token" in str(err.value)


@pytest.mark.parametrize("cypher,word", [
    ("CREATE (n:Neuron {bodyId: 1}) RETURN n", "CREATE"),
    ("MATCH (n:Neuron) SET n.type = 'hacked'", "SET"),
    ("MATCH (n:Neuron) DETACH DELETE n", "DETACH"),
    ("LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r", "LOAD"),
    ("CALL dbms.listConfig()", "dbms.listConfig"),
])
def test_writes_are_refused_up_front(http, service, client, cypher, word):
    before = client.read(f"MATCH (n:{client.dataset.label('Neuron')}) "
                         "RETURN count(n) AS n, count(DISTINCT n.type) AS t")
    r = http.post(service.url + "/api/custom/custom",
                  json={"cypher": cypher, "dataset": "hemibrain-mb:v1.2.1"})
    assert r.status_code == 400
    assert word in r.json()["error"] and "read-only" in r.json()["error"]
    after = client.read(f"MATCH (n:{client.dataset.label('Neuron')}) "
                        "RETURN count(n) AS n, count(DISTINCT n.type) AS t")
    assert before == after


def test_the_server_itself_refuses_writes(service, client):
    """Queries run in READ access mode: a write that got past the up-front
    check is refused by Neo4j."""
    from connectograph.errors import ServiceError
    backend = service.server.config.app.state.backend
    with pytest.raises(ServiceError, match="read-only"):
        backend.run("CREATE (n:ServiceWriteProbe) RETURN n")
    assert client.read("MATCH (n:ServiceWriteProbe) RETURN count(n) AS n")[0]["n"] == 0


@pytest.fixture(scope="module")
def limited(neo4j_connection, loaded, token_store, token, certificate):
    """A second service with tight limits: 1 s per query, 50 rows."""
    from connectograph import neo4j_server
    from connectograph.service import BackgroundServer, Limits, ServiceConfig
    uri, auth = neo4j_connection
    config = ServiceConfig(uri=uri, auth=auth, tokens=token_store,
                           limits=Limits(timeout=1.0, max_rows=50))
    cert, key = certificate
    with BackgroundServer(config, port=neo4j_server.free_port(), certfile=cert,
                          keyfile=key) as srv:
        yield srv


def test_row_limit_is_an_error_not_a_cut_result(limited, token):
    import neuprint
    c = neuprint.Client(limited.url, dataset="hemibrain-mb:v1.2.1", token=token,
                        verify=str(limited.certfile), progress=False)
    assert len(c.fetch_custom("MATCH (n:Neuron) RETURN n.bodyId LIMIT 50")) == 50
    with pytest.raises(requests.HTTPError) as err:
        c.fetch_custom("MATCH (n:Neuron) RETURN n.bodyId LIMIT 51")
    assert err.value.response.status_code == 400
    assert "more than 50 rows" in err.value.response.json()["error"]
    neuprint.clear_default_client()


def test_timeout_is_a_clear_error(limited, token):
    """neuPrintHTTP's wording ("Timeout ..."); neuprint-python shows it in its
    HTTPError (it would raise NeuprintTimeoutError, but only tests truthiness
    of the 400 response, which requests makes False)."""
    import neuprint
    c = neuprint.Client(limited.url, dataset="hemibrain-mb:v1.2.1", token=token,
                        verify=str(limited.certfile), progress=False)
    with pytest.raises(requests.HTTPError) as err:
        c.fetch_custom("UNWIND range(1, 10000000000) AS x RETURN sum(x) AS s")
    assert err.value.response.status_code == 400
    assert "Timeout: the query ran longer than 1 s" in str(err.value)
    neuprint.clear_default_client()


def test_binds_to_loopback_by_default(service):
    from connectograph.cli import serve_command
    from connectograph.service.server import build_server
    assert inspect.signature(build_server).parameters["host"].default == "127.0.0.1"
    assert next(p for p in serve_command.params if p.name == "host").default == "127.0.0.1"
    sockets = [s for srv in service.server.servers for s in srv.sockets]
    assert sockets and all(s.getsockname()[0] == "127.0.0.1" for s in sockets)


def test_errors_never_leak_credentials(neo4j_connection, loaded, token_store, token,
                                       certificate, service, http):
    """Wrong Neo4j credentials, syntax errors and unknown datasets: no answer
    holds the Neo4j password (real or wrong) or the user name with it."""
    from connectograph import neo4j_server
    from connectograph.service import BackgroundServer, ServiceConfig
    uri, (user, password) = neo4j_connection
    wrong = "wrong-secret-0xC0FFEE"
    config = ServiceConfig(uri=uri, auth=(user, wrong), tokens=token_store)
    cert, key = certificate
    bodies = []
    with BackgroundServer(config, port=neo4j_server.free_port(), certfile=cert,
                          keyfile=key) as bad:
        r = requests.get(bad.url + "/api/dbmeta/datasets", verify=str(cert),
                         headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 503 and "credentials were refused" in r.json()["error"]
        bodies.append(r.text)
    for payload in ({"cypher": "MATCH (n:Neuron RETURN n", "dataset": "hemibrain-mb:v1.2.1"},
                    {"cypher": "RETURN 1", "dataset": "nope:v1"},
                    {"cypher": "CALL dbms.showCurrentUser()", "dataset": "hemibrain-mb:v1.2.1"},
                    {"dataset": "hemibrain-mb:v1.2.1"}):
        r = http.post(service.url + "/api/custom/custom", json=payload)
        assert 400 <= r.status_code < 500
        bodies.append(r.text)
    bodies.append(http.get(service.url + "/api/dbmeta/database").text)
    for body in bodies:
        assert password not in body and wrong not in body
