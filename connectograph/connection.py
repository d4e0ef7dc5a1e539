"""The connection to a Neo4j server: one driver, one database, one error translation.

Every part of connectograph that talks to Neo4j builds on :class:`Connection`:
:class:`~connectograph.client.Client` (one dataset, what the fetch functions
read), the loader (writes before any dataset exists), the service (read-only
queries with a time and a row limit) and the benchmarks. It talks Bolt to
any Neo4j 5 (the local server that ``connectograph neo4j start`` runs,
Docker, Aura, a cluster through ``neo4j://`` routing URIs) with the official
driver.

A query runs with :meth:`Connection.run`, which takes the result's shape
(rows as dicts, field names and value lists, a DataFrame, one list per
column, or a function of the driver's result), the access mode, the kind of
transaction and a time limit; :class:`CypherRunner` gives the usual
combinations short names (:meth:`~CypherRunner.read`,
:meth:`~CypherRunner.write`...). Every error of the driver becomes one of
ours (:mod:`connectograph.errors`) in :meth:`Connection.translated_errors`,
the one place that knows the driver's exceptions.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Literal, Sequence, Union

import neo4j
import neo4j.exceptions as neo4j_errors
import pandas as pd

from .errors import (AuthenticationError, ConnectionFailedError, ConnectographError,
                     CypherError, CypherSyntaxError, InvalidArgumentError, QueryError,
                     QueryTimeoutError, ReadOnlyAccessError, TransientQueryError)
from .identifiers import escape_name

#: Neo4j status codes (parts of them) of a write refused in a READ transaction.
_READ_ONLY_CODES = ("AccessMode", "ForbiddenDueToTransactionType",
                    "WriteOnReadOnlyAccessDbException")


def resolve_connection(uri: str | None = None,
                       auth: tuple[str, str] | None = None) -> tuple[str, tuple[str, str]]:
    """Find the Bolt URI and credentials to use.

    Order: explicit arguments; the driver's usual environment variables
    ``NEO4J_URI``, ``NEO4J_USERNAME``, ``NEO4J_PASSWORD``; the local server run
    by ``connectograph neo4j start`` (its URI and generated password are read
    from its home, see :mod:`connectograph.neo4j_server.settings`).

    Returns
    -------
    (str, (str, str))
        The URI and ``(user, password)``.

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


# -- result shapes -------------------------------------------------------------------------------


def column_query(cypher: str, columns: Sequence[str], not_null: Iterable[str] = ()) -> str:
    """``cypher`` (ending in ``WITH <expr> AS <name>, ...``) with the ``RETURN``
    that :class:`ColumnLists` appends: ``collect(<name>) AS v<i>`` per
    column, plus ``collect(<name> IS NULL) AS n<i>`` unless it is in
    ``not_null``. Names are escaped with :func:`~connectograph.identifiers.escape_name`."""
    skip = set(not_null)
    parts = []
    for i, name in enumerate(columns):
        parts.append(f"collect({escape_name(name)}) AS `v{i}`")
        if name not in skip:
            parts.append(f"collect({escape_name(name)} IS NULL) AS `n{i}`")
    return f"{cypher}\nRETURN {', '.join(parts)}"


@dataclass(frozen=True)
class ColumnLists:
    """A result shape: the rows fetched column by column, as one record.

    The driver decodes one Bolt message per record in Python, which
    dominates the time of large results; with this shape the server collects
    each column into one list, so the whole result travels as one record of
    flat lists (5 to 10 times faster for 100k rows, measured with the Rust
    extension). Order is kept: ``collect`` keeps the order of the rows it
    receives.

    The query given to :meth:`Connection.run` ends in ``WITH <expr> AS
    <name>, ...`` (optionally followed by ``ORDER BY``/``SKIP``/``LIMIT``)
    whose names are exactly ``columns``; the shape appends the ``RETURN``
    (:func:`column_query`).

    Attributes
    ----------
    columns : sequence of str
        The names of the final ``WITH``, in the order of the result's columns.
    not_null : iterable of str
        Columns that are never null (their null masks are not fetched);
        ``collect`` skips nulls, so every other column also fetches
        ``<expr> IS NULL`` and the nulls are put back as None.
    prelude : (str, sequence of str), optional
        A query part that runs first and the names it binds, each to one
        value (e.g. counts that decide whether the columns are worth
        fetching). The query then runs inside ``CALL (<names>) { ... }`` and
        may use them, so both travel in one round trip. The names are spliced
        into the query escaped, as the column names are.
    """

    columns: Sequence[str]
    not_null: Iterable[str] = ()
    prelude: tuple[str, Sequence[str]] | None = None

    def query(self, cypher: str) -> str:
        """The query that runs for ``cypher``."""
        query = column_query(cypher, list(self.columns), self.not_null)
        if self.prelude is None:
            return query
        head, carried = self.prelude
        return (f"{head}\nCALL ({', '.join(map(escape_name, carried))}) "
                f"{{\n{query}\n}}\nRETURN *")

    def take(self, result: neo4j.Result) -> dict[str, Any]:
        """The result as a dict of str → list: one list per column, in
        ``columns`` order, nulls as None; with a ``prelude``, also each of its
        names with its value."""
        keys, values = _values(result)
        row = dict(zip(keys, values[0]))
        data = {}
        for i, name in enumerate(self.columns):
            col, mask = row[f"v{i}"], row.get(f"n{i}")
            if mask is not None and len(col) < len(mask):
                present = iter(col)
                col = [None if null else next(present) for null in mask]
            data[name] = col
        if self.prelude is not None:
            data.update((name, row[name]) for name in self.prelude[1])
        return data


