"""Backup and restore of a whole local instance with ``neo4j-admin database dump/load``.

A backup is a folder holding ``neo4j.dump`` (the instance's ``neo4j``
database: every dataset in it, their indexes and constraints; not the
``system`` database, so not the users or their passwords) and
``backup.json`` (the Neo4j version that wrote it, the instance, the datasets
it held, the time and the dump's SHA-256). A dump is offline: the server is
stopped for the dump or the load and started again when it was running.

Neo4j loads a dump made by the same major version (or an older one, which
it migrates on start); a dump from a newer major version is refused here
before anything is stopped or changed. See the Neo4j Operations Manual,
"Back up an offline database" and "Restore a database dump".
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from ..errors import BackupError
from .process import load_settings, run_admin, start, status, stop
from .settings import NEO4J_VERSION

__all__ = ["backup", "restore", "read_manifest", "DUMP_FILE", "MANIFEST_FILE"]

DUMP_FILE = "neo4j.dump"
MANIFEST_FILE = "backup.json"
DATABASE = "neo4j"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _major(version: str) -> int:
    return int(str(version).split(".")[0])


def _read_local(instance: str, cypher: str) -> list[dict]:
    """The rows of a read query on a running local instance."""
    from ..connection import Connection
    from .settings import local_connection

    uri, auth = local_connection(instance)
    with Connection(uri, auth=auth) as c:
        return c.read(cypher)


def _datasets(instance: str) -> list[str]:
    """``name:tag`` of every dataset of a running instance (empty when stopped)."""
    if not status(instance).running:
        return []
    return [r["d"] for r in _read_local(
        instance, "MATCH (m:Meta) WHERE m.dataset IS NOT NULL AND m.tag IS NOT NULL "
                  "RETURN m.dataset + ':' + m.tag AS d ORDER BY d")]


def _node_count(instance: str) -> int:
    return _read_local(instance, "MATCH (n) RETURN count(n) AS n")[0]["n"]


def backup(instance: str, directory: str | Path, *, force: bool = False,
           echo: Callable[[str], None] = print) -> dict:
    """Dump an instance's database into ``directory``.

    Parameters
    ----------
    instance : str
        The local instance (``connectograph neo4j start --instance NAME``).
    directory : str or Path
        Created if missing; must be empty unless ``force``.
    force : bool
        Replace a backup already in ``directory``.

    Returns
    -------
    dict
        The manifest written to ``directory/backup.json``: ``neo4j_version``,
        ``instance``, ``datasets`` (``name:tag``), ``created`` (UTC, ISO 8601),
        ``dump`` (file name), ``dump_bytes``, ``dump_sha256``.

    Raises
    ------
    BackupError
        ``directory`` holds files (without ``force``) or is a file; the
        instance was never started (it has no database yet).
    Neo4jServerError
        neo4j-admin failed (the server is started again if it was running).
    """
    folder = Path(directory)
    settings = load_settings(instance)
    if folder.exists() and not folder.is_dir():
        raise BackupError(f"{folder} is a file; give a folder for the backup")
    if folder.exists() and any(folder.iterdir()) and not force:
        raise BackupError(f"{folder} is not empty; choose an empty folder, or pass --force to "
                          "replace the backup in it")
    if not (settings.root / "data" / "databases" / DATABASE).exists():
        raise BackupError(f"instance {instance!r} has no database yet (it was never started); "
                          f"start it and load a dataset first")
    datasets = _datasets(instance)
    was_running = stop(instance, echo=lambda s: None)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        echo(f"Dumping instance {instance!r} ({', '.join(datasets) or 'server stopped'}) "
             f"into {folder} ...")
        run_admin(["database", "dump", DATABASE, f"--to-path={folder}",
                   "--overwrite-destination=true"], settings)
    finally:
        if was_running:
            start(instance, echo=lambda s: None)
    dump = folder / DUMP_FILE
    manifest = {"neo4j_version": NEO4J_VERSION, "instance": instance, "datasets": datasets,
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "dump": DUMP_FILE, "dump_bytes": dump.stat().st_size,
                "dump_sha256": _sha256(dump)}
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
    echo(f"Wrote {dump} ({manifest['dump_bytes'] / 1e6:.1f} MB) and {MANIFEST_FILE}")
    return manifest


def read_manifest(directory: str | Path) -> dict:
    """The checked manifest of a backup folder.

    Raises
    ------
    BackupError
        No ``backup.json`` or dump, a dump that does not match its checksum, or
        a dump written by a newer major version of Neo4j than this one.
    """
    folder = Path(directory)
    path = folder / MANIFEST_FILE
    if not path.is_file():
        raise BackupError(f"{folder} holds no {MANIFEST_FILE}: it is not a connectograph "
                          "backup (make one with: connectograph backup INSTANCE DIR)")
    try:
        manifest = json.loads(path.read_text())
        version, dump_name = manifest["neo4j_version"], manifest["dump"]
    except (ValueError, KeyError, TypeError) as err:
        raise BackupError(f"{path} is not a backup manifest ({err}); make the backup "
                          "again") from None
    dump = folder / dump_name
    if not dump.is_file():
        raise BackupError(f"{path} names {dump_name}, which is not in {folder}")
    if _major(version) > _major(NEO4J_VERSION):
        raise BackupError(
            f"the dump in {folder} was written by Neo4j {version}, a newer major version than "
            f"this server's {NEO4J_VERSION}; Neo4j cannot load it. Restore it with Neo4j "
            f"{_major(version)}, or load the datasets from their sources here")
    if manifest.get("dump_sha256") and _sha256(dump) != manifest["dump_sha256"]:
        raise BackupError(f"{dump} does not match the checksum in {MANIFEST_FILE}: the file "
                          "is damaged or was replaced; use an intact copy of the backup")
    return manifest


def restore(directory: str | Path, instance: str, *, force: bool = False,
            echo: Callable[[str], None] = print) -> dict:
    """Load a backup into an instance's database, replacing what it holds.

    The manifest and dump are checked first; then, unless ``force``, an
    instance holding any node is refused. The server is stopped for the load
    and started again (also when it was not running: the load's result is
    checked by starting it).

    Parameters
    ----------
    directory : str or Path
        A folder written by :func:`backup`.
    instance : str
        The local instance to restore into (set up by ``connectograph neo4j
        start`` once, or any existing one).
    force : bool
        Replace the data the instance holds.

    Returns
    -------
    dict
        The backup's manifest.

    Raises
    ------
    BackupError
        Not a backup, a damaged dump, a dump of a newer Neo4j major version,
        or an instance holding data without ``force``; nothing was changed.
    Neo4jServerError
        neo4j-admin failed.
    """
    manifest = read_manifest(directory)
    settings = load_settings(instance)
    has_database = (settings.root / "data" / "databases" / DATABASE).exists()
    if has_database and not force:
        running = status(instance).running
        if not running:
            start(instance, echo=lambda s: None)
        try:
            nodes = _node_count(instance)
        finally:
            if not running:
                stop(instance, echo=lambda s: None)
        if nodes:
            raise BackupError(f"instance {instance!r} holds {nodes:,} nodes; restoring replaces "
                              "all of them. Pass --force to replace them, or restore into "
                              "another instance (--instance NAME)")
    stop(instance, echo=lambda s: None)
    echo(f"Loading {Path(directory) / manifest['dump']} into instance {instance!r} "
         f"({', '.join(manifest.get('datasets') or []) or 'no dataset listed'}) ...")
    run_admin(["database", "load", DATABASE, f"--from-path={Path(directory)}",
               "--overwrite-destination=true"], settings)
    start(instance, echo=lambda s: None)
    echo(f"Restored; instance {instance!r} is running")
    return manifest
