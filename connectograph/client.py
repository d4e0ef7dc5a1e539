"""The connection to one dataset in a Neo4j database.

:class:`Client` is neuprint-python's ``Client`` without its HTTP layer: it is
scoped to one dataset ``name:tag`` and built on a
:class:`~connectograph.connection.Connection` (the driver, the database, the
one error translation), its own or one shared with other clients.

It reads the dataset's *current* version: the one whose ``:Meta`` has
``loadComplete = true`` (at most one per dataset,
:func:`~connectograph.vocabulary.current_meta_condition`), under the label
prefix that Meta carries: ``name:tag`` at rest, the staging prefix
``name:tag~staging`` while a reload is being published
(:mod:`connectograph.loading.write.dataset_writer`). The prefix travels in
:attr:`Client.dataset` (:class:`~connectograph.identifiers.DatasetName`),
which every fetch function builds its labels from.
"""

from __future__ import annotations

from typing import Any, Iterable, Literal, Sequence

import neo4j
import pandas as pd

from .connection import Connection, CypherRunner, Shape, column_query
from .errors import (ConnectionFailedError, DatasetNotFoundError, InvalidArgumentError,
                     NoDefaultClientError)
from .identifiers import DatasetName
from .vocabulary import current_meta_condition

__all__ = ["Client", "set_default_client", "default_client", "resolve_client", "chunks",
           "column_query", "PUBLISH_MARKS"]

#: Meta properties of a publish under way, left out of :meth:`Client.meta_properties`.
PUBLISH_MARKS = ("publishing", "publishRoiFlags")

# The dataset's current Meta (see the module docstring) and its labels.
_CURRENT_META = ("MATCH (m:Meta) WHERE m.dataset = $name AND m.tag = $tag "
                 f"AND {current_meta_condition('m')} "
                 "RETURN properties(m) AS m, labels(m) AS labels")
# Every dataset with a current version.
_LOADED = (f"MATCH (m:Meta) WHERE {current_meta_condition('m')} "
           "RETURN m.dataset + ':' + m.tag AS ds ORDER BY ds")

_default_client: "Client | None" = None


def set_default_client(client: "Client | None") -> None:
    """Make ``client`` the one used by fetch functions called without ``client=``."""
    global _default_client
    _default_client = client


def default_client() -> "Client":
    """Return the client set with :func:`set_default_client`.

    Raises
    ------
    NoDefaultClientError
        If none was set (also a ``RuntimeError``).
    """
    if _default_client is None:
        raise NoDefaultClientError(
            "no client given and no default client set: pass client=Client(dataset=...) "
            "or call connectograph.set_default_client(Client(dataset=...)) first")
    return _default_client


def resolve_client(client: "Client | None") -> "Client":
    """``client`` if given, else the default client.

    Raises
    ------
    NoDefaultClientError
        ``client`` is None and no default client was set.
    """
    return client if client is not None else default_client()


