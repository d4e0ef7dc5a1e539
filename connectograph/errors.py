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
    """No Neo4j server answered at the configured address."""


class AuthenticationError(ConnectographError):
    """The Neo4j server refused the user name or password."""


class DatasetNotFoundError(ConnectographError):
    """The requested dataset (``name:tag``) is not loaded in the database."""


# --- building queries ---------------------------------------------------------


class InvalidIdentifierError(ConnectographError, ValueError):
    """A label, property or ROI name cannot be used as a Cypher identifier."""


class CriteriaError(ConnectographError, ValueError):
    """A NeuronCriteria or SynapseCriteria argument is invalid."""


class UnknownRoiError(CriteriaError):
    """An ROI name is not defined in the dataset."""


class QueryTimeoutError(ConnectographError):
    """A query ran longer than its time limit."""


# --- loading ----------------------------------------------------------------------


class RecipeError(ConnectographError, ValueError):
    """A loader recipe is malformed or points at missing files or columns."""


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


class SkeletonError(ConnectographError, ValueError):
    """A skeleton (SWC or DataFrame) is malformed: cycles, missing parents,
    duplicate node ids or non-finite coordinates."""
