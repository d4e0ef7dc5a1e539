"""Where the local Neo4j server lives and how it is configured.

Layout under the connectograph home (``$CONNECTOGRAPH_HOME``, default
``$XDG_DATA_HOME/connectograph`` or ``~/.local/share/connectograph``)::

    neo4j-<version>/lib/        server jars (Maven ``dependency:copy-dependencies``)
    neo4j-<version>/plugins/    APOC core and its libraries
    instances/<name>/conf/neo4j.conf
    instances/<name>/data/ logs/ run/ import/
    instances/<name>/connection.json   bolt URI, user, generated password (mode 600)
    instances/<name>/neo4j.pid

Several instances (the demo's ``default`` and the test suite's ``test``) share
one installation.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

#: Neo4j 5.26 LTS release used by the local server.
NEO4J_VERSION = "5.26.19"
#: APOC core; major.minor must match the server.
APOC_VERSION = "5.26.19"
#: Neo4j Browser; 5.24.0 is the last release published as a Maven artifact.
BROWSER_VERSION = "5.24.0"

DEFAULT_INSTANCE = "default"

#: The APOC procedures and functions the server loads
#: (``dbms.security.procedures.allowlist``): what connectograph and
#: neuprint-python call (``apoc.cypher.runTimeboxed``, ``apoc.convert.*``,
#: ``apoc.map.*``) and APOC's read-only families for Browser users. Left out:
#: everything that reads files or URLs (``apoc.load.*``, ``apoc.import.*``,
#: ``apoc.spatial.geocode``), writes them (``apoc.export.*``), runs Cypher
#: strings (``apoc.cypher.*`` but runTimeboxed, ``apoc.periodic.*``,
#: ``apoc.do.*``, ``apoc.when``/``apoc.case``), or administers the server
#: (``apoc.trigger.*``, ``apoc.systemdb.*``, ``apoc.custom.*``, ``apoc.log.*``).
#: ``apoc.lock.*`` is in for the tests that hold a load at one step.
APOC_ALLOWLIST = (
    "apoc.help", "apoc.version", "apoc.cypher.runTimeboxed",
    "apoc.convert.*", "apoc.map.*", "apoc.coll.*", "apoc.text.*", "apoc.number.*",
    "apoc.math.*", "apoc.agg.*", "apoc.date.*", "apoc.temporal.*", "apoc.label.*",
    "apoc.node.*", "apoc.rel.*", "apoc.any.*", "apoc.hashing.*", "apoc.bitwise.*",
    "apoc.scoring.*", "apoc.meta.*", "apoc.path.*", "apoc.algo.*", "apoc.neighbors.*",
    "apoc.util.md5", "apoc.util.sha1", "apoc.util.sha256", "apoc.util.sha384",
    "apoc.util.sha512",
    # locks only: a client holds nodes so a load waits at a chosen step (the
    # atomicity tests kill loads there); the service still refuses every apoc.lock
    "apoc.lock.nodes", "apoc.lock.rels", "apoc.lock.read.nodes", "apoc.lock.read.rels",
)


def connectograph_home() -> Path:
    """The connectograph home folder (``$CONNECTOGRAPH_HOME`` or the XDG data dir)."""
    if os.environ.get("CONNECTOGRAPH_HOME"):
        return Path(os.environ["CONNECTOGRAPH_HOME"]).expanduser().resolve()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "connectograph"


def install_dir() -> Path:
    """Folder holding the server's ``lib/`` and ``plugins/`` jars."""
    return connectograph_home() / f"neo4j-{NEO4J_VERSION}"


