"""The connection layer against the real server: a Connection without a
dataset, its result shapes, Clients sharing its driver, and its one error
translation (every driver error reaches the user as ours)."""

from __future__ import annotations

import pandas as pd
import pytest

from connectograph import Client, fetch_custom, set_default_client
from connectograph.connection import ColumnLists, Connection
from connectograph.errors import (AuthenticationError, ConnectionFailedError,
                                  ConnectographError, CypherError, CypherSyntaxError,
                                  InvalidArgumentError, NoDefaultClientError, QueryError,
                                  QueryResultError,
                                  QueryTimeoutError, ReadOnlyAccessError)
from connectograph.fetch import fetch_custom_neurons

pytestmark = pytest.mark.neo4j

DATASET = "hemibrain-mb:v1.2.1"
PROBE_USER = "connectograph_probe"
PROBE_LABEL = "ConnectionProbe"


@pytest.fixture(scope="module")
def connection(neo4j_connection, loaded):
    uri, auth = neo4j_connection
    with Connection(uri, auth=auth) as conn:
        yield conn


# -- the connection and its result shapes --------------------------------------------------------


def test_a_connection_needs_no_dataset(connection, neo4j_connection):
    assert connection.uri == neo4j_connection[0]
    assert connection.read("RETURN 1 AS one") == [{"one": 1}]


def test_run_returns_each_result_shape(connection):
    query = "UNWIND [[2, 'b'], [1, null]] AS r WITH r[0] AS id, r[1] AS name"
    rows = query + " RETURN id, name"
    assert connection.run(rows) == [{"id": 2, "name": "b"}, {"id": 1, "name": None}]
    assert connection.run(rows, shape="values") == (["id", "name"], [[2, "b"], [1, None]])
    frame = connection.run(rows, shape="frame")
    pd.testing.assert_frame_equal(frame, pd.DataFrame({"id": [2, 1], "name": ["b", None]}))
    assert connection.run(query, shape=ColumnLists(["id", "name"], not_null=["id"])) == \
        {"id": [2, 1], "name": ["b", None]}
    assert connection.run(rows, shape=lambda result: [r["id"] for r in result]) == [2, 1]
    empty = connection.run("UNWIND [] AS x RETURN x AS a, 1 AS b", shape="frame")
    assert list(empty.columns) == ["a", "b"] and empty.empty


def test_several_statements_run_in_one_transaction(connection):
    """The statements share the transaction: the last one sees what the
    first wrote, and a failure leaves nothing."""
    try:
        rows = connection.write([f"CREATE (:{PROBE_LABEL} {{v: 1}})",
                                 f"MATCH (p:{PROBE_LABEL}) RETURN count(p) AS n"])
        assert rows == [{"n": 1}]
        with pytest.raises(CypherError):
            connection.write([f"CREATE (:{PROBE_LABEL} {{v: 2}})", "RETURN 1 / 0 AS x"])
        assert connection.read(f"MATCH (p:{PROBE_LABEL}) RETURN collect(p.v) AS v") == \
            [{"v": [1]}]
    finally:
        connection.write(f"MATCH (p:{PROBE_LABEL}) DELETE p")


def test_implicit_transactions_run_call_in_transactions(connection):
    query = (f"UNWIND range(1, 3) AS i CALL (i) {{ CREATE (:{PROBE_LABEL} {{v: i}}) }} "
             "IN TRANSACTIONS OF 1 ROWS RETURN count(*) AS n")
    try:
        with pytest.raises(QueryError, match="implicit transaction"):    # not in a managed one
            connection.run(query, access="write")
        assert connection.run(query, access="write", implicit=True) == [{"n": 3}]
        assert connection.write_in_transactions(
            f"MATCH (p:{PROBE_LABEL}) CALL (p) {{ SET p.seen = true }} IN TRANSACTIONS "
            "RETURN count(*) AS n") == [{"n": 3}]
    finally:
        connection.write(f"MATCH (p:{PROBE_LABEL}) DELETE p")


def test_unknown_shape_or_access_is_an_argument_error(connection):
    with pytest.raises(InvalidArgumentError, match="shape"):
        connection.run("RETURN 1", shape="rows")
    with pytest.raises(InvalidArgumentError, match="access"):
        connection.run("RETURN 1", access="admin")


