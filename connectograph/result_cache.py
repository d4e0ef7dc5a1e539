"""The opt-in result cache of ``Client(..., cache=DIR)``: fetch results on
disk, keyed on what cannot change.

A loaded dataset is immutable: a reload writes a new version with a new Meta
``fingerprint`` (the digest of the recipe and its input files), and only a
reload changes the data. So a result is stored under the digest of

- the dataset's Meta ``fingerprint``,
- the connectograph version (a new loader or fetch code may give other
  answers for the same inputs),
- the function's name and its arguments, normalised (defaults filled in,
  criteria by their content, the client left out),

and an entry never goes stale: a reload with other data changes the
fingerprint, so the old entries are simply no longer asked for (a reload of
the same inputs keeps it, and its answers are the same).

The store is `diskcache <https://grantjenks.com/docs/diskcache/>`_ (SQLite
plus files, one directory): chosen over ``joblib.Memory`` because the key
here is ours (a dataset fingerprint the function's arguments do not show;
joblib hashes the arguments and the function's code, and would have to hash
the ``Client``), and because diskcache is safe for several processes and
threads sharing one directory (SQLite transactions), needs no server and
bounds its size (least-recently-stored entries are evicted past
``size_limit``).

With the server down a cached question is still answered (the fingerprint
last seen for the dataset at that address is remembered in the cache); an
uncached one raises the usual :class:`~connectograph.errors.ConnectionFailedError`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from .errors import CacheDirectoryError, MissingDependencyError

__all__ = ["ResultCache", "normalised"]

#: diskcache's default size limit is 1 GiB; results of large queries are big.
DEFAULT_SIZE_LIMIT = 4 * 2**30
_MISSING = object()


def normalised(value: Any) -> Any:
    """``value`` as nested tuples of plain values whose ``repr`` is the same
    for equal arguments (dicts and sets sorted, numpy and pandas values as
    lists, objects such as criteria by class and attributes)."""
    import numpy as np
    import pandas as pd

    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return ("ndarray", str(value.dtype), value.shape, value.tolist())
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return (type(value).__name__, normalised(value.to_dict()))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((repr(normalised(k)), normalised(v))
                                     for k, v in value.items())))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted(repr(normalised(v)) for v in value)))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(normalised(v) for v in value))
    cls = f"{type(value).__module__}.{type(value).__qualname__}"
    if hasattr(value, "__dict__"):
        return (cls, normalised(vars(value)))
    return (cls, repr(value))


class ResultCache:
    """fetch results stored in one directory (see the module docstring).

    Parameters
    ----------
    directory : str or Path
        Created if missing; may be shared by several clients and processes.
    size_limit : int
        Bytes on disk before the oldest entries are evicted.

    Attributes
    ----------
    hits, misses : int
        Lookups answered from the cache / not, by this object.

    Raises
    ------
    CacheDirectoryError
        The directory cannot be created or written.
    MissingDependencyError
        diskcache is not installed (``pip install 'connectograph[cache]'``).
    """

    def __init__(self, directory: str | Path, *, size_limit: int = DEFAULT_SIZE_LIMIT):
        try:
            import diskcache
        except ImportError as err:      # pragma: no cover - an install without the extra
            raise MissingDependencyError(
                "the result cache needs diskcache: pip install 'connectograph[cache]'") from err
        self.directory = Path(directory)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._store = diskcache.Cache(str(self.directory), size_limit=size_limit)
            self._store.set("__writable__", True)
        except Exception as err:        # OSError, sqlite3 errors: not a usable directory
            raise CacheDirectoryError(
                f"cannot use {self.directory} as a result cache: {err}. Give cache= a "
                "directory you can write to (it is created if missing), or leave cache=None"
            ) from err
        self.hits = self.misses = 0

    def __repr__(self) -> str:
        return f"ResultCache({str(self.directory)!r})"

    @staticmethod
    def key(fingerprint: str, function: str, arguments: dict[str, Any]) -> str:
        """The entry's key: a SHA-256 of the fingerprint, the connectograph
        version, the function and its normalised arguments."""
        from importlib.metadata import version
        text = repr((fingerprint, version("connectograph"), function,
                     tuple(sorted((k, normalised(v)) for k, v in arguments.items()))))
        return "result:" + hashlib.sha256(text.encode()).hexdigest()

    def get(self, key: str) -> tuple[bool, Any]:
        """``(True, value)`` if stored (a fresh copy each time), else ``(False, None)``."""
        value = self._store.get(key, default=_MISSING)
        if value is _MISSING:
            self.misses += 1
            return False, None
        self.hits += 1
        return True, value

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` (pickled) under ``key``."""
        self._store.set(key, value)

    @staticmethod
    def _place(uri: str, database: str | None, dataset: str) -> str:
        return f"fingerprint:{uri}|{database or ''}|{dataset}"

    def remember_fingerprint(self, uri: str, database: str | None, dataset: str,
                             fingerprint: str) -> None:
        """Note the fingerprint seen for ``dataset`` at this address (for
        answers while the server is down)."""
        place = self._place(uri, database, dataset)
        if self._store.get(place) != fingerprint:
            self._store.set(place, fingerprint)

    def known_fingerprint(self, uri: str, database: str | None, dataset: str) -> str | None:
        """The fingerprint last seen for ``dataset`` at this address, or None."""
        return self._store.get(self._place(uri, database, dataset))

    def close(self) -> None:
        """Close the store (it reopens on next use)."""
        self._store.close()
