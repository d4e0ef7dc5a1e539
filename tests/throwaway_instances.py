"""Throw-away local Neo4j instances for the tests that need a server of their own."""

from __future__ import annotations

import shutil


def stopped_empty_instance(name: str) -> None:
    """Set up the local instance ``name`` afresh (free loopback ports, heap 1g,
    page cache 512m), stopped and without a ``neo4j`` database: what a bulk
    import (neo4j-admin database import) needs."""
    from connectograph import neo4j_server
    from connectograph.neo4j_server.settings import InstanceSettings

    neo4j_server.fresh_instance(name, heap="1g", pagecache="512m")
    neo4j_server.stop(name, echo=lambda s: None)
    data = InstanceSettings(name=name).root / "data"
    for sub in ("databases", "transactions"):
        shutil.rmtree(data / sub / "neo4j")
