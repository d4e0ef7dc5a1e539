"""What a service is configured with, and the API versions it follows."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .backend import Limits
from .tokens import TokenStore

#: The neuPrintHTTP API version whose endpoints and shapes the service follows
#: (neuprint-python reads it to decide whether /api/custom/arrow exists).
NEUPRINT_HTTP_API_VERSION = "1.9.2"
#: neuPrint data model version (neuPrintHTTP's /api/dbmeta/version).
DATA_MODEL_VERSION = "0.5.0"


@dataclass
class ServiceConfig:
    """Settings of one service.

    Attributes
    ----------
    uri, auth, database
        The Neo4j to read (default: see
        :func:`connectograph.connection.resolve_connection`).
    limits : Limits
        Per-request query time and row limits.
    tokens : TokenStore
        Where bearer tokens are checked.
    mesh_dirs : dict
        ``name:tag`` → folder of ``<roi>.obj`` meshes (else found from the recipe).
    public : list of str, optional
        Patterns over ``name:tag`` of datasets anyone may read without a token
        (``serve --public``); None: every request needs a token.
    max_concurrent : int
        Requests one token (or one anonymous client address) may run at once.
    rate : str or None
        Requests one token may start per interval (``"1200/minute"``; the
        ``limits`` library's notation); None: unlimited.
    max_body : int
        Largest request body accepted, in bytes.
    retry_time : float
        Seconds a query is retried when Neo4j is lost or busy before the
        request is answered with a 503.
    audit_log : path, optional
        File of the refusals log (rotated at ``audit_max_bytes``, keeping
        ``audit_backups`` old files); None: refusals go to the
        ``connectograph.service.audit`` logger only.
    """

    uri: str | None = None
    auth: tuple[str, str] | None = None
    database: str | None = None
    limits: Limits = field(default_factory=Limits)
    tokens: TokenStore = field(default_factory=TokenStore)
    mesh_dirs: dict[str, Path] = field(default_factory=dict)
    public: list[str] | None = None
    max_concurrent: int = 8
    rate: str | None = "1200/minute"
    max_body: int = 10_000_000
    retry_time: float = 5.0
    audit_log: Path | None = None
    audit_max_bytes: int = 10_000_000
    audit_backups: int = 5
