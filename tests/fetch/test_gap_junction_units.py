"""synapse_type (chemical, electrical, both) without a server: the Cypher each
connection function builds (values as parameters), argument checks, the
"dataset lacks gap junctions" error, and connection_table_to_matrix on small
frames. The answers on real data are tested in test_gap_junctions.py."""

from __future__ import annotations

import pandas as pd
import pytest

from connectograph import NC
from connectograph.errors import (ConnectographError, DatasetLacksError,
                                  InvalidArgumentError)
from connectograph.fetch import (fetch_adjacencies, fetch_common_connectivity, fetch_paths,
                                 fetch_shortest_paths, fetch_simple_connections)
from connectograph.fetch._dataset import DatasetInfo
from connectograph.fetch._synapse_types import has_gap_junctions
from connectograph.identifiers import DatasetName
from connectograph.utils import connection_table_to_matrix

DS = "gapunit:v1"
NEURON, SEGMENT = f"`{DS}_Neuron`", f"`{DS}_Segment`"
AVAL, AVAR = 101, 102


class RecordingClient:
    """Stands in for a Client: records each query and its parameters and
    answers with no rows (the Meta as given: ``flag`` is its
    ``hasGapJunctions``, None for a Meta without it)."""

    def __init__(self, flag: bool | None = True, gap_junctions_in_db: int = 0):
        self.dataset = DatasetName.parse(DS)
        meta = {} if flag is None else {"hasGapJunctions": flag}
        self._dataset_info = DatasetInfo(meta=meta, all_rois=["R1"], primary_rois=["R1"],
                                         neuron_properties={"type": "String",
                                                            "instance": "String"},
                                         label_counts={"Neuron": 10, "Segment": 10})
        self.in_db = gap_junctions_in_db
        self.queries: list[tuple[str, dict]] = []

    def _record(self, cypher, params):
        self.queries.append((cypher, dict(params or {})))

    def read(self, cypher, params=None, *, timeout=None):
        self._record(cypher, params)
        if "count(g) AS n" in cypher:
            return [{"n": self.in_db}]
        if "RETURN true AS found" in cypher:
            return [{"found": True}] if self.in_db else []
        if "collect(n.bodyId) AS ids" in cypher:      # paths: both ends exist
            return [{"ids": [params["src"], params["dest"]]}]
        return []

    def read_column_lists(self, cypher, columns, params=None, *, not_null=(), prelude=None,
                          timeout=None):
        self._record(cypher, params)
        return {c: [] for c in columns}

    def read_columns(self, cypher, columns, params=None, *, not_null=(), timeout=None):
        self._record(cypher, params)
        return pd.DataFrame({c: [] for c in columns}, columns=list(columns))


def _texts(client) -> list[str]:
    return [q for q, _ in client.queries]


def _values(params: dict) -> list:
    out = []
    for v in params.values():
        out += list(v) if isinstance(v, (list, tuple)) else [v]
    return out


# --- argument checks ---------------------------------------------------------------------

CALLS = {
    "fetch_simple_connections": lambda st, c: fetch_simple_connections(
        NC(type="AVAL"), synapse_type=st, client=c),
    "fetch_adjacencies": lambda st, c: fetch_adjacencies(
        NC(type="AVAL"), synapse_type=st, client=c),
    "fetch_common_connectivity": lambda st, c: fetch_common_connectivity(
        NC(type="AVAL"), synapse_type=st, client=c),
    "fetch_paths": lambda st, c: fetch_paths(AVAL, AVAR, path_length=2, synapse_type=st,
                                             client=c),
    "fetch_shortest_paths": lambda st, c: fetch_shortest_paths(AVAL, AVAR, synapse_type=st,
                                                               client=c),
}


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("bad", ["Electrical", "gap", "", None, 1, ["chemical"]])
def test_unknown_synapse_type_is_refused_before_any_query(name, bad):
    client = RecordingClient()
    with pytest.raises(InvalidArgumentError, match="synapse_type must be 'chemical'") as info:
        CALLS[name](bad, client)
    assert name.replace("fetch_shortest_paths", "fetch_paths") in str(info.value)
    assert client.queries == []


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("synapse_type", ["electrical", "both"])
def test_a_dataset_without_gap_junctions_says_so(name, synapse_type):
    client = RecordingClient(flag=False)
    with pytest.raises(DatasetLacksError, match="has no gap junctions") as info:
        CALLS[name](synapse_type, client)
    assert isinstance(info.value, ConnectographError) and info.value.lacks == "gap junctions"
    assert "only chemical connections (ConnectsTo)" in str(info.value)
    assert DS in str(info.value)
    assert not any("GapJunction" in q for q in _texts(client))    # no query was run
    CALLS[name]("chemical", client)                            # chemical still answers


