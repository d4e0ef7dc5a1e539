"""The service's side of Neo4j: read-only query runs with limits, datasets, clients.

Every query of a request runs on the service's one
:class:`~connectograph.connection.Connection` in a managed READ transaction,
so the server itself refuses writes; with a server-side time limit and a
row limit checked while streaming (the result is abandoned at the first row
past the limit, and the request fails: never a silently cut result). The
connection translates Neo4j's errors into connectograph's; the service
words them for its HTTP answers (:func:`service_errors`).
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from ..client import Client
from ..connection import Connection
from ..cypher_files import statement
from ..errors import (AuthenticationError, ConnectionFailedError, DatasetNotFoundError,
                      QueryError, QueryTimeoutError, ReadOnlyAccessError, RowLimitExceededError,
                      ServiceError, TransientQueryError)
from ..identifiers import DatasetName
from .results import to_json_value


@dataclass(frozen=True)
class Limits:
    """Per-request limits.

    Attributes
    ----------
    timeout : float
        Seconds a query may run before the server stops it.
    max_rows : int
        Rows a query may return.
    """

    timeout: float = 60.0
    max_rows: int = 1_000_000


class Backend:
    """One Neo4j connection shared by all requests (its driver is
    thread-safe), plus one connectograph :class:`~connectograph.Client` per
    dataset on that connection, for the endpoints that reuse connectograph's
    fetch functions (skeletons).

    Parameters
    ----------
    uri, auth : optional
        Neo4j to read (see :func:`connectograph.connection.resolve_connection`).
    database : str, optional
        Neo4j database name.
    limits : Limits
    retry_time : float
        Seconds a query is retried when Neo4j is lost or busy before the
        request is answered with a 503 (the driver's default, 30 s, is long
        for a client waiting on an answer).

    Attributes
    ----------
    connection : Connection
        Not verified when the service starts: a server that is down or
        refuses the credentials answers each request with a 503.
    limits : Limits
    """

    def __init__(self, uri: str | None = None, auth: tuple[str, str] | None = None, *,
                 database: str | None = None, limits: Limits = Limits(),
                 retry_time: float = 5.0):
        self.connection = Connection(uri, auth=auth, database=database, verify=False,
                                     retry_time=retry_time)
        self.limits = limits
        self._clients: dict[str, Client] = {}
        self._lock = threading.Lock()

    @property
    def uri(self) -> str:
        """The Neo4j server's URI."""
        return self.connection.uri

    def close(self) -> None:
        for c in self._clients.values():
            c.close()
        self.connection.close()

    # -- running queries -------------------------------------------------------------------
    def run(self, cypher: str, params: dict | None = None, *, timeout: float | None = None,
            max_rows: int | None = None) -> tuple[list[str], list[list[Any]]]:
        """Run a read query; return its column names and JSON-ready rows.

        Raises
        ------
        QueryTimeoutError
            The query ran past the time limit (the message starts with
            "Timeout", so neuprint-python raises its ``NeuprintTimeoutError``).
        RowLimitExceededError
            More rows than ``max_rows``.
        ServiceError
            Neo4j refused the query (syntax, a write in READ mode...): its message.
        ConnectionFailedError
            Neo4j cannot answer now (down, credentials refused, transient failure).
        """
        timeout = self.limits.timeout if timeout is None else timeout
        max_rows = self.limits.max_rows if max_rows is None else max_rows

        def rows_within_limit(result):
            keys = list(result.keys())
            rows = []
            for record in result:
                if len(rows) == max_rows:
                    raise RowLimitExceededError(
                        f"the query returns more than {max_rows:,} rows, the service's limit "
                        "per request; add LIMIT/SKIP to page through the result, or narrow it")
                rows.append([to_json_value(v) for v in record.values()])
            return keys, rows

        with service_errors(timeout):
            return self.connection.run(cypher, params, shape=rows_within_limit,
                                       timeout=timeout)

    def explain(self, cypher: str, params: dict | None = None) -> dict:
        """Neo4j's plan of ``cypher`` (``EXPLAIN``: planned, not run), as the
        driver's dict (``operatorType``, ``args``, ``children``).

        Raises
        ------
        ServiceError
            Neo4j cannot plan the query (syntax...): its message.
        """
        with service_errors(self.limits.timeout):
            return self.connection.run("EXPLAIN " + cypher, params,
                                       shape=lambda result: result.consume().plan)

    # -- datasets ------------------------------------------------------------------------------
    def datasets(self) -> list[dict]:
        """Rows of every published dataset's Meta (see ``service.cypher``)."""
        keys, rows = self.run(statement("service.cypher", "service_datasets"))
        return [dict(zip(keys, row)) for row in rows]

    def dataset_names(self) -> list[str]:
        return [f"{d['dataset']}:{d['tag']}" for d in self.datasets()]

    def current_datasets(self) -> dict[str, DatasetName]:
        """``name:tag`` → the dataset with the label prefix of its current
        version (the staging one while a reload is being published; see
        :mod:`connectograph.loading.write.dataset_writer`), read now."""
        out = {}
        for d in self.datasets():
            ds = DatasetName.parse(f"{d['dataset']}:{d['tag']}")
            label = d.get("metaLabel")
            out[str(ds)] = ds.with_label_prefix(label[:-len("_Meta")] if label else None)
        return out

    def resolve_dataset(self, dataset: str | None,
                        readable: Callable[[str], bool] | None = None) -> DatasetName:
        """The dataset a request is for, with the label prefix of its current
        version, resolved per request (so the query rewriter scopes labels to
        the version that is current when the request comes).

        An empty name means the only loaded dataset (neuPrintHTTP's default).
        ``readable`` (``name:tag`` → bool, the request's token scope): only
        those datasets are offered for an empty name and listed in errors (a
        dataset the token may not read is still returned when named, for the
        caller's 403).

        Raises
        ------
        DatasetNotFoundError
            Unknown dataset, or none given while several are loaded.
        """
        current = self.current_datasets()
        names = [n for n in current if readable is None or readable(n)]
        if not dataset:
            if len(names) == 1:
                return current[names[0]]
            raise DatasetNotFoundError(
                f"say which dataset the request is for (one of {names or 'none loaded'}); "
                "neuprint-python: Client(..., dataset='name:tag')")
        if dataset not in current:
            raise DatasetNotFoundError(
                f"dataset {dataset!r} is not loaded; loaded: {names or 'none'}")
        return current[dataset]

    def client(self, dataset: DatasetName) -> Client:
        """A connectograph Client on ``dataset`` (made once, shared), reading
        the labels of the version ``dataset`` was resolved to
        (:meth:`resolve_dataset`, per request)."""
        key = str(dataset)
        with self._lock:
            if key not in self._clients:
                with service_errors(self.limits.timeout):
                    self._clients[key] = Client(dataset=key, connection=self.connection)
            client = self._clients[key]
            client.use_label_prefix(dataset.label_prefix)
            return client


