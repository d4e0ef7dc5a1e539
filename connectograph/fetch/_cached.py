"""The fetch functions' side of the result cache: :func:`cached` wraps a
fetch function so that, for a client made with ``cache=DIR``, its answer is
looked up on disk first (see :mod:`connectograph.result_cache` for the key
and why entries never go stale). Without a cache the call goes straight
through."""

from __future__ import annotations

import functools
import inspect

from ..client import Client, default_client
from ..errors import ConnectionFailedError, NoDefaultClientError
from ..vocabulary import current_meta_condition

# The fingerprint of the dataset's current version, read on every cached call
# (one indexed lookup): a client opened before a reload still holds the old Meta.
_FINGERPRINT = ("MATCH (m:Meta) WHERE m.dataset = $name AND m.tag = $tag "
                f"AND {current_meta_condition('m')} RETURN m.fingerprint AS fp")


def _fingerprint(client: Client) -> tuple[str | None, bool]:
    """``(the dataset's Meta fingerprint, whether the server answers)``. The
    fingerprint is read from the current Meta on every call and remembered
    in the cache; with the server down it is the one last seen at this
    address. None (do not cache) for a dataset without one, and for a client
    whose Meta, read when it was made, is no longer the current one (a reload
    since: the client's answers are its own, see :attr:`Client.dataset`).

    Raises
    ------
    ConnectionFailedError
        The server is down and the dataset was never seen at this address.
    """
    cache, place = client.cache, (client.uri, client.database, str(client.dataset))
    if not client.offline or client.server_answers():
        try:
            held = client.meta_properties().get("fingerprint")
            rows = client.read(_FINGERPRINT, {"name": client.dataset.name,
                                              "tag": client.dataset.tag})
        except ConnectionFailedError:
            client.offline = True
        else:
            fp = rows[0]["fp"] if rows else None
            if fp is not None:
                cache.remember_fingerprint(*place, fp)
            return (fp if fp == held else None), True
    fp = cache.known_fingerprint(*place)
    if fp is None:
        raise ConnectionFailedError(
            f"the server at {client.uri} does not answer and no answer about "
            f"{client.dataset} is cached; start it ('connectograph neo4j start') or check "
            "NEO4J_URI")
    return fp, False


#: Arguments that make a call write files: such calls always run.
_WRITES_FILES = ("export_dir", "export_path")


def cached(func):
    """``func`` (a fetch function with a ``client`` argument), answering from
    the client's result cache when it has one. Calls that write files
    (:data:`_WRITES_FILES`) and datasets without a fingerprint are not cached."""
    signature = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        client = bound.arguments.get("client")
        if client is None:
            try:
                client = default_client()
            except NoDefaultClientError:
                return func(*args, **kwargs)
        cache = getattr(client, "cache", None)
        if cache is None or any(bound.arguments.get(name) is not None
                                for name in _WRITES_FILES):
            return func(*args, **kwargs)
        fp, online = _fingerprint(client)
        if fp is None:
            return func(*args, **kwargs)
        bound.apply_defaults()
        key = cache.key(fp, func.__name__,
                        {k: v for k, v in bound.arguments.items() if k != "client"})
        found, value = cache.get(key)
        if found:
            return value
        if not online:
            raise ConnectionFailedError(
                f"the server at {client.uri} does not answer and this {func.__name__} "
                f"question about {client.dataset} is not in the cache {cache.directory}; "
                "start the server ('connectograph neo4j start') or check NEO4J_URI")
        value = func(*args, **kwargs)
        cache.set(key, value)
        return value

    return wrapper