def test_gap_junctions_found_by_query_without_the_meta_flag():
    # No GapJunction in the database: the count store answers, one query.
    client = RecordingClient(flag=None, gap_junctions_in_db=0)
    assert has_gap_junctions(client) is False
    assert _texts(client) == ["MATCH ()-[g:GapJunction]->() RETURN count(g) AS n"]
    assert has_gap_junctions(client) is False and len(client.queries) == 1   # cached
    # Some in the database: whether one starts at this dataset's Segments.
    client = RecordingClient(flag=None, gap_junctions_in_db=12)
    assert has_gap_junctions(client) is True
    assert _texts(client)[1] == (f"MATCH (a:{SEGMENT})-[:GapJunction]->() "
                                 "RETURN true AS found LIMIT 1")
    # The Meta flag, where written, answers without a query.
    client = RecordingClient(flag=True)
    assert has_gap_junctions(client) is True and client.queries == []


@pytest.mark.parametrize("synapse_type", ["electrical", "both"])
def test_rois_cannot_filter_gap_junctions(synapse_type):
    for call in (fetch_simple_connections, fetch_adjacencies):
        client = RecordingClient()
        with pytest.raises(InvalidArgumentError, match="no ROI breakdown"):
            call(NC(type="AVAL"), rois=["R1"], synapse_type=synapse_type, client=client)
        assert client.queries == []


# --- the Cypher built ---------------------------------------------------------------------

def test_simple_connections_chemical_query_is_unchanged():
    client = RecordingClient()
    fetch_simple_connections(NC(type="AVAL"), min_weight=3, client=client)
    (cypher, params), = client.queries
    # The query of dc9e45a, before synapse_type existed, to the byte.
    assert cypher == (
        f"MATCH (n:{NEURON})-[e:ConnectsTo]->(m:{NEURON})\n"
        "WHERE (n.`type` = $p0) AND (true) AND e.weight >= $min_weight\n"
        "WITH n.bodyId AS bodyId_pre, m.bodyId AS bodyId_post, e.weight AS weight, "
        "n[$props[0]] AS `type_pre`, m[$props[0]] AS `type_post`, "
        "n[$props[1]] AS `instance_pre`, m[$props[1]] AS `instance_post`, "
        "e.roiInfo AS conn_roiInfo\n"
        "ORDER BY weight DESC, bodyId_pre, bodyId_post")
    assert "GapJunction" not in cypher
    assert "AVAL" not in cypher and "AVAL" in _values(params)
    assert params["min_weight"] == 3 and params["props"] == ["type", "instance"]


def test_simple_connections_electrical_and_both_queries():
    client = RecordingClient()
    df = fetch_simple_connections(NC(type="AVAL"), NC(type="AVAR"), min_weight=2,
                                  synapse_type="electrical", client=client)
    (cypher, params), = client.queries
    assert f"MATCH (n:{NEURON})-[e:GapJunction]-(m:{NEURON})\n" in cypher   # undirected
    assert "ConnectsTo" not in cypher and "->" not in cypher
    assert "'{}' AS conn_roiInfo" in cypher
    assert "AVAL" not in cypher and "AVAR" not in cypher and "electrical" not in cypher
    assert {"AVAL", "AVAR", 2} <= set(_values(params))
    assert list(df.columns) == ["bodyId_pre", "bodyId_post", "weight", "type_pre", "type_post",
                                "instance_pre", "instance_post", "conn_roiInfo"]

    client = RecordingClient()
    df = fetch_simple_connections(NC(type="AVAL"), synapse_type="both", client=client)
    chem, elec = _texts(client)
    assert "-[e:ConnectsTo]->" in chem and "-[e:GapJunction]-(" in elec
    assert list(df.columns)[-1] == "synapse_type" and df.empty
    assert df.dtypes[["bodyId_pre", "bodyId_post", "weight"]].tolist() == ["int64"] * 3


@pytest.mark.parametrize("direction", ["upstream", "downstream"])
def test_common_connectivity_queries(direction):
    client = RecordingClient()
    fetch_common_connectivity(NC(type=["AVAL", "AVAR"]), direction, synapse_type="both",
                              client=client)
    chem, elec = _texts(client)
    if direction == "upstream":
        assert f"MATCH (y:{NEURON})-[e:ConnectsTo]->(x)\n" in chem
        assert f"MATCH (y:{NEURON})-[e:GapJunction]-(x)\n" in elec
    else:
        assert f"MATCH (x)-[e:ConnectsTo]->(y:{NEURON})\n" in chem
        assert f"MATCH (x)-[e:GapJunction]-(y:{NEURON})\n" in elec
    for cypher, params in client.queries:
        assert "AVAL" not in cypher and {"AVAL", "AVAR"} <= set(_values(params))