def total_memory_bytes() -> int:
    """Physical memory of this machine in bytes."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _megabytes(n_bytes: float) -> str:
    return f"{int(n_bytes // 2**20)}m"


@dataclass
class InstanceSettings:
    """Settings of one server instance.

    Attributes
    ----------
    name : str
        Instance name (folder under ``instances/``).
    bolt_port, http_port : int
        Loopback ports for Bolt and HTTP (Browser at ``/browser``).
    heap : str
        JVM heap, e.g. ``"4g"`` (passed as ``-Xms``/``-Xmx``).
    pagecache : str
        ``server.memory.pagecache.size``.
    """

    name: str = DEFAULT_INSTANCE
    bolt_port: int = 7687
    http_port: int = 7474
    heap: str | None = None
    pagecache: str | None = None

    def __post_init__(self) -> None:
        # Sized for the machine: a quarter of RAM each for heap and page cache,
        # heap within [1 GiB, 8 GiB] and page cache within [512 MiB, 8 GiB],
        # leaving the rest for the OS, Python and the load's pandas frames.
        total = total_memory_bytes()
        if self.heap is None:
            self.heap = _megabytes(min(max(total / 4, 2**30), 8 * 2**30))
        if self.pagecache is None:
            self.pagecache = _megabytes(min(max(total / 4, 2**29), 8 * 2**30))

    @property
    def root(self) -> Path:
        return connectograph_home() / "instances" / self.name

    @property
    def conf_dir(self) -> Path:
        return self.root / "conf"

    @property
    def connection_file(self) -> Path:
        return self.root / "connection.json"

    @property
    def pid_file(self) -> Path:
        return self.root / "neo4j.pid"

    @property
    def log_file(self) -> Path:
        return self.root / "logs" / "console.log"

    @property
    def bolt_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    def neo4j_conf(self) -> str:
        """Text of ``neo4j.conf`` (only keys Neo4j 5.26 knows: an unknown key
        stops the server from starting)."""
        lines = [
            "# Written by connectograph; edits are overwritten by 'connectograph neo4j start'.",
            "server.default_listen_address=127.0.0.1",
            "server.default_advertised_address=127.0.0.1",
            f"server.bolt.listen_address=127.0.0.1:{self.bolt_port}",
            f"server.http.listen_address=127.0.0.1:{self.http_port}",
            "server.https.enabled=false",
            "dbms.security.auth_enabled=true",
            f"server.directories.data={self.root / 'data'}",
            f"server.directories.logs={self.root / 'logs'}",
            f"server.directories.run={self.root / 'run'}",
            # LOAD CSV reads no file: file URLs are off, and the folder Neo4j
            # would confine them to is an empty one of its own (not import/,
            # where bulk loads and Browser favorites are written)
            "dbms.security.allow_csv_import_from_file_urls=false",
            f"server.directories.import={self.root / 'no-file-import'}",
            f"server.directories.plugins={install_dir() / 'plugins'}",
            # only these APOC procedures and functions are loaded at all
            f"dbms.security.procedures.allowlist={','.join(APOC_ALLOWLIST)}",
            "dbms.security.procedures.unrestricted=apoc.*",
            "dbms.usage_report.enabled=false",
            f"server.memory.pagecache.size={self.pagecache}",
            "db.tx_log.rotation.retention_policy=2 files",
            "",
        ]
        return "\n".join(lines)


def read_connection(settings: InstanceSettings) -> dict | None:
    """The stored ``{"uri", "username", "password"}`` of an instance, if any."""
    try:
        return json.loads(settings.connection_file.read_text())
    except FileNotFoundError:
        return None


def instance_name(instance: str | None = None) -> str:
    """``instance``, else ``$CONNECTOGRAPH_INSTANCE``, else ``default``."""
    return instance or os.environ.get("CONNECTOGRAPH_INSTANCE") or DEFAULT_INSTANCE


def local_connection(instance: str | None = None) -> tuple[str, tuple[str, str]] | None:
    """Bolt URI and credentials of a local instance (default:
    ``$CONNECTOGRAPH_INSTANCE`` or ``default``), or None if it was never set up."""
    conn = read_connection(InstanceSettings(name=instance_name(instance)))
    if conn is None:
        return None
    return conn["uri"], (conn["username"], conn["password"])
