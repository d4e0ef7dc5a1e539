"""The service's audit log: one line per refused request, in a file that
rotates (:class:`logging.handlers.RotatingFileHandler`).

Each line holds the time, the HTTP status, the token's name (``anonymous``
without one, ``-`` when the token was not valid), the dataset asked for, the
method and path (never the query string, which may hold a secret sent by
mistake) and the reason. Tokens are never written: only their names.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
from pathlib import Path

#: Anything that looks like one of our tokens, and the value of a query
#: parameter named like a token, blanked in every logged text.
_TOKEN_TEXT = re.compile(r"cgtok_[A-Za-z0-9_\-]+|(?<=token=)[^&\s'\"]+", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with every token-like string (``cgtok_...``, ``token=...``)
    replaced by ``<redacted>``."""
    return _TOKEN_TEXT.sub("<redacted>", text)


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating file handler whose files (new and rotated) are mode 600."""

    def _open(self):
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return open(fd, "a", encoding=self.encoding, errors=self.errors)


class AuditLog:
    """Refusals written to ``path`` (made mode 600), rotated at ``max_bytes``.

    Parameters
    ----------
    path : path or None
        The log file; its folder is made if missing. None: no file, the lines
        go to the ``connectograph.service.audit`` logger.
    max_bytes : int
        Size at which the file is renamed ``<path>.1`` (older ones shift up).
    backups : int
        Rotated files kept.
    """

    def __init__(self, path: str | os.PathLike | None, *, max_bytes: int = 10_000_000,
                 backups: int = 5):
        self.path = None if path is None else Path(path)
        self._handler = None
        if self.path is None:
            self._logger = logging.getLogger("connectograph.service.audit")
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handler = _PrivateRotatingFileHandler(
            self.path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
        self._handler.setFormatter(logging.Formatter(
            "%(asctime)s %(message)s", datefmt="%Y-%m-%dT%H:%M:%S%z"))
        # a logger of its own per file, not propagated to the service's log
        self._logger = logging.getLogger(f"connectograph.service.audit.{id(self)}")
        self._logger.propagate = False
        self._logger.setLevel(logging.INFO)
        self._logger.addHandler(self._handler)

    def refusal(self, *, status: int, token_name: str | None, dataset: str | None,
                method: str, path: str, reason: str) -> None:
        """Write one refused request (``path`` without its query string)."""
        request = redact(f"{method} {path}")
        reason = redact(" ".join(reason.split()))
        dataset = redact(dataset or "-")
        self._logger.info(f"status={status} token={token_name or '-'} dataset={dataset} "
                          f"request={request!r} reason={reason!r}")

    def close(self) -> None:
        if self._handler is not None:
            self._logger.removeHandler(self._handler)
            self._handler.close()


class RedactQueryStrings(logging.Filter):
    """A filter for uvicorn's access log: the request line without its query
    string when that holds a token (``?token=cgtok_...`` sent by mistake)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True