def test_adjacencies_queries():
    client = RecordingClient()
    neurons, conn = fetch_adjacencies(NC(type="AVAL"), NC(type="AVAR"), synapse_type="both",
                                      client=client)
    chem, elec = _texts(client)
    assert f"MATCH (a:{NEURON})-[e:ConnectsTo]->(b:{NEURON})\n" in chem
    assert ", e.roiInfo AS roiInfo" in chem
    assert f"MATCH (a:{NEURON})-[e:GapJunction]-(b:{NEURON})\n" in elec
    assert ", '{}' AS roiInfo" in elec
    assert list(conn.columns) == ["bodyId_pre", "bodyId_post", "roi", "weight", "synapse_type"]
    client = RecordingClient()
    _, conn = fetch_adjacencies(NC(type="AVAL"), synapse_type="electrical", omit_rois=True,
                                client=client)
    (cypher, _), = client.queries
    assert "-[e:GapJunction]-" in cypher and "roiInfo" not in cypher
    assert list(conn.columns) == ["bodyId_pre", "bodyId_post", "weight"]


def test_paths_queries():
    chemical, electrical, both = ([q for q in _run_paths(st) if "nodes(p)" in q]
                                  for st in ("chemical", "electrical", "both"))
    assert "allShortestPaths((src)-[:ConnectsTo*]->(dest))" in chemical[0]
    assert "allShortestPaths((src)-[:GapJunction*]-(dest))" in electrical[0]
    assert "allShortestPaths((src)-[:ConnectsTo|GapJunction*]-(dest))" in both[0]
    # both: a chemical step only from its presynaptic end
    assert ("type(relationships(p)[i]) = 'GapJunction' OR "
            "startNode(relationships(p)[i]) = nodes(p)[i]") in both[0]
    assert "AS kinds" in both[0] and "AS kinds" not in electrical[0]
    assert "GapJunction" not in chemical[0] and "startNode" not in electrical[0]
    assert "(src)-[:GapJunction*3]-(dest)" in _run_paths("electrical", path_length=3)[0]
    assert "(src)-[:GapJunction*1..4]-(dest)" in _run_paths("electrical", max_path_length=4)[0]


def _run_paths(synapse_type, **kw) -> list[str]:
    client = RecordingClient()
    df = fetch_paths(AVAL, AVAR, synapse_type=synapse_type, client=client, **kw)
    assert ("synapse_type" in df.columns) == (synapse_type == "both") and df.empty
    for cypher, params in client.queries:
        assert str(AVAL) not in cypher and params["src"] == AVAL
    return _texts(client)


# --- connection_table_to_matrix --------------------------------------------------------------

def _both_table() -> pd.DataFrame:
    """AVAL-AVAR coupled by 1 gap junction (a row each way), AVAL -> AVAR
    chemical 3, AVAR -> AVAL chemical 2: as fetch_simple_connections(
    synapse_type="both") gives them."""
    return pd.DataFrame({"bodyId_pre": [AVAL, AVAR, AVAL, AVAR],
                         "bodyId_post": [AVAR, AVAL, AVAR, AVAL],
                         "weight": [3, 2, 1, 1],
                         "synapse_type": ["chemical", "chemical", "electrical", "electrical"]})


def test_matrix_refuses_a_mixed_table():
    with pytest.raises(InvalidArgumentError, match="mixes chemical and electrical"):
        connection_table_to_matrix(_both_table())


def test_matrix_per_kind_and_summed():
    df = _both_table()
    chem = connection_table_to_matrix(df, synapse_type="chemical")
    assert chem.loc[AVAL, AVAR] == 3 and chem.loc[AVAR, AVAL] == 2
    elec = connection_table_to_matrix(df, synapse_type="electrical")
    assert elec.equals(elec.T) and elec.loc[AVAL, AVAR] == 1
    total = connection_table_to_matrix(df, synapse_type="both")
    assert total.loc[AVAL, AVAR] == 4 and total.loc[AVAR, AVAL] == 3
    assert total.dtypes.unique().tolist() == ["int64"]
    # one kind only in the table: no choice needed
    only = connection_table_to_matrix(df[df.synapse_type == "electrical"])
    assert only.equals(elec)


def test_matrix_synapse_type_needs_the_column_and_a_known_value():
    df = _both_table().drop(columns="synapse_type")
    plain = connection_table_to_matrix(df)                   # neuprint-python's behaviour
    assert plain.loc[AVAL, AVAR] == 4
    with pytest.raises(InvalidArgumentError, match="needs a 'synapse_type' column"):
        connection_table_to_matrix(df, synapse_type="chemical")
    with pytest.raises(InvalidArgumentError, match="must be None, 'chemical'"):
        connection_table_to_matrix(_both_table(), synapse_type="gap")


# --- Browser style ---------------------------------------------------------------------------

def test_browser_style_draws_gap_junctions_apart():
    from connectograph.browser import browser_style, browser_style_command

    def block(selector):
        return browser_style().split(selector + " {", 1)[1].split("\n}", 1)[0]

    def value(text, key):
        return text.split(f"{key}:", 1)[1].split(";", 1)[0].strip()

    gap, chem = block("relationship.GapJunction"), block("relationship.ConnectsTo")
    assert value(gap, "caption") == '"{weight}"'
    assert value(gap, "color") != value(chem, "color")
    assert value(gap, "shaft-width") != value(chem, "shaft-width")
    assert "relationship.GapJunction {" in browser_style_command()
