"""Exception classes of connectograph.

Every error says what was wrong and how to fix it. They all derive from
:class:`ConnectographError`, so ``except ConnectographError`` catches any of them.
"""

from __future__ import annotations


class ConnectographError(Exception):
    """Base class of every error raised by connectograph."""


# --- the local Neo4j server -------------------------------------------------


class Neo4jServerError(ConnectographError):
    """The local Neo4j server could not be installed, started or stopped."""


class JavaNotFoundError(Neo4jServerError):
    """No suitable Java runtime (17 or newer) is on the PATH."""


class MavenNotFoundError(Neo4jServerError):
    """Maven (``mvn``) is needed to download Neo4j but is not on the PATH."""


class PortInUseError(Neo4jServerError):
    """A port the server needs is already taken by another process."""


class ServerNotInstalledError(Neo4jServerError):
    """The local server has not been installed yet."""


# --- connecting ---------------------------------------------------------------


class ConnectionFailedError(ConnectographError):
    """No Neo4j server answered at the configured address, the address cannot
    be used, the server was lost, or it has no database of the name given."""


class AuthenticationError(ConnectographError):
    """The Neo4j server refused the user name or password: when connecting,
    or later (a user whose password changed, or who was dropped, is refused
    at the next connection the driver opens)."""


class DatasetNotFoundError(ConnectographError):
    """The requested dataset (``name:tag``) is not loaded in the database."""


class NoDefaultClientError(ConnectographError, RuntimeError):
    """A fetch function was called without ``client=`` and no default client
    was set (:func:`connectograph.set_default_client`)."""


# --- building queries ---------------------------------------------------------


class InvalidIdentifierError(ConnectographError, ValueError):
    """A label, property or ROI name cannot be used as a Cypher identifier."""


class CriteriaError(ConnectographError, ValueError):
    """A NeuronCriteria or SynapseCriteria argument is invalid."""


class UnknownRoiError(CriteriaError):
    """An ROI name is not defined in the dataset."""


class InvalidRegexError(CriteriaError):
    """A criteria's regular expression (``type``, ``instance``... with ``regex``
    true) is invalid, or Neo4j's Java regex dialect would read it differently
    from Python's (see :mod:`connectograph.criteria.regex`)."""


class InvalidArgumentError(ConnectographError, ValueError):
    """An argument has a value the function does not accept (an unknown
    ``format``, a ``root`` of the wrong kind, a query parameter Neo4j cannot
    hold, a negative timeout...); the message says which values it accepts."""


class DatasetLacksError(ConnectographError, LookupError):
    """The dataset holds none of what a function was asked about (e.g.
    electrical synapses, ``synapse_type="electrical"``, in a dataset
    without gap junctions; per-synapse transmitter predictions for
    ``fetch_synapses(..., nt=...)``), so there is no answer to give: an empty
    result would look like one. The message says what the dataset lacks and
    what it has instead.

    Attributes
    ----------
    lacks : str
        What the dataset lacks, e.g. ``"gap junctions"``.
    """

    def __init__(self, message: str, *, lacks: str):
        super().__init__(message)
        self.lacks = lacks


class MissingDependencyError(ConnectographError, ImportError):
    """An optional dependency a function needs is not installed; the message
    says which extra to install."""


class CacheDirectoryError(ConnectographError, ValueError):
    """The result cache's directory (``Client(cache=DIR)``) cannot be created,
    opened or written; the message names it and says what to give instead."""


# --- running queries ------------------------------------------------------------


class QueryError(ConnectographError):
    """Neo4j refused a query or failed running it (the base of the errors of
    a query that reached the server).

    Parameters
    ----------
    message : str
        What happened and what to do.
    code : str, optional
        Neo4j's status code, e.g. ``Neo.ClientError.Statement.SyntaxError``.
    server_message : str, optional
        Neo4j's own message, whole (also part of ``message``).

    Attributes
    ----------
    code, server_message : str or None
        As given.
    """

    def __init__(self, message: str, *, code: str | None = None,
                 server_message: str | None = None):
        super().__init__(message)
        self.code = code
        self.server_message = server_message


class CypherError(QueryError, ValueError):
    """Neo4j refused the query: what it asks cannot be run as written (a type
    error, an unknown function or procedure, a missing parameter, a division
    by zero...). The message holds Neo4j's."""


class CypherSyntaxError(CypherError):
    """The query is not valid Cypher (syntax, or a variable not defined); the
    message holds Neo4j's, with the line and column."""


class ReadOnlyAccessError(CypherError):
    """A query that writes was run read-only (every fetch function and the
    service run their queries in READ access mode, so the server refuses it)."""


class TransientQueryError(QueryError):
    """Neo4j could not run the query now (a deadlock, memory, a cluster
    leader change); running it again may work."""


class QueryTimeoutError(QueryError):
    """A query ran longer than its time limit and the server stopped it.

    Attributes
    ----------
    timeout : float or None
        The limit in seconds (None: the server's own limit).
    """

    def __init__(self, message: str, *, timeout: float | None = None, **kw):
        super().__init__(message, **kw)
        self.timeout = timeout


class QueryResultError(ConnectographError, ValueError):
    """A query's result lacks what the function needs (e.g. a custom query for
    ``fetch_custom_neurons`` that does not ``RETURN n``)."""


# --- loading ----------------------------------------------------------------------


