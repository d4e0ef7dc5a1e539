"""The service on the real bundle: a BackgroundServer over https in this test
process, reading the session's Neo4j, with a token store and certificate of
its own under a temporary folder (the user's connectograph home is untouched)."""

from __future__ import annotations

import pytest

DATASET = "hemibrain-mb:v1.2.1"


@pytest.fixture(scope="session")
def service_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("service")


@pytest.fixture(scope="session")
def token_store(service_dir):
    from connectograph.service import TokenStore
    return TokenStore(service_dir / "tokens.json")


@pytest.fixture(scope="session")
def token(token_store):
    """A valid bearer token."""
    value, _ = token_store.create("tests")
    return value


@pytest.fixture(scope="session")
def certificate(service_dir):
    from connectograph.service import ensure_certificate
    return ensure_certificate(directory=service_dir / "tls")


@pytest.fixture(scope="session")
def service(neo4j_connection, loaded, token_store, certificate):
    """The running service (``.url``, ``.certfile``, ``.server.config.app``)."""
    from connectograph import neo4j_server
    from connectograph.service import BackgroundServer, Limits, ServiceConfig

    uri, auth = neo4j_connection
    config = ServiceConfig(uri=uri, auth=auth, tokens=token_store,
                           limits=Limits(timeout=30.0, max_rows=200_000))
    cert, key = certificate
    with BackgroundServer(config, port=neo4j_server.free_port(), certfile=cert,
                          keyfile=key) as srv:
        yield srv


@pytest.fixture(scope="session")
def np_client(service, token):
    """neuprint-python's own Client, unmodified, pointed at the service; it
    trusts the service's self-signed certificate through ``verify=<cert path>``."""
    import neuprint
    c = neuprint.Client(service.url, dataset=DATASET, token=token,
                        verify=str(service.certfile), progress=False)
    yield c
    c.session.close()
    neuprint.clear_default_client()


@pytest.fixture(scope="session")
def http(service, token):
    """A requests Session with the token, trusting the certificate."""
    import requests
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    s.verify = str(service.certfile)
    s.trust_env = False     # else REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE replace s.verify
    yield s
    s.close()


@pytest.fixture(scope="module")
def second_dataset(client):
    """A tiny second dataset in the same database: one neuron reusing a
    hemibrain bodyId with another type. Removed afterwards."""
    client.write("CREATE (:Meta:`other-ds:v9_Meta` {dataset: 'other-ds', tag: 'v9', "
                 "loadComplete: true, roiInfo: '{}', superLevelRois: [], primaryRois: [], "
                 "lastDatabaseEdit: '2020-01-01'}) "
                 "CREATE (:Segment:Neuron:`other-ds:v9_Segment`:`other-ds:v9_Neuron` "
                 "{bodyId: 300972942, type: 'NOT-MBON14', roiInfo: '{}'})")
    yield "other-ds:v9"
    client.write("MATCH (n) WHERE n:`other-ds:v9_Meta` OR n:`other-ds:v9_Neuron` DETACH DELETE n")
