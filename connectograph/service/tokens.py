"""Bearer tokens of the service, stored hashed in the connectograph home.

``connectograph token create NAME`` prints a new token once; only its SHA-256
digest is kept, in ``<home>/service/tokens.json`` (mode 600). Tokens are 256
random bits (:func:`secrets.token_urlsafe`), so a plain SHA-256 digest cannot be
reversed or guessed; lookups compare digests in constant time. The service
re-reads the file when it changes, so a revoked token stops working at once.

A token reads every dataset, or those matching its patterns over ``name:tag``
(``connectograph token create NAME --datasets 'hemibrain-mb:*,witvliet2021:d8'``;
shell-style wildcards, :mod:`fnmatch`), as neuPrintHTTP's dataset groups scope
its users.
"""

from __future__ import annotations

import fnmatch
import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..errors import InvalidTokenError, ServiceError

#: Prefix of every token (makes them recognisable in a leaked file or log).
TOKEN_PREFIX = "cgtok_"


def service_home() -> Path:
    """``<connectograph home>/service``: tokens and the TLS certificate."""
    from ..neo4j_server.settings import connectograph_home
    return connectograph_home() / "service"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenInfo:
    """What is stored about a token (never the token itself).

    Attributes
    ----------
    id : str
        Short public id (first 12 hex digits of the digest), used to revoke it.
    name : str
        A label chosen at creation (who or what uses it).
    created : str
        ISO 8601 UTC time of creation.
    sha256 : str
        Hex SHA-256 digest of the token.
    datasets : list of str or None
        Patterns over ``name:tag`` of the datasets it may read (shell-style
        wildcards, :func:`fnmatch.fnmatchcase`); None: every dataset (tokens
        made before scopes existed).
    """

    id: str
    name: str
    created: str
    sha256: str
    datasets: list[str] | None = None

    def allows(self, dataset: str) -> bool:
        """Whether the token may read ``dataset`` (``name:tag``)."""
        return self.datasets is None or any(fnmatch.fnmatchcase(dataset, p)
                                            for p in self.datasets)

    def scope(self) -> str:
        """The datasets it may read, as shown to a user."""
        return "all datasets" if self.datasets is None else ", ".join(self.datasets)

    @property
    def anonymous(self) -> bool:
        """Whether this stands for a request without a token (:func:`anonymous_reader`)."""
        return not self.sha256


def anonymous_reader(public: list[str]) -> TokenInfo:
    """Who a request without a token is on a service with public datasets:
    named ``anonymous``, reading the datasets matching ``public``."""
    return TokenInfo(id="anonymous", name="anonymous", created="", sha256="",
                     datasets=list(public))


def parse_patterns(text: str | None) -> list[str] | None:
    """``'a:*, b:v1'`` → ``['a:*', 'b:v1']`` (None or blank: None, every dataset).

    Raises
    ------
    ServiceError
        A pattern is empty or has no ``:`` between name and tag.
    """
    if text is None or not text.strip():
        return None
    patterns = [p.strip() for p in text.split(",")]
    bad = [p for p in patterns if ":" not in p]
    if bad:
        raise ServiceError(f"dataset pattern {bad[0]!r} has no tag: write NAME:TAG, with "
                           "wildcards if you like ('hemibrain-mb:*', '*:v1.2.1')")
    return patterns


class TokenStore:
    """The token file of one connectograph home.

    Parameters
    ----------
    path : path, optional
        Default ``<home>/service/tokens.json``.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else service_home() / "tokens.json"
        self._lock = threading.Lock()
        self._cache: tuple[float, int, dict[str, TokenInfo]] | None = None

    # -- file ------------------------------------------------------------------------
    def _read(self) -> dict[str, TokenInfo]:
        if not self.path.exists():
            return {}
        try:
            raw = json.loads(self.path.read_text())
            return {t["sha256"]: TokenInfo(**t) for t in raw.get("tokens", [])}
        except (ValueError, KeyError, TypeError) as err:
            raise ServiceError(f"token file {self.path} is damaged ({err}); delete it and "
                               "create new tokens with 'connectograph token create'") from None

    def _write(self, tokens: dict[str, TokenInfo]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump({"tokens": [asdict(t) for t in tokens.values()]}, f, indent=1)
        os.replace(tmp, self.path)
        self._cache = None

    def _tokens(self) -> dict[str, TokenInfo]:
        try:
            st = self.path.stat()
            key = (st.st_mtime, st.st_size)
        except FileNotFoundError:
            return {}
        cached = self._cache
        if cached is not None and cached[:2] == key:
            return cached[2]
        tokens = self._read()
        self._cache = (*key, tokens)
        return tokens

    # -- API ----------------------------------------------------------------------------
    def create(self, name: str, datasets: list[str] | None = None) -> tuple[str, TokenInfo]:
        """Make a new token; return it (shown once) and its stored record.

        Parameters
        ----------
        name : str
            Who or what uses it (the service logs it, never the token).
        datasets : list of str, optional
            Patterns over ``name:tag`` it may read (:func:`parse_patterns`);
            default every dataset.
        """
        if not name or not name.strip():
            raise ServiceError("give the token a name, e.g. 'connectograph token create laptop'")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        digest = _digest(token)
        info = TokenInfo(id=digest[:12], name=name.strip(),
                         created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                         sha256=digest, datasets=None if datasets is None else list(datasets))
        with self._lock:
            tokens = self._read()
            tokens[digest] = info
            self._write(tokens)
        return token, info

    def list(self) -> list[TokenInfo]:
        """Stored tokens, oldest first."""
        return sorted(self._read().values(), key=lambda t: t.created)

    def revoke(self, id_or_name: str) -> list[TokenInfo]:
        """Delete the tokens whose id or name is ``id_or_name``; return them.

        Raises
        ------
        ServiceError
            No token has that id or name.
        """
        with self._lock:
            tokens = self._read()
            gone = [t for t in tokens.values() if id_or_name in (t.id, t.name)]
            if not gone:
                raise ServiceError(f"no token has id or name {id_or_name!r}; see "
                                   "'connectograph token list'")
            for t in gone:
                del tokens[t.sha256]
            self._write(tokens)
        return gone

    def verify(self, token: str | None) -> TokenInfo:
        """The record of a valid token.

        Raises
        ------
        InvalidTokenError
            ``token`` is missing, unknown or revoked.
        """
        if not token:
            raise InvalidTokenError(
                "missing bearer token: send 'Authorization: Bearer <token>' (neuprint-python: "
                "Client(..., token=...)); create one with 'connectograph token create NAME'")
        digest = _digest(token)
        for known, info in self._tokens().items():
            if hmac.compare_digest(known, digest):
                return info
        raise InvalidTokenError("unknown or revoked token; create one with "
                                "'connectograph token create NAME'")
