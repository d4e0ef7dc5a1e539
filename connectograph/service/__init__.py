"""``connectograph serve``: a read-only, neuPrintHTTP-compatible HTTP service.

Existing neuPrint tools, neuprint-python above all, talk to it as to
neuprint.janelia.org: same endpoints, same request and response shapes. See
docs/service.md.
"""

from .app import create_app
from .config import ServiceConfig
from .backend import Backend, Limits
from .cypher_rewrite import check_read_only, rewrite_query
from .server import DEFAULT_PORT, BackgroundServer, serve
from .tls import ensure_certificate
from .tokens import TokenStore

__all__ = ["ServiceConfig", "create_app", "Backend", "Limits", "rewrite_query",
           "check_read_only", "serve", "BackgroundServer", "DEFAULT_PORT", "ensure_certificate",
           "TokenStore"]