def _dicts(result: neo4j.Result) -> list[dict[str, Any]]:
    keys, values = _values(result)
    return [dict(zip(keys, row)) for row in values]


def _values(result: neo4j.Result) -> tuple[list[str], list[list[Any]]]:
    values = result.values()
    return list(result.keys()), values


def _frame(result: neo4j.Result) -> pd.DataFrame:
    keys, values = _values(result)
    return pd.DataFrame(values, columns=keys)


_NAMED_SHAPES: dict[str, Callable[[neo4j.Result], Any]] = {
    "dicts": _dicts, "values": _values, "frame": _frame}

#: What :meth:`Connection.run` accepts as a result shape.
Shape = Union[Literal["dicts", "values", "frame"], ColumnLists,
              Callable[[neo4j.Result], Any]]


def _shape_parts(shape: Shape) -> tuple[Callable[[str], str], Callable[[neo4j.Result], Any]]:
    """(query rewriter, result reader) of a shape.

    Raises
    ------
    InvalidArgumentError
        ``shape`` is none of the accepted ones.
    """
    if isinstance(shape, ColumnLists):
        return shape.query, shape.take
    if isinstance(shape, str) and shape in _NAMED_SHAPES:
        return (lambda cypher: cypher), _NAMED_SHAPES[shape]
    if callable(shape):
        return (lambda cypher: cypher), shape
    raise InvalidArgumentError(
        f"shape must be 'dicts', 'values', 'frame', a ColumnLists or a function of the "
        f"driver's result, not {shape!r}")


# -- running queries -----------------------------------------------------------------------------


