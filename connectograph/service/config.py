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
    """

    uri: str | None = None
    auth: tuple[str, str] | None = None
    database: str | None = None
    limits: Limits = field(default_factory=Limits)
    tokens: TokenStore = field(default_factory=TokenStore)
    mesh_dirs: dict[str, Path] = field(default_factory=dict)
