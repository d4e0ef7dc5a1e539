"""The fetch functions' side of the result cache: :func:`cached` wraps a
fetch function so that, for a client made with ``cache=DIR``, its answer is
looked up on disk first (see :mod:`connectograph.result_cache` for the key
and why entries never go stale). Without a cache the call goes straight
through."""

from __future__ import annotations

import functools
import inspect
from typing import Callable

from ..client import Client, default_client
from ..errors import ConnectionFailedError, NoDefaultClientError
from ..identifiers import DatasetName
from ..vocabulary import current_meta_condition

# The fingerprint of the dataset's current version, read on every cached call
# (one indexed lookup): a client opened before a reload still holds the old Meta.
_FINGERPRINT = ("MATCH (m:Meta) WHERE m.dataset = $name AND m.tag = $tag "
                f"AND {current_meta_condition('m')} RETURN m.fingerprint AS fp")


def _fingerprints(client: Client, datasets: list[DatasetName] | None
                  ) -> tuple[str | None, bool]:
    """``(the fingerprints of the datasets asked about, whether the server
    answers)``: the current Metas' ``fingerprint`` (``datasets`` None: the
    client's own dataset), read on every call and remembered in the cache;
    with the server down, those last seen at this address. The fingerprint
    is None (do not cache) when a dataset has none or is not loaded (the
    function then says so), and for a client whose own Meta, read when it
    was made, is no longer the current one (a reload since: the client's
    answers are its own, see :attr:`Client.dataset`).

    Raises
    ------
    ConnectionFailedError
        The server is down and a dataset was never seen at this address.
    """
    cache = client.cache
    names = [client.dataset] if datasets is None else datasets
    places = [(client.uri, client.database, f"{d.name}:{d.tag}") for d in names]
    if not client.offline or client.server_answers():
        try:
            held = client.meta_properties().get("fingerprint") if datasets is None else None
            found = []
            for d, place in zip(names, places):
                rows = client.read(_FINGERPRINT, {"name": d.name, "tag": d.tag})
                found.append(rows[0]["fp"] if rows else None)
        except ConnectionFailedError:
            client.offline = True
        else:
            for fp, place in zip(found, places):
                if fp is not None:
                    cache.remember_fingerprint(*place, fp)
            if None in found or (datasets is None and found[0] != held):
                return None, True
            return "|".join(found), True
    known = [cache.known_fingerprint(*place) for place in places]
    if None in known:
        raise ConnectionFailedError(
            f"the server at {client.uri} does not answer and no answer about "
            f"{places[known.index(None)][2]} is cached; start it ('connectograph neo4j start') "
            "or check NEO4J_URI")
    return "|".join(known), False


#: Arguments that make a call write files: such calls always run.
_WRITES_FILES = ("export_dir", "export_path")
#: Arguments that do not change the answer, left out of the key (a call with
#: a progress bar and one without ask the same question).
_NOT_IN_KEY = ("client", "progress")


def cached(func=None, *, datasets: Callable[[dict], list[str]] | None = None):
    """``func`` (a fetch function with a ``client`` argument), answering from
    the client's result cache when it has one. Calls that write files
    (:data:`_WRITES_FILES`) and datasets without a fingerprint are not cached.

    ``datasets``: for a function about other datasets than the client's
    (``fetch_dataset_diff``...), the names (``name:tag``) it reads, from its
    bound arguments; the key then holds their fingerprints.
    """
    if func is None:
        return functools.partial(cached, datasets=datasets)
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
        bound.apply_defaults()
        names = None if datasets is None else [
            DatasetName.parse(d) for d in datasets(bound.arguments)]
        fp, online = _fingerprints(client, names)
        if fp is None:
            return func(*bound.args, **bound.kwargs)
        key = cache.key(fp, func.__name__,
                        {k: v for k, v in bound.arguments.items() if k not in _NOT_IN_KEY})
        found, value = cache.get(key)
        if found:
            return value
        if not online:
            raise ConnectionFailedError(
                f"the server at {client.uri} does not answer and this {func.__name__} "
                f"question is not in the cache {cache.directory}; "
                "start the server ('connectograph neo4j start') or check NEO4J_URI")
        value = func(*bound.args, **bound.kwargs)
        cache.set(key, value)
        return value

    return wrapper
