"""fetch_custom: raw Cypher passthrough with parameters (neuprint-python's)."""

from __future__ import annotations

from typing import Literal


from ..client import Client, resolve_client


def fetch_custom(cypher: str, params: dict | None = None,
                 format: Literal["pandas", "json"] = "pandas", *,
                 timeout: float | None = None, client: Client | None = None):
    """Run a read-only Cypher query; mirrors neuprint-python's ``fetch_custom``.

    Parameters
    ----------
    cypher : str
        The query. Refer to values as ``$name`` and pass them in ``params``;
        scope it to the dataset with its labels, e.g. ``client.dataset.label("Neuron")``
        gives ```hemibrain-mb:v1.2.1_Neuron```.
    params : dict, optional
        Query parameters (never format values into the text).
    format : {'pandas', 'json'}
        A DataFrame (one column per returned field), or neuPrintHTTP's
        ``{"columns": [...], "data": [[...], ...]}``.
    timeout : float, optional
        Seconds before the server stops the query (raises QueryTimeoutError).
    client : Client, optional

    Returns
    -------
    DataFrame or dict

    Raises
    ------
    QueryTimeoutError
        The query ran longer than ``timeout``.
    CypherSyntaxError
        The query is not valid Cypher; the message holds Neo4j's, with the
        line and column.
    ReadOnlyAccessError
        The query writes (queries run in READ access mode).
    CypherError
        Neo4j refused the query otherwise (a type error, an unknown function,
        a missing parameter...); the message holds Neo4j's.
    InvalidArgumentError
        ``format`` is neither 'pandas' nor 'json', or a parameter value Neo4j
        cannot hold.
    ConnectionFailedError, AuthenticationError
        The server was lost, or refused the credentials.
    """
    return resolve_client(client).fetch_custom(cypher, params, format=format, timeout=timeout)
