"""The connection to one dataset in a Neo4j database.

:class:`Client` is neuprint-python's ``Client`` without its HTTP layer: it talks
Bolt to any Neo4j 5 (the local server that ``connectograph neo4j start`` runs,
Docker, Aura, a cluster through ``neo4j://`` routing URIs) with the official
driver, and is scoped to one dataset ``name:tag``.

It reads the dataset's *current* version: the one whose ``:Meta`` has
``loadComplete = true`` (at most one per dataset), under the label prefix that
Meta carries: ``name:tag`` at rest, the staging prefix ``name:tag~staging``
while a reload is being published (:mod:`connectograph.loading.write.dataset_writer`). The
prefix travels in :attr:`Client.dataset` (:class:`~connectograph.identifiers.DatasetName`),
which every fetch function builds its labels from.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Iterable, Literal, Sequence

import neo4j
import neo4j.exceptions as neo4j_errors
import pandas as pd

from .errors import (AuthenticationError, ConnectionFailedError, DatasetNotFoundError,
                     QueryTimeoutError)
from .identifiers import DatasetName, escape_name

#: Meta properties of a publish under way, left out of :meth:`Client.meta_properties`.
PUBLISH_MARKS = ("publishing", "publishRoiFlags")

# The dataset's current Meta (see the module docstring) and its labels.
_CURRENT_META = ("MATCH (m:Meta) WHERE m.dataset = $name AND m.tag = $tag "
                 "AND coalesce(m.loadComplete, false) "
                 "RETURN properties(m) AS m, labels(m) AS labels")

_default_client: "Client | None" = None


def set_default_client(client: "Client | None") -> None:
    """Make ``client`` the one used by fetch functions called without ``client=``."""
    global _default_client
    _default_client = client


def default_client() -> "Client":
    """Return the client set with :func:`set_default_client`.

    Raises
    ------
    RuntimeError
        If none was set.
    """
    if _default_client is None:
        raise RuntimeError(
            "no client given and no default client set: pass client=Client(dataset=...) "
            "or call connectograph.set_default_client(Client(dataset=...)) first")
    return _default_client


def resolve_client(client: "Client | None") -> "Client":
    """``client`` if given, else the default client."""
    return client if client is not None else default_client()


def resolve_connection(uri: str | None = None,
                       auth: tuple[str, str] | None = None) -> tuple[str, tuple[str, str]]:
    """Find the Bolt URI and credentials to use.

    Order: explicit arguments; the driver's usual environment variables
    ``NEO4J_URI``, ``NEO4J_USERNAME``, ``NEO4J_PASSWORD``; the local server run
    by ``connectograph neo4j start`` (its URI and generated password are read
    from its home, see :mod:`connectograph.neo4j_server.settings`).

    Raises
    ------
    ConnectionFailedError
        If nothing is configured and no local server is installed.
    """
    uri = uri or os.environ.get("NEO4J_URI")
    if auth is None and os.environ.get("NEO4J_PASSWORD"):
        auth = (os.environ.get("NEO4J_USERNAME", "neo4j"), os.environ["NEO4J_PASSWORD"])
    if uri is not None and auth is not None:
        return uri, auth
    from .neo4j_server.settings import local_connection
    local = local_connection()
    if local is None:
        raise ConnectionFailedError(
            "no Neo4j server configured: set NEO4J_URI/NEO4J_USERNAME/NEO4J_PASSWORD, pass "
            "uri= and auth=, or install and start the local server with "
            "'connectograph neo4j install' and 'connectograph neo4j start'")
    local_uri, local_auth = local
    return uri or local_uri, auth or local_auth


class Client:
    """A connection to one dataset of a Neo4j database.

    Parameters
    ----------
    uri : str, optional
        Bolt URI (``bolt://``, ``neo4j://``, ``neo4j+s://``...). Default: see
        :func:`resolve_connection`.
    auth : (str, str), optional
        User name and password.
    dataset : str
        Dataset ``name:tag``, e.g. ``"hemibrain-mb:v1.2.1"``.
    database : str, optional
        Neo4j database name (default: the server's default database).
    check_dataset : bool
        If True (default) check at once that the server answers and that the
        dataset is loaded.

    Raises
    ------
    ConnectionFailedError
        No server answers at ``uri``; the message says which command starts the
        local one.
    AuthenticationError
        The server refused the credentials.
    DatasetNotFoundError
        ``check_dataset`` and the dataset is not loaded; lists those that are.

    Examples
    --------
    >>> with Client(dataset="hemibrain-mb:v1.2.1") as c:     # doctest: +SKIP
    ...     neuron_df, roi_counts_df = fetch_neurons(NeuronCriteria(type="MBON14"), client=c)
    """

    def __init__(self, uri: str | None = None, *, auth: tuple[str, str] | None = None,
                 dataset: str, database: str | None = None, check_dataset: bool = True):
        self._dataset = DatasetName.parse(dataset)
        self.uri, auth = resolve_connection(uri, auth)
        self.database = database
        self._meta_properties: dict[str, Any] | None = None
        # Server notifications (e.g. "label does not exist" on an empty
        # database) are not errors; keep them out of the user's log.
        self.driver = neo4j.GraphDatabase.driver(self.uri, auth=auth,
                                                 notifications_min_severity="OFF")
        try:
            self._verify()
            if check_dataset:
                self.check_dataset()
        except Exception:
            self.driver.close()
            raise

    # -- lifecycle ---------------------------------------------------------------
    def close(self) -> None:
        """Close the driver and its connections."""
        self.driver.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self.uri!r}, dataset={str(self._dataset)!r})"

    def _verify(self) -> None:
        try:
            self.driver.verify_connectivity()
        except neo4j_errors.AuthError as err:
            raise AuthenticationError(
                f"Neo4j at {self.uri} refused the credentials ({err.message}); check "
                "NEO4J_USERNAME/NEO4J_PASSWORD or the auth= argument") from None
        except (neo4j_errors.ServiceUnavailable, OSError) as err:
            raise ConnectionFailedError(
                f"no Neo4j server answers at {self.uri} ({err}); start the local one with "
                "'connectograph neo4j start' (install it first with "
                "'connectograph neo4j install')") from None

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
                loaded = [r["ds"] for r in self.read(
                    "MATCH (m:Meta) WHERE coalesce(m.loadComplete, false) "
                    "RETURN m.dataset + ':' + m.tag AS ds ORDER BY ds")]
                raise DatasetNotFoundError(
                    f"dataset {ds} is not loaded in {self.uri}; loaded: "
                    f"{loaded or 'none'}. Load it with 'connectograph load RECIPE'")
            self._dataset = ds.with_label_prefix(self._meta_prefix(rows[0]["labels"]))
            self._meta_properties = {k: v for k, v in rows[0]["m"].items()
                                     if k not in PUBLISH_MARKS}
        return self._meta_properties

    # -- running Cypher ----------------------------------------------------------------
    def _run(self, access: str, cypher: str, params: dict | None,
             timeout: float | None) -> tuple[list[str], list[list[Any]]]:
        def work(tx):
            result = tx.run(cypher, params or {})
            values = result.values()
            return list(result.keys()), values

        work = neo4j.unit_of_work(timeout=timeout)(work)
        with self._translated_errors(timeout):
            with self.driver.session(database=self.database, default_access_mode=access) as s:
                if access == neo4j.READ_ACCESS:
                    return s.execute_read(work)
                return s.execute_write(work)

    @contextmanager
    def _translated_errors(self, timeout: float | None):
        """Turn the driver's timeout, authentication and connection errors
        into ours (:class:`QueryTimeoutError`, :class:`AuthenticationError`,
        :class:`ConnectionFailedError`)."""
        try:
            yield
        except neo4j_errors.ClientError as err:
            if err.code and "TransactionTimedOut" in err.code:
                raise QueryTimeoutError(
                    f"query ran longer than {timeout} s and was stopped; narrow the "
                    "criteria or pass a larger timeout") from None
            raise
        except neo4j_errors.AuthError as err:
            raise AuthenticationError(f"Neo4j refused the credentials: {err.message}") from None
        except neo4j_errors.ServiceUnavailable as err:
            raise ConnectionFailedError(
                f"lost the Neo4j server at {self.uri} ({err}); is it running? "
                "('connectograph neo4j status')") from None

    def read(self, cypher: str, params: dict | None = None, *,
             timeout: float | None = None) -> list[dict[str, Any]]:
        """Run a read query; return its rows as dicts."""
        keys, values = self._run(neo4j.READ_ACCESS, cypher, params, timeout)
        return [dict(zip(keys, row)) for row in values]

    def read_values(self, cypher: str, params: dict | None = None, *,
                    timeout: float | None = None) -> tuple[list[str], list[list[Any]]]:
        """Run a read query; return its field names and its rows as lists (the
        driver's fastest result form, for building columns without dicts)."""
        return self._run(neo4j.READ_ACCESS, cypher, params, timeout)

    def read_frame(self, cypher: str, params: dict | None = None, *,
                   timeout: float | None = None) -> pd.DataFrame:
        """Run a read query; return its rows as a DataFrame (one column per
        returned field, in order; empty frame keeps the column names)."""
        keys, values = self._run(neo4j.READ_ACCESS, cypher, params, timeout)
        return pd.DataFrame(values, columns=keys)

    def read_column_lists(self, cypher: str, columns: Sequence[str],
                          params: dict | None = None, *, not_null: Iterable[str] = (),
                          prelude: tuple[str, Sequence[str]] | None = None,
                          timeout: float | None = None) -> dict[str, Any]:
        """Run a read query and fetch its rows column by column (one record).

        The driver decodes one Bolt message per record in Python, which
        dominates the time of large results; here the server collects each
        column into one list, so the whole result travels as one record of
        flat lists (5 to 10 times faster for 100k rows, measured with the
        Rust extension). Order is kept: ``collect`` keeps the order of the rows
        it receives.

        Parameters
        ----------
        cypher : str
            A read query ending in ``WITH <expr> AS <name>, ...`` (optionally
            followed by ``ORDER BY``/``SKIP``/``LIMIT``) whose names are exactly
            ``columns``; this method appends the ``RETURN``.
        columns : sequence of str
            The names of the final ``WITH``, in the order of the result's columns.
        params : dict, optional
            Query parameters.
        not_null : iterable of str
            Columns that are never null (their null masks are not fetched);
            ``collect`` skips nulls, so every other column also fetches
            ``<expr> IS NULL`` and the nulls are put back as None.
        prelude : (str, sequence of str), optional
            A query part that runs first and the names it binds, each to one
            value (e.g. counts that decide whether the columns are worth
            fetching). ``cypher`` then runs inside ``CALL (<names>) { ... }``
            and may use them, so both travel in one round trip. The names
            are spliced into the query escaped
            (:func:`~connectograph.identifiers.escape_name`), as the column
            names are.
        timeout : float, optional
            Seconds before the server stops the query.

        Returns
        -------
        dict of str → list
            One list per name, in ``columns`` order, nulls as None; with a
            ``prelude``, also each of its names with its value.
        """
        names = list(columns)
        query = column_query(cypher, names, not_null)
        if prelude is not None:
            head, carried = prelude
            query = (f"{head}\nCALL ({', '.join(map(escape_name, carried))}) "
                     f"{{\n{query}\n}}\nRETURN *")
        keys, values = self._run(neo4j.READ_ACCESS, query, params, timeout)
        row = dict(zip(keys, values[0]))
        data = {}
        for i, name in enumerate(names):
            col, mask = row[f"v{i}"], row.get(f"n{i}")
            if mask is not None and len(col) < len(mask):
                present = iter(col)
                col = [None if null else next(present) for null in mask]
            data[name] = col
        if prelude is not None:
            data.update((name, row[name]) for name in prelude[1])
        return data

    def read_columns(self, cypher: str, columns: Sequence[str], params: dict | None = None, *,
                     not_null: Iterable[str] = (), timeout: float | None = None
                     ) -> pd.DataFrame:
        """:meth:`read_column_lists` as a DataFrame (one column per name, in
        order; an empty frame with those columns if there are no rows)."""
        data = self.read_column_lists(cypher, columns, params, not_null=not_null,
                                      timeout=timeout)
        return pd.DataFrame(data, columns=list(columns))

    def write(self, cypher: str, params: dict | None = None, *,
              timeout: float | None = None) -> list[dict[str, Any]]:
        """Run a write query in a managed (retried) write transaction."""
        keys, values = self._run(neo4j.WRITE_ACCESS, cypher, params, timeout)
        return [dict(zip(keys, row)) for row in values]

    def write_in_transactions(self, cypher: str, params: dict | None = None
                              ) -> list[dict[str, Any]]:
        """Run a write query in an implicit (auto-commit) transaction, as
        ``CALL { ... } IN TRANSACTIONS`` needs; return its rows. Not retried:
        use it for statements that can be run again after a failure."""
        with self._translated_errors(None):
            with self.driver.session(database=self.database) as s:
                result = s.run(cypher, params or {})
                return [r.data() for r in result]

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
        """
        keys, values = self._run(neo4j.READ_ACCESS, cypher, params, timeout)
        if format == "json":
            return {"columns": keys, "data": values}
        if format != "pandas":
            raise ValueError(f"format must be 'pandas' or 'json', not {format!r}")
        return pd.DataFrame(values, columns=keys)


def column_query(cypher: str, columns: Sequence[str], not_null: Iterable[str] = ()) -> str:
    """``cypher`` (ending in ``WITH <expr> AS <name>, ...``) with the ``RETURN``
    that :meth:`Client.read_column_lists` appends: ``collect(<name>) AS v<i>``
    per column, plus ``collect(<name> IS NULL) AS n<i>`` unless it is in
    ``not_null``. Names are escaped with :func:`~connectograph.identifiers.escape_name`."""
    skip = set(not_null)
    parts = []
    for i, name in enumerate(columns):
        parts.append(f"collect({escape_name(name)}) AS `v{i}`")
        if name not in skip:
            parts.append(f"collect({escape_name(name)} IS NULL) AS `n{i}`")
    return f"{cypher}\nRETURN {', '.join(parts)}"


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