class Client(CypherRunner):
    """A connection to one dataset of a Neo4j database.

    Parameters
    ----------
    uri : str, optional
        Bolt URI (``bolt://``, ``neo4j://``, ``neo4j+s://``...). Default: see
        :func:`~connectograph.connection.resolve_connection`.
    auth : (str, str), optional
        User name and password.
    dataset : str
        Dataset ``name:tag``, e.g. ``"hemibrain-mb:v1.2.1"``.
    database : str, optional
        Neo4j database name (default: the server's default database).
    check_dataset : bool
        If True (default) check at once that the server answers and that the
        dataset is loaded.
    connection : Connection, optional
        An open connection to use (its driver is shared; closing the client
        leaves it open). Then ``uri``, ``auth`` and ``database`` are not given.
    cache : str or Path, optional
        A directory for the opt-in result cache
        (:mod:`connectograph.result_cache`): fetch results are stored there,
        keyed on the dataset's fingerprint, the function and its arguments,
        and asked again they come from disk. With a cache the client may be
        created while the server is down: cached questions are answered,
        others raise :class:`ConnectionFailedError`.

    Attributes
    ----------
    connection : Connection
        The connection the client runs its queries on.
    cache : ResultCache or None
        The result cache, if ``cache`` was given.
    offline : bool
        True while the server is known not to answer (only with a cache:
        cached questions are answered, others raise ConnectionFailedError).

    Raises
    ------
    ConnectionFailedError
        No server answers at ``uri``; the message says which command starts the
        local one.
    AuthenticationError
        The server refused the credentials.
    DatasetNotFoundError
        ``check_dataset`` and the dataset is not loaded; lists those that are.
    InvalidIdentifierError
        ``dataset`` is not ``name:tag``.
    InvalidArgumentError
        ``connection`` given with ``uri``, ``auth`` or ``database``.
    CacheDirectoryError
        ``cache`` cannot be created or written.

    Examples
    --------
    >>> with Client(dataset="hemibrain-mb:v1.2.1") as c:     # doctest: +SKIP
    ...     neuron_df, roi_counts_df = fetch_neurons(NeuronCriteria(type="MBON14"), client=c)
    """

    def __init__(self, uri: str | None = None, *, auth: tuple[str, str] | None = None,
                 dataset: str, database: str | None = None, check_dataset: bool = True,
                 connection: Connection | None = None, cache: str | Any | None = None):
        self._dataset = DatasetName.parse(dataset)
        self._meta_properties: dict[str, Any] | None = None
        if connection is not None and (uri, auth, database) != (None, None, None):
            raise InvalidArgumentError(
                "give a Client either connection= or uri=/auth=/database=, not both")
        self.cache = None
        if cache is not None:
            from .result_cache import ResultCache
            self.cache = ResultCache(cache)
        self._owns_connection = connection is None
        # with a cache, a server that is down is not an error yet (offline answers)
        self.connection = connection if connection is not None else \
            Connection(uri, auth=auth, database=database, verify=self.cache is None)
        #: True while the server is known to be down (cache given): cached
        #: questions are answered, others raise (see connectograph.result_cache)
        self.offline = False
        if self.cache is not None:
            self.offline = not self.server_answers()
        try:
            if check_dataset and not self.offline:
                self.check_dataset()
        except Exception:
            self.close()
            raise

    # -- lifecycle ---------------------------------------------------------------
    def server_answers(self) -> bool:
        """Whether the server answers now (one connectivity check, no retry);
        updates :attr:`offline`. Other errors (credentials) are raised."""
        try:
            self.connection.verify()
        except ConnectionFailedError:
            self.offline = True
            return False
        self.offline = False
        return True

    def close(self) -> None:
        """Close the connection if the client opened it (a shared one stays open)."""
        if self._owns_connection:
            self.connection.close()

    def __repr__(self) -> str:
        return f"Client({self.uri!r}, dataset={str(self._dataset)!r})"

    def _repr_html_(self) -> str:
        """A notebook's view of the client: the dataset, its counts and ROIs,
        what it has and lacks (:mod:`connectograph.dataset_summary`)."""
        from .dataset_summary import summary_html

        def has_label(label: str) -> bool:
            return bool(self.read(f"MATCH (n:{self.dataset.label(label)}) "
                                  "RETURN true AS found LIMIT 1"))

        return summary_html(str(self._dataset), self.uri, self.meta_properties(), has_label)

    @property
    def uri(self) -> str:
        """The server's URI."""
        return self.connection.uri

    @property
    def database(self) -> str | None:
        """The Neo4j database name (None: the server's default)."""
        return self.connection.database

    @property
    def driver(self) -> neo4j.Driver:
        """The connection's driver (shared with every client of the connection)."""
        return self.connection.driver

    @property
    def dataset(self) -> DatasetName:
        """The dataset, with the label prefix of its current version
        (:attr:`DatasetName.prefix <connectograph.identifiers.DatasetName.prefix>`),
        learnt when the Meta is read (:meth:`meta_properties`).

        While that prefix is the staging one (the client found the dataset
        during a publish), each read of this attribute asks the database
        again, so the client moves to the published labels as soon as the
        publish switches its Meta back to them.

        Two races remain, both known: a query built from the staging prefix
        just before that switch can run just after it, while the staging
        labels are being removed, and see part of the dataset (the window is
        one query long; the next query is right). And a client that found the
        dataset at rest, before a reload's publish began, keeps the published
        prefix: between the publish's commit point and the end of its
        labelling (steps 3-4 in :mod:`connectograph.loading.write.dataset_writer`) the
        published labels hold part of the old version and part of the new
        one. Open a new client after a reload (its Meta, read once, is the
        old one's anyway).
        """
        if not self._dataset.published:
            self._resolve_prefix()
        return self._dataset

    def _resolve_prefix(self) -> None:
        """Read the current Meta's labels again and take its prefix (keep
        the one held if there is no current Meta)."""
        rows = self.read(_CURRENT_META, {"name": self._dataset.name, "tag": self._dataset.tag})
        if rows:
            self._dataset = self._dataset.with_label_prefix(self._meta_prefix(rows[0]["labels"]))

    def use_label_prefix(self, prefix: str | None) -> None:
        """Read the labels starting with ``prefix`` from now on (``None``:
        ``name:tag``), as resolved elsewhere (the service resolves it per
        request).

        Raises
        ------
        InvalidIdentifierError
            If ``prefix`` is not one of this dataset's.
        """
        self._dataset = self._dataset.with_label_prefix(prefix)

    def _meta_prefix(self, labels: list[str]) -> str | None:
        """The label prefix of a Meta from its labels (``None``: ``name:tag``)."""
        ds = str(self._dataset)
        scoped = [lb[:-len("_Meta")] for lb in labels
                  if lb.startswith(ds) and lb.endswith("_Meta") and lb != "Meta"]
        return scoped[0] if scoped else None

    def check_dataset(self) -> None:
        """Raise :class:`DatasetNotFoundError` unless this client's dataset is loaded
        (reads and caches its Meta, see :meth:`meta_properties`)."""
        self._meta_properties = None
        self.meta_properties()

    def meta_properties(self) -> dict[str, Any]:
        """The dataset's ``:Meta`` properties as stored (JSON strings not parsed).

        Read once per client: the first call (or the dataset check when the
        client is created) reads them, later calls return the same dict, so a
        client's first fetch does not pay a second query for them. A dataset
        reloaded while the client is open is seen by a new client.

        The Meta is found by ``dataset``, ``tag`` and ``loadComplete = true``
        (the current version), not by label, and its labels tell the label
        prefix that :attr:`dataset` carries from then on. The marks of a
        publish under way (``publishing``, ``publishRoiFlags``) are left out.

        Raises
        ------
        DatasetNotFoundError
            The dataset is not loaded (or its load has not completed); lists
            the datasets that are.
        """
        if self._meta_properties is None:
            ds = self._dataset
            rows = self.read(_CURRENT_META, {"name": ds.name, "tag": ds.tag})
            if not rows:
                loaded = [r["ds"] for r in self.read(_LOADED)]
                raise DatasetNotFoundError(
                    f"dataset {ds} is not loaded in {self.uri}; loaded: "
                    f"{loaded or 'none'}. Load it with 'connectograph load RECIPE'")
            self._dataset = ds.with_label_prefix(self._meta_prefix(rows[0]["labels"]))
            self._meta_properties = {k: v for k, v in rows[0]["m"].items()
                                     if k not in PUBLISH_MARKS}
        return self._meta_properties

    # -- running Cypher ----------------------------------------------------------------
    def _run(self, cypher: str | Sequence[str], params: dict | None, *, shape: Shape,
             access: str, implicit: bool, timeout: float | None) -> Any:
        return self.connection.run(cypher, params, shape=shape, access=access,
                                   implicit=implicit, timeout=timeout)

    def fetch_custom(self, cypher: str, params: dict | None = None,
                     format: Literal["pandas", "json"] = "pandas",
                     timeout: float | None = None) -> pd.DataFrame | dict:
        """Run raw Cypher with parameters (neuprint-python's ``fetch_custom``).

        Parameters
        ----------
        cypher : str
            The query. Put every value in ``params`` and refer to it as ``$name``.
        params : dict, optional
            Query parameters.
        format : {'pandas', 'json'}
            ``'pandas'``: a DataFrame; ``'json'``: ``{"columns": [...], "data": [[...]]}``
            as neuPrintHTTP returns it.
        timeout : float, optional
            Seconds before the server stops the query (:class:`QueryTimeoutError`).

        Returns
        -------
        DataFrame or dict
            One column per returned field, in order; or the JSON form.

        Raises
        ------
        InvalidArgumentError
            ``format`` is neither 'pandas' nor 'json', or a parameter value
            Neo4j cannot hold.
        CypherSyntaxError, ReadOnlyAccessError, CypherError, QueryTimeoutError
            Neo4j refused or stopped the query (see
            :func:`connectograph.fetch_custom`); the message holds Neo4j's.
        """
        if format not in ("pandas", "json"):
            raise InvalidArgumentError(f"format must be 'pandas' or 'json', not {format!r}")
        keys, values = self.read_values(cypher, params, timeout=timeout)
        if format == "json":
            return {"columns": keys, "data": values}
        return pd.DataFrame(values, columns=keys)


def chunks(items: Iterable[Any], size: int) -> Iterable[list[Any]]:
    """Yield lists of at most ``size`` items (for batched UNWIND writes)."""
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