class RecipeError(ConnectographError, ValueError):
    """A loader recipe is malformed or points at missing files or columns,
    or a file it names cannot be read as a table (empty, not UTF-8, cut
    short); nothing was written.

    Parameters
    ----------
    message : str
        What is wrong and how to fix it; it names the recipe and, where there
        is one, the file.
    file : str, optional
        The input file at fault, when there is one.
    row : int, optional
        1-based data row in ``file`` (the header is row 0).
    column : str, optional
        The column at fault.
    """

    def __init__(self, message: str, *, file: str | None = None,
                 row: int | None = None, column: str | None = None):
        self.file = file
        self.row = row
        self.column = column
        super().__init__(message)


class ValidationError(ConnectographError, ValueError):
    """Input data failed validation; nothing was written.

    Parameters
    ----------
    message : str
        What is wrong and how to fix it.
    file : str, optional
        The input file.
    row : int, optional
        1-based data row in ``file`` (the header is row 0).
    column : str, optional
        The column holding the bad value.
    """

    def __init__(self, message: str, *, file: str | None = None,
                 row: int | None = None, column: str | None = None):
        self.detail = message
        self.file = file
        self.row = row
        self.column = column
        where = []
        if file is not None:
            where.append(f"file {file}")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        prefix = (", ".join(where) + ": ") if where else ""
        super().__init__(prefix + message)

    def at_row(self, row: int) -> "ValidationError":
        """The same error naming data row ``row`` instead."""
        return ValidationError(self.detail, file=self.file, row=row, column=self.column)


class PublishError(ConnectographError):
    """Publishing a loaded dataset failed; the message says which version is
    current (the previous one, untouched, before the switch; the new one,
    readable, after it) and that the next load of the dataset finishes or
    cleans up."""


class BulkImportError(ConnectographError):
    """A bulk import (``connectograph load --bulk``) cannot run or failed:
    the instance already holds data, a value cannot be written as
    ``neo4j-admin`` CSV, or ``neo4j-admin database import`` failed. The
    message says how to go on (another instance, dropping the datasets, or
    loading over Bolt)."""


class SkeletonError(ConnectographError, ValueError):
    """A skeleton (SWC or DataFrame) is malformed: cycles, missing parents,
    duplicate node ids or non-finite coordinates.

    Attributes
    ----------
    position : int or None
        0-based row, in the skeleton table, of the node at fault (None when
        no single node is).
    field : str or None
        Its column at fault: ``rowId``, ``x``, ``y``, ``z``, ``radius`` or ``link``.
    """

    def __init__(self, message: str, *, position: int | None = None,
                 field: str | None = None):
        super().__init__(message)
        self.position = position
        self.field = field


class SkeletonNotFoundError(ConnectographError, LookupError):
    """The dataset holds no skeleton for the requested body."""


class RoiMeshNotFoundError(ConnectographError, LookupError):
    """The dataset has no surface mesh for the requested ROI (or no ROI
    meshes at all); the message names the folder searched."""


class UnknownCellTypeError(ConnectographError, LookupError):
    """No neuron of the dataset has the requested cell ``type``; the message
    names the closest types the dataset has."""


class SkeletonFileError(ValidationError, SkeletonError):
    """A skeleton file given to the loader is malformed; nothing was written.

    Both a :class:`ValidationError` (``file``, ``row``, ``column``) and a
    :class:`SkeletonError`. ``row`` is the line number in an SWC file (comment
    lines counted) and the 1-based data row of a skeleton CSV table (header =
    row 0); ``column`` is the SWC field or CSV column (``rowId``, ``link``,
    ``x``...). Either is None where the problem has no single place.
    """


# --- the neuPrintHTTP-compatible service (connectograph serve) ------------------


class ServiceError(ConnectographError):
    """A request to ``connectograph serve`` cannot be answered (HTTP 4xx)."""

    #: HTTP status the service answers with.
    status_code = 400


class CypherRewriteError(ServiceError, ValueError):
    """A query cannot be scoped to its dataset (unterminated string, unbalanced
    brackets, a label of another dataset, a dynamic label...)."""


class WriteQueryRefusedError(ServiceError, ValueError):
    """A query sent to the read-only service writes, administers the server or
    calls a procedure outside the service's read-only list."""


class RowLimitExceededError(ServiceError):
    """A query returned more rows than the service's per-request limit."""


class InvalidTokenError(ServiceError):
    """A request's bearer token is missing, unknown or revoked."""

    status_code = 401


class DatasetForbiddenError(ServiceError):
    """A request's token may not read the dataset it asks for (outside the
    token's ``--datasets`` patterns)."""

    status_code = 403


class RateLimitedError(ServiceError):
    """A token has too many requests running at once, or sent too many in the
    last interval (the service's ``--max-concurrent`` / ``--rate``)."""

    status_code = 429


class RequestTooLargeError(ServiceError):
    """A request body is larger than the service accepts (``--max-body``)."""

    status_code = 413


# --- synthetic data and benchmarks ------------------------------------------------


class SyntheticDataError(ConnectographError, ValueError):
    """The synthetic generator was given an unusable size, seed or dataset name."""


class BackupError(ConnectographError):
    """A backup or restore (``connectograph backup/restore``) cannot run: a
    folder that is not empty or not a backup, a damaged dump, a dump of a
    newer Neo4j major version, an instance holding data without ``--force``.
    Nothing was changed."""


class BenchmarkError(ConnectographError):
    """A benchmark cannot run (unknown section, missing bench dependency, a
    result that disagrees between our function and its hand-written baseline)."""
