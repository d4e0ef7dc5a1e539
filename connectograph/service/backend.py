"""The service's side of Neo4j: read-only query runs with limits, datasets, clients.

Every query of a request runs in a managed READ transaction
(``session(default_access_mode=READ).execute_read``), so the server itself
refuses writes; with a server-side time limit (``unit_of_work(timeout=...)``)
and a row limit checked while streaming (the result is abandoned at the first
row past the limit, and the request fails: never a silently cut result).
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from typing import Any

import neo4j
import neo4j.exceptions as neo4j_errors

from ..client import Client, resolve_connection
from ..cypher_files import statement
from ..errors import (ConnectionFailedError, DatasetNotFoundError, QueryTimeoutError,
                      RowLimitExceededError, ServiceError)
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
    """One Neo4j driver shared by all requests (it is thread-safe), plus one
    connectograph :class:`~connectograph.Client` per dataset for the endpoints
    that reuse connectograph's fetch functions (skeletons).

    Parameters
    ----------
    uri, auth : optional
        Neo4j to read (see :func:`connectograph.client.resolve_connection`).
    database : str, optional
        Neo4j database name.
    limits : Limits
    """

    def __init__(self, uri: str | None = None, auth: tuple[str, str] | None = None, *,
                 database: str | None = None, limits: Limits = Limits()):
        self.uri, self._auth = resolve_connection(uri, auth)
        self.database = database
        self.limits = limits
        self.driver = neo4j.GraphDatabase.driver(self.uri, auth=self._auth,
                                                 notifications_min_severity="OFF")
        self._clients: dict[str, Client] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        for c in self._clients.values():
            c.close()
        self.driver.close()

    # -- running queries -------------------------------------------------------------------
    def run(self, cypher: str, params: dict | None = None, *, timeout: float | None = None,
            max_rows: int | None = None) -> tuple[list[str], list[list[Any]]]:
        """Run a read query; return its column names and JSON-ready rows.

        Raises
        ------
        QueryTimeoutError
            The query ran past the time limit (the message holds "timeout", so
            neuprint-python raises its ``NeuprintTimeoutError``).
        RowLimitExceededError
            More rows than ``max_rows``.
        ServiceError
            Neo4j refused the query (syntax, a write in READ mode...): its message.
        """
        timeout = self.limits.timeout if timeout is None else timeout
        max_rows = self.limits.max_rows if max_rows is None else max_rows

        def work(tx):
            result = tx.run(cypher, params or {})
            keys = list(result.keys())
            rows = []
            for record in result:
                if len(rows) == max_rows:
                    raise RowLimitExceededError(
                        f"the query returns more than {max_rows:,} rows, the service's limit "
                        "per request; add LIMIT/SKIP to page through the result, or narrow it")
                rows.append([to_json_value(v) for v in record.values()])
            return keys, rows

        work = neo4j.unit_of_work(timeout=timeout)(work)
        with self._translated_errors(timeout):
            with self.driver.session(database=self.database,
                                     default_access_mode=neo4j.READ_ACCESS) as session:
                return session.execute_read(work)

    @contextlib.contextmanager
    def _translated_errors(self, timeout: float):
        """Neo4j's errors as the service's: a 400 for what the query asked, a
        503 for a server that cannot answer now; never a driver error."""
        try:
            yield
        except neo4j_errors.AuthError:      # a ClientError: catch it first
            raise ConnectionFailedError(
                "the service's Neo4j credentials were refused; restart the service with the "
                "right ones") from None
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired):
            raise ConnectionFailedError(
                "the service lost its Neo4j server; is it running? "
                "('connectograph neo4j status')") from None
        except neo4j_errors.Neo4jError as err:
            code = err.code or ""
            if "TransactionTimedOut" in code or "Terminated" in code:
                raise QueryTimeoutError(
                    f"Timeout: the query ran longer than {timeout:g} s, the service's limit "
                    "per request, and was stopped; narrow it (or start the service with a "
                    "larger --timeout)") from None
            if "ForbiddenDueToTransactionType" in code or "AccessMode" in code or \
                    "WriteOnReadOnlyAccessDbException" in code:
                raise ServiceError(f"the service is read-only; Neo4j refused: {err.message}") \
                    from None
            if isinstance(err, neo4j_errors.TransientError):
                raise ConnectionFailedError(
                    f"Neo4j could not answer now ({err.message}); try again") from None
            # ClientError: the query's fault; DatabaseError: what it asked failed there
            raise ServiceError(f"Neo4j refused the query: {err.message}") from None
        except neo4j_errors.DriverError as err:
            raise ServiceError(f"the query cannot be sent to Neo4j: {err}") from None

    def explain(self, cypher: str, params: dict | None = None) -> dict:
        """Neo4j's plan of ``cypher`` (``EXPLAIN``: planned, not run), as the
        driver's dict (``operatorType``, ``args``, ``children``).

        Raises
        ------
        ServiceError
            Neo4j cannot plan the query (syntax...): its message.
        """
        def work(tx):
            return tx.run("EXPLAIN " + cypher, params or {}).consume().plan

        with self._translated_errors(self.limits.timeout):
            with self.driver.session(database=self.database,
                                     default_access_mode=neo4j.READ_ACCESS) as session:
                return session.execute_read(work)

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

    def resolve_dataset(self, dataset: str | None) -> DatasetName:
        """The dataset a request is for, with the label prefix of its current
        version, resolved per request (so the query rewriter scopes labels to
        the version that is current when the request comes).

        An empty name means the only loaded dataset (neuPrintHTTP's default).

        Raises
        ------
        DatasetNotFoundError
            Unknown dataset, or none given while several are loaded.
        """
        current = self.current_datasets()
        names = list(current)
        if not dataset:
            if len(names) == 1:
                return current[names[0]]
            raise DatasetNotFoundError(
                f"say which dataset the request is for (one of {names or 'none loaded'}); "
                "neuprint-python: Client(..., dataset='name:tag')")
        if dataset not in names:
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
                self._clients[key] = Client(self.uri, auth=self._auth, dataset=key,
                                            database=self.database)
            client = self._clients[key]
            client.use_label_prefix(dataset.label_prefix)
            return client
