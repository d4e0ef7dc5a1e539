"""Facts about the machine and the software a benchmark ran on."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

from ..errors import CypherError


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_facts(*, connection=None, heap: str | None = None, pagecache: str | None = None
                  ) -> dict:
    """Cores, memory, OS, Python and library versions, and the Neo4j server's
    version, heap and page cache.

    Parameters
    ----------
    connection : Connection, optional
        Asks the server for its version and memory settings.
    heap, pagecache : str, optional
        The local instance's settings (shown when the server cannot be asked).
    """
    from ..neo4j_server.settings import total_memory_bytes
    facts = {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(total_memory_bytes() / 2**30, 1),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "connectograph": _version("connectograph"),
        "neo4j driver": _version("neo4j"),
        "neo4j-rust-ext": _version("neo4j-rust-ext"),
        "pandas": _version("pandas"),
        "numpy": _version("numpy"),
        "neuprint-python": _version("neuprint-python"),
        "navis": _version("navis"),
        "neo4j heap": heap or "?",
        "neo4j page cache": pagecache or "?",
    }
    if connection is not None:
        for r in connection.read("CALL dbms.components() YIELD name, versions, edition "
                                 "RETURN name, versions[0] AS version, edition"):
            facts["neo4j server"] = f"{r['name']} {r['version']} {r['edition']}"
        try:
            rows = connection.read(
                "SHOW SETTINGS YIELD name, value WHERE name IN $names RETURN name, value",
                {"names": ["server.memory.heap.max_size", "server.memory.pagecache.size"]})
        except CypherError:  # older servers without SHOW SETTINGS
            rows = []
        for r in rows:
            key = "neo4j heap" if "heap" in r["name"] else "neo4j page cache"
            if r["value"] not in (None, "", "No Value"):
                facts[key] = r["value"]
    return facts