def test_errors_of_ours_and_of_our_code_pass_unchanged(connection):
    """A shape is our code: what it raises is not taken for the driver's."""
    def ours(result):
        raise QueryResultError("a shape of ours refused the result")

    def bug(result):
        raise ValueError("a bug of ours")
    with pytest.raises(QueryResultError, match="a shape of ours"):
        connection.run("RETURN 1", shape=ours)
    with pytest.raises(ValueError, match="a bug of ours") as info:
        connection.run("RETURN 1", shape=bug)
    assert not isinstance(info.value, ConnectographError)


def test_clients_share_a_connection(connection):
    with Client(dataset=DATASET, connection=connection) as a, \
            Client(dataset=DATASET, connection=connection) as b:
        assert a.driver is b.driver is connection.driver
        assert a.connection is connection and a.uri == connection.uri
        assert fetch_custom(f"MATCH (n:{a.dataset.label('Neuron')}) WHERE n.bodyId = $b "
                            "RETURN n.type AS type", {"b": 300972942}, client=a
                            )["type"].tolist() == ["MBON14"]
    # closing the clients leaves the shared connection open
    assert connection.read("RETURN 2 AS two") == [{"two": 2}]


def test_a_client_takes_a_connection_or_an_address_not_both(connection, neo4j_connection):
    uri, auth = neo4j_connection
    with pytest.raises(InvalidArgumentError, match="not both"):
        Client(uri, auth=auth, dataset=DATASET, connection=connection)


def test_a_client_of_a_connection_still_checks_its_dataset(connection):
    from connectograph.errors import DatasetNotFoundError
    with pytest.raises(DatasetNotFoundError, match=DATASET):
        Client(dataset="nosuch:v0", connection=connection)
    assert connection.read("RETURN 3 AS three") == [{"three": 3}]


# -- the one error translation ---------------------------------------------------------------------


@pytest.fixture
def probe_user(neo4j_connection, loaded):
    """``(admin, password)``: a user PROBE_USER created now (as the admin, in
    the system database) and removed after the test."""
    uri, auth = neo4j_connection
    password = "first-probe-secret-1"
    with Connection(uri, auth=auth, database="system") as admin:
        admin.write(f"CREATE OR REPLACE USER {PROBE_USER} SET PASSWORD $pw CHANGE NOT REQUIRED",
                    {"pw": password})
        yield admin, password
        admin.write(f"DROP USER {PROBE_USER} IF EXISTS")


CHANGES = {"password changed": f"ALTER USER {PROBE_USER} SET PASSWORD 'second-probe-secret-2' "
                               "CHANGE NOT REQUIRED",
           "user dropped": f"DROP USER {PROBE_USER}"}


def _hold_a_connection(client):
    """Keep the client's pooled connection (authenticated before the change)
    busy in an open transaction, so the next query needs a new connection,
    which authenticates again. Returns what to close."""
    session = client.driver.session(database=client.database)
    tx = session.begin_transaction()
    tx.run("RETURN 1").consume()
    return session, tx


@pytest.mark.parametrize("change", list(CHANGES))
def test_credentials_refused_after_connecting_are_an_authentication_error(
        neo4j_connection, probe_user, change):
    """A user whose password changed (or who was dropped) after the client
    connected: the next connection the driver opens is refused. That is
    the driver's AuthError, a ClientError, which the translation must catch
    before ClientError (it used to reach the user raw)."""
    uri, _ = neo4j_connection
    admin, password = probe_user
    with Client(uri, auth=(PROBE_USER, password), dataset=DATASET) as c:
        assert fetch_custom("RETURN 1 AS one", client=c)["one"].tolist() == [1]
        admin.write(CHANGES[change])
        session, tx = _hold_a_connection(c)
        try:
            with pytest.raises(AuthenticationError) as info:
                fetch_custom("RETURN 1 AS one", client=c)
            with pytest.raises(AuthenticationError):
                c.read("RETURN 1 AS one")
        finally:
            tx.close()
            session.close()
    assert uri in str(info.value) and password not in str(info.value)


def test_the_service_answers_a_refused_credential_with_503_wording(neo4j_connection,
                                                                   probe_user):
    """The service's backend words the same error for its HTTP answer."""
    from connectograph.service.backend import Backend
    uri, _ = neo4j_connection
    admin, password = probe_user
    backend = Backend(uri, (PROBE_USER, password))
    try:
        assert backend.run("RETURN 1 AS one") == (["one"], [[1]])
        admin.write(CHANGES["password changed"])
        with backend.connection.driver.session() as session:
            tx = session.begin_transaction()
            tx.run("RETURN 1").consume()
            with pytest.raises(ConnectionFailedError, match="credentials were refused"):
                backend.run("RETURN 1 AS one")
            tx.close()
    finally:
        backend.close()