class CypherRunner(ABC):
    """The short names of the usual :meth:`run` calls, shared by
    :class:`Connection` and :class:`~connectograph.client.Client`, and their
    use as context managers (``with ... as conn:`` closes on exit).

    A subclass implements ``_run`` with :meth:`run`'s arguments (everything
    here goes through it) and :meth:`close`.
    """

    @abstractmethod
    def _run(self, cypher: str | Sequence[str], params: dict | None, *, shape: Shape,
             access: str, implicit: bool, timeout: float | None) -> Any:
        """Run as :meth:`run` says."""

    @abstractmethod
    def close(self) -> None:
        """Let the connections go."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, cypher: str | Sequence[str], params: dict | None = None, *,
            shape: Shape = "dicts", access: Literal["read", "write"] = "read",
            implicit: bool = False, timeout: float | None = None) -> Any:
        """Run Cypher and return its result in the shape asked for.

        Parameters
        ----------
        cypher : str or sequence of str
            The query; several statements run in order in one transaction
            (the shape reads the last one's result).
        params : dict, optional
            Query parameters (``$name`` in the query), shared by the statements.
        shape : {'dicts', 'values', 'frame'}, ColumnLists or callable
            ``'dicts'``: a list of rows, each a dict of field → value.
            ``'values'``: ``(fields, rows)``, the field names (list of str)
            and the rows as lists (the driver's fastest form).
            ``'frame'``: a DataFrame, one column per field in order (an empty
            result keeps the column names). A :class:`ColumnLists`: a dict of
            column → list (see there). A function: called with the driver's
            ``neo4j.Result`` inside the transaction; what it returns is
            returned (it may stop reading early by raising).
        access : {'read', 'write'}
            The transaction's access mode; a write in a read transaction is
            refused by the server (:class:`~connectograph.errors.ReadOnlyAccessError`).
        implicit : bool
            Run in an implicit (auto-commit) transaction, as ``CALL { ... }
            IN TRANSACTIONS`` needs, instead of a managed one that the driver
            retries after a transient failure. Use it for statements that can
            be run again after a failure.
        timeout : float, optional
            Seconds before the server stops the query.

        Returns
        -------
        list of dict, (list of str, list of list), DataFrame, dict or any
            As ``shape`` says.

        Raises
        ------
        QueryTimeoutError
            The query ran longer than ``timeout`` (or the server's limit).
        CypherSyntaxError, CypherError, ReadOnlyAccessError
            Neo4j refused the query; the message holds Neo4j's.
        TransientQueryError
            Neo4j could not run it now (deadlock, memory); running it again may work.
        QueryError
            Neo4j failed while running it.
        AuthenticationError
            The server refused the credentials (e.g. the user's password
            changed since the connection was made).
        ConnectionFailedError
            The server cannot be reached, or has no database of this name.
        InvalidArgumentError
            A parameter value Neo4j cannot hold (a set, an integer beyond 64
            bits...), a negative timeout, or an unknown shape.
        """
        return self._run(cypher, params, shape=shape, access=access, implicit=implicit,
                         timeout=timeout)

    def read(self, cypher: str, params: dict | None = None, *,
             timeout: float | None = None) -> list[dict[str, Any]]:
        """Run a read query; return its rows as dicts (see :meth:`run`)."""
        return self._run(cypher, params, shape="dicts", access="read", implicit=False,
                         timeout=timeout)

    def read_values(self, cypher: str, params: dict | None = None, *,
                    timeout: float | None = None) -> tuple[list[str], list[list[Any]]]:
        """Run a read query; return its field names and its rows as lists (the
        driver's fastest result form, for building columns without dicts)."""
        return self._run(cypher, params, shape="values", access="read", implicit=False,
                         timeout=timeout)

    def read_frame(self, cypher: str, params: dict | None = None, *,
                   timeout: float | None = None) -> pd.DataFrame:
        """Run a read query; return its rows as a DataFrame (one column per
        returned field, in order; an empty frame keeps the column names)."""
        return self._run(cypher, params, shape="frame", access="read", implicit=False,
                         timeout=timeout)

    def read_column_lists(self, cypher: str, columns: Sequence[str],
                          params: dict | None = None, *, not_null: Iterable[str] = (),
                          prelude: tuple[str, Sequence[str]] | None = None,
                          timeout: float | None = None) -> dict[str, Any]:
        """Run a read query and fetch its rows column by column, in one record
        (see :class:`ColumnLists` for ``cypher``, ``columns``, ``not_null`` and
        ``prelude``).

        Returns
        -------
        dict of str → list
            One list per name, in ``columns`` order, nulls as None; with a
            ``prelude``, also each of its names with its value.
        """
        shape = ColumnLists(list(columns), not_null, prelude)
        return self._run(cypher, params, shape=shape, access="read", implicit=False,
                         timeout=timeout)

    def read_columns(self, cypher: str, columns: Sequence[str], params: dict | None = None, *,
                     not_null: Iterable[str] = (), timeout: float | None = None
                     ) -> pd.DataFrame:
        """:meth:`read_column_lists` as a DataFrame (one column per name, in
        order; an empty frame with those columns if there are no rows)."""
        data = self.read_column_lists(cypher, columns, params, not_null=not_null,
                                      timeout=timeout)
        return pd.DataFrame(data, columns=list(columns))

    def write(self, cypher: str | Sequence[str], params: dict | None = None, *,
              timeout: float | None = None) -> list[dict[str, Any]]:
        """Run a write query (or several statements, in one transaction) in a
        managed (retried) write transaction; return the rows of the last."""
        return self._run(cypher, params, shape="dicts", access="write", implicit=False,
                         timeout=timeout)

    def write_in_transactions(self, cypher: str, params: dict | None = None
                              ) -> list[dict[str, Any]]:
        """Run a write query in an implicit (auto-commit) transaction, as
        ``CALL { ... } IN TRANSACTIONS`` needs; return its rows. Not retried:
        use it for statements that can be run again after a failure."""
        return self._run(cypher, params, shape="dicts", access="write", implicit=True,
                         timeout=None)


class Connection(CypherRunner):
    """A connection to a Neo4j server: the driver and the database to use.

    The driver keeps a pool of connections and is thread-safe: one
    Connection serves a whole program (the service shares one between its
    requests, and its Clients of each dataset share its driver).

    Parameters
    ----------
    uri : str, optional
        Bolt URI (``bolt://``, ``neo4j://``, ``neo4j+s://``...). Default: see
        :func:`resolve_connection`.
    auth : (str, str), optional
        User name and password.
    database : str, optional
        Neo4j database name (default: the server's default database).
    verify : bool
        If True (default) check at once that the server answers and accepts
        the credentials; else the first query finds out.
    retry_time : float, optional
        Seconds the driver keeps retrying a transaction that failed for a
        transient reason (the server lost, busy); default the driver's 30.

    Attributes
    ----------
    uri : str
    database : str or None
    driver : neo4j.Driver
        The official driver (for what this class does not cover; its errors
        are the driver's own).

    Raises
    ------
    ConnectionFailedError
        No server answers at ``uri``, or ``uri`` is not a Neo4j address; the
        message says which command starts the local server.
    AuthenticationError
        The server refused the credentials.

    Examples
    --------
    >>> with Connection() as conn:                                # doctest: +SKIP
    ...     conn.read("RETURN 1 AS one")
    [{'one': 1}]
    """

    def __init__(self, uri: str | None = None, *, auth: tuple[str, str] | None = None,
                 database: str | None = None, verify: bool = True,
                 retry_time: float | None = None):
        self.uri, auth = resolve_connection(uri, auth)
        self.database = database
        with self.translated_errors(connecting=True):
            # Server notifications (e.g. "label does not exist" on an empty
            # database) are not errors; keep them out of the user's log.
            options = {} if retry_time is None else {"max_transaction_retry_time": retry_time}
            self.driver = neo4j.GraphDatabase.driver(self.uri, auth=auth,
                                                     notifications_min_severity="OFF", **options)
        if verify:
            try:
                self.verify()
            except ConnectographError:
                self.driver.close()
                raise

    # -- lifecycle ---------------------------------------------------------------
    def verify(self) -> None:
        """Check that the server answers and accepts the credentials.

        Raises
        ------
        ConnectionFailedError, AuthenticationError
            As for the constructor.
        """
        with self.translated_errors(connecting=True):
            self.driver.verify_connectivity()

    def close(self) -> None:
        """Close the driver and its connections."""
        self.driver.close()

    def __repr__(self) -> str:
        return f"Connection({self.uri!r}, database={self.database!r})"

    # -- running Cypher ----------------------------------------------------------
    def _run(self, cypher: str | Sequence[str], params: dict | None, *, shape: Shape,
             access: str, implicit: bool, timeout: float | None) -> Any:
        if access not in ("read", "write"):
            raise InvalidArgumentError(f"access must be 'read' or 'write', not {access!r}")
        rewrite, take = _shape_parts(shape)
        statements = [cypher] if isinstance(cypher, str) else list(cypher)
        statements[-1] = rewrite(statements[-1])
        params = params or {}
        mode = neo4j.READ_ACCESS if access == "read" else neo4j.WRITE_ACCESS

        def work(tx):
            for stmt in statements[:-1]:
                tx.run(stmt, params).consume()
            return take(tx.run(statements[-1], params))

        with self.translated_errors(timeout, write=access == "write"):
            with self.driver.session(database=self.database, default_access_mode=mode) as s:
                if implicit:
                    for stmt in statements[:-1]:
                        s.run(neo4j.Query(stmt, timeout=timeout), params).consume()
                    return take(s.run(neo4j.Query(statements[-1], timeout=timeout), params))
                work = neo4j.unit_of_work(timeout=timeout)(work)
                return s.execute_read(work) if mode == neo4j.READ_ACCESS else \
                    s.execute_write(work)

    # -- the one error translation --------------------------------------------------
    @contextmanager
    def translated_errors(self, timeout: float | None = None, *, write: bool = False,
                          connecting: bool = False) -> Iterator[None]:
        """Turn every error of the driver raised inside the block into ours.

        Parameters
        ----------
        timeout : float, optional
            The query's time limit (for the timeout message).
        write : bool
            The block ran a write transaction (a write refused then is not a
            read-only refusal).
        connecting : bool
            The block makes the connection (a server that does not answer
            was never reached, rather than lost).

        Raises
        ------
        AuthenticationError
            The server refused the credentials (caught before
            :class:`~neo4j.exceptions.ClientError`, its base class).
        ConnectionFailedError
            No server answers, the URI is not a Neo4j address, the server was
            lost, no connection could be had from the pool, or the database
            does not exist.
        QueryTimeoutError, CypherSyntaxError, ReadOnlyAccessError, CypherError,
        TransientQueryError, QueryError
            Neo4j refused or failed the query (see :meth:`query_error`).
        InvalidArgumentError
            The driver refused an argument (a parameter value it cannot send,
            a negative timeout).

        Errors of ours raised inside the block pass unchanged.
        """
        try:
            yield
        except ConnectographError:
            raise
        except neo4j_errors.AuthError as err:       # a ClientError: caught before it
            raise AuthenticationError(
                f"Neo4j at {self.uri} refused the credentials ({err.message}); check "
                "NEO4J_USERNAME/NEO4J_PASSWORD or the auth= argument (a user whose "
                "password changed, or who was dropped, is refused at the next connection "
                "the driver opens)") from None
        except neo4j_errors.Neo4jError as err:
            raise self.query_error(err, timeout, write=write) from None
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired, OSError) as err:
            if isinstance(err, OSError) and not connecting:
                raise
            if connecting:
                raise ConnectionFailedError(
                    f"no Neo4j server answers at {self.uri} ({err}); start the local one "
                    "with 'connectograph neo4j start' (install it first with "
                    "'connectograph neo4j install')") from None
            raise ConnectionFailedError(
                f"lost the Neo4j server at {self.uri} ({err}); is it running? "
                "('connectograph neo4j status')") from None
        except (neo4j_errors.ConfigurationError, ImportError) as err:
            if isinstance(err, ImportError) and not connecting:
                raise
            # an unknown scheme; http(s):// needs a driver extra this package does not use
            raise ConnectionFailedError(
                f"cannot connect to {self.uri!r}: {err}; give a Bolt URI such as "
                "bolt://127.0.0.1:7687 or neo4j+s://host") from None
        except neo4j_errors.ConnectionPoolError as err:
            raise ConnectionFailedError(
                f"no connection to the Neo4j server at {self.uri} could be had ({err}); "
                "too many queries at once, or the server stopped answering") from None
        except neo4j_errors.DriverError as err:
            raise QueryError(f"the query could not be run: {err}") from None
        except (ValueError, TypeError, OverflowError) as err:
            if not _raised_by_driver(err):
                raise
            raise InvalidArgumentError(
                f"Neo4j's driver refused an argument of the query: {err}. Parameters may "
                "be None, booleans, integers of 64 bits, floats, strings, bytes, lists, "
                "dicts with string keys, dates, times, durations and spatial points; a "
                "timeout is a number of seconds >= 0") from None

    def query_error(self, err: neo4j_errors.Neo4jError, timeout: float | None = None, *,
                    write: bool = False) -> ConnectographError:
        """Our error for an error Neo4j answered a query with.

        Parameters
        ----------
        err : neo4j.exceptions.Neo4jError
            The driver's error.
        timeout : float, optional
            The query's time limit.
        write : bool
            The query ran in a write transaction.

        Returns
        -------
        ConnectographError
            :class:`QueryTimeoutError` (the transaction timed out, or was
            terminated while it had a time limit); :class:`ConnectionFailedError`
            (no such database); :class:`ReadOnlyAccessError` (a write in a
            read transaction); :class:`TransientQueryError`;
            :class:`CypherSyntaxError`; :class:`CypherError` (any other
            refusal of the query); :class:`QueryError` (the server failed).
            Each keeps Neo4j's ``code`` and message.
        """
        code = err.code or ""
        said = err.message or str(err)
        facts = {"code": code or None, "server_message": said}
        if "TransactionTimedOut" in code or ("Terminated" in code and timeout is not None):
            limit = f"{timeout:g} s" if timeout is not None else "the server's time limit"
            return QueryTimeoutError(
                f"query ran longer than {limit} and was stopped; narrow the criteria or "
                "pass a larger timeout", timeout=timeout, **facts)
        if "DatabaseNotFound" in code:
            return ConnectionFailedError(
                f"Neo4j at {self.uri} has no database {self.database!r} ({said}); leave "
                "database= out for the server's default database")
        if not write and any(part in code for part in _READ_ONLY_CODES):
            return ReadOnlyAccessError(
                f"Neo4j refused a write in a read-only query: {said}", **facts)
        if isinstance(err, neo4j_errors.TransientError):
            return TransientQueryError(
                f"Neo4j could not run the query now ({said}); run it again", **facts)
        if code.endswith("Statement.SyntaxError"):
            return CypherSyntaxError(f"Cypher syntax error: {said}", **facts)
        if isinstance(err, neo4j_errors.ClientError):
            return CypherError(f"Neo4j refused the query ({code}): {said}", **facts)
        return QueryError(f"Neo4j failed running the query ({code}): {said}", **facts)


def _raised_by_driver(err: BaseException) -> bool:
    """Whether ``err`` was raised inside the neo4j driver (e.g. packing a
    parameter value it cannot send), not by our code or a shape function."""
    tb = err.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_globals.get("__name__", "").startswith("neo4j")
