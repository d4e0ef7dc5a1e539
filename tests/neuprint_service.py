"""Unmodified neuprint-python talking to `connectograph serve` (a background
HTTPS service on the session's Neo4j server), for the modules that check a
dataset through neuPrint's own client."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def neuprint_through_service(neo4j_connection, dataset: str, folder: Path,
                             timeout: float = 60.0):
    """Yield a ``neuprint.Client`` on ``dataset`` through a service started on
    a free port (tokens and certificate in ``folder``); the client's sessions
    are closed before the service stops."""
    import neuprint
    from connectograph import neo4j_server
    from connectograph.service import (BackgroundServer, Limits, ServiceConfig, TokenStore,
                                       ensure_certificate)

    tokens = TokenStore(folder / "tokens.json")
    token, _ = tokens.create("tests")
    cert, key = ensure_certificate(directory=folder / "tls")
    uri, auth = neo4j_connection
    config = ServiceConfig(uri=uri, auth=auth, tokens=tokens, limits=Limits(timeout=timeout))
    with BackgroundServer(config, port=neo4j_server.free_port(), certfile=cert,
                          keyfile=key) as srv:
        client = neuprint.Client(srv.url, dataset=dataset, token=token,
                                 verify=str(srv.certfile), progress=False)
        try:
            yield client
        finally:
            # every copy of the client (neuprint-python keeps one per thread)
            # gone with its open connections, so the service stops at once
            client.session.close()
            neuprint.clear_default_client()
            del client
            gc.collect()