def test_cypher_syntax_error_is_ours_and_keeps_the_server_message(client):
    with pytest.raises(CypherSyntaxError) as info:
        fetch_custom("MATCH (n:Neuron RETURN n", client=client)
    err = info.value
    assert isinstance(err, CypherError) and isinstance(err, ConnectographError)
    assert isinstance(err, ValueError)
    assert err.code == "Neo.ClientError.Statement.SyntaxError"
    assert err.server_message and err.server_message in str(err)
    assert "Invalid input" in str(err) and "line 1, column 17" in str(err)


def test_syntax_error_in_fetch_custom_neurons_is_ours(client):
    with pytest.raises(CypherSyntaxError, match="Invalid input"):
        fetch_custom_neurons("MATCH (n:Neuron RETURN n", client=client)


def test_a_write_in_fetch_custom_is_refused_read_only(client):
    with pytest.raises(ReadOnlyAccessError, match="read-only") as info:
        fetch_custom(f"CREATE (n:{PROBE_LABEL}) RETURN n", client=client)
    assert "Writing in read access mode not allowed" in str(info.value)
    assert client.read(f"MATCH (n:{PROBE_LABEL}) RETURN count(n) AS n") == [{"n": 0}]


@pytest.mark.parametrize("query,params,code", [
    ("RETURN 1 / 0 AS x", None, "Neo.ClientError.Statement.ArithmeticError"),
    ("RETURN $missing AS x", None, "Neo.ClientError.Statement.ParameterMissing"),
    ("CALL no.such.procedure()", None, "Neo.ClientError.Procedure.ProcedureNotFound"),
    ("RETURN toInteger([1]) AS x", None, "Neo.ClientError.Statement.TypeError"),
])
def test_other_refusals_are_cypher_errors_with_the_server_code(client, query, params, code):
    with pytest.raises(CypherError) as info:
        fetch_custom(query, params, client=client)
    assert info.value.code == code and code in str(info.value)
    assert not isinstance(info.value, CypherSyntaxError)


@pytest.mark.parametrize("value", [{1, 2}, 2 ** 70, object()])
def test_a_parameter_neo4j_cannot_hold_is_an_argument_error(client, value):
    with pytest.raises(InvalidArgumentError, match="driver refused"):
        fetch_custom("RETURN $x AS x", {"x": value}, client=client)


def test_a_negative_timeout_is_an_argument_error(client):
    with pytest.raises(InvalidArgumentError, match="[Tt]imeout"):
        client.read("RETURN 1 AS x", timeout=-1)


def test_timeout_is_ours_with_its_limit(client):
    with pytest.raises(QueryTimeoutError, match="longer than 0.05 s") as info:
        fetch_custom("UNWIND range(1, 10000000000) AS x RETURN sum(x) AS s", timeout=0.05,
                     client=client)
    assert info.value.timeout == 0.05
    assert "TransactionTimedOut" in info.value.code


def test_unknown_database_is_a_connection_error(neo4j_connection, loaded):
    uri, auth = neo4j_connection
    with pytest.raises(ConnectionFailedError, match="no database 'nosuchdb'"):
        Client(uri, auth=auth, dataset=DATASET, database="nosuchdb")


@pytest.mark.parametrize("uri", ["127.0.0.1:7687", "gopher://127.0.0.1:7687"])
def test_an_address_that_is_no_bolt_uri_is_a_connection_error(neo4j_connection, uri):
    _, auth = neo4j_connection
    with pytest.raises(ConnectionFailedError, match="cannot connect to"):
        Connection(uri, auth=auth)


def test_no_default_client_is_ours_and_still_a_runtime_error():
    set_default_client(None)
    with pytest.raises(NoDefaultClientError) as info:
        fetch_custom("RETURN 1")
    assert isinstance(info.value, RuntimeError) and "set_default_client" in str(info.value)


def test_unknown_fetch_custom_format_is_an_argument_error(client):
    with pytest.raises(InvalidArgumentError, match="'pandas' or 'json'") as info:
        fetch_custom("RETURN 1 AS x", format="xml", client=client)
    assert isinstance(info.value, ValueError)