@contextlib.contextmanager
def service_errors(timeout: float) -> Iterator[None]:
    """connectograph's errors of a query, worded for the service's answers: a
    400 for what the query asked, a 503 for a server that cannot answer now.

    Parameters
    ----------
    timeout : float
        The service's time limit per query (for the timeout message).

    Raises
    ------
    ConnectionFailedError
        (503) The credentials were refused, or the server could not answer
        now (a transient failure); the connection's own (the server was lost,
        no such database) pass unchanged.
    QueryTimeoutError
        (400) "Timeout: ...", neuPrintHTTP's wording.
    ServiceError
        (400) Neo4j refused the query (a write in READ mode: "read-only").
    """
    try:
        yield
    except AuthenticationError:
        raise ConnectionFailedError(
            "the service's Neo4j credentials were refused; restart the service with the "
            "right ones") from None
    except QueryTimeoutError:
        raise QueryTimeoutError(
            f"Timeout: the query ran longer than {timeout:g} s, the service's limit "
            "per request, and was stopped; narrow it (or start the service with a "
            "larger --timeout)", timeout=timeout) from None
    except ReadOnlyAccessError as err:
        raise ServiceError(f"the service is read-only; Neo4j refused: {err.server_message}") \
            from None
    except TransientQueryError as err:
        raise ConnectionFailedError(
            f"Neo4j could not answer now ({err.server_message}); try again") from None
    except QueryError as err:
        if err.server_message is None:     # the driver's, before the query reached Neo4j
            raise ServiceError(f"the query cannot be sent to Neo4j: {err}") from None
        # a refusal: the query's fault; a failure: what it asked failed there
        raise ServiceError(f"Neo4j refused the query: {err.server_message}") from None
