r"""Names spliced into Cypher cannot leave their backticks, whatever their
spelling: Neo4j 5.26 reads ``\uXXXX`` escapes across the whole query text,
backticked names included (checked here against the server itself), and
``escape_name`` writes every backslash of a name so that no escape can start
from it. On the real bundle, the hostile names of the closed-doors report
select nothing instead of every neuron."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from neo4j.exceptions import Neo4jError

from connectograph import NC, fetch_custom, fetch_neurons, fetch_synapses
from connectograph.criteria import SynapseCriteria
from connectograph.errors import ConnectographError, CriteriaError, UnknownRoiError
from connectograph.identifiers import escape_name

from cypher_reading import neo4j_reads, neo4j_rejects

pytestmark = pytest.mark.neo4j

BREAKOUT = r"nosuchprop\u0060 IS NULL OR n.\u0060bodyId"
SPELLINGS = [r"a\u0060b", r"a\u0060 AS b, 2 AS \u0060c", r"\uZZZZ", r"a\uu0060", r"a\U0060",
             r"a\U00000060", r"a\\u0060 AS b, 2 AS \\u0060c", r"a\u005cu0060b", r"a\u005cb",
             r"a\u0027b", r"a\u000ab", r"a\x60", "a\\", "\\", "é\\ué", "a`b", "a``b"]


@pytest.mark.parametrize("text", SPELLINGS)
def test_the_model_of_neo4j_escapes_matches_the_server(client, text):
    r"""The tests' model of Neo4j's escape reading (``cypher_reading``)
    predicts the server on a name written raw in backticks: a syntax error
    for a malformed escape (``\uZZZZ``, ``\uu``), one alias where the read
    text is one backticked name, and otherwise a name broken out of its
    backticks (the defect ``escape_name`` closes)."""
    query = f"RETURN 1 AS `{text.replace('`', '``')}`"
    inner = neo4j_reads(query)[len("RETURN 1 AS `"):-1]
    try:
        keys = list(client.read(query)[0])
    except (ConnectographError, Neo4jError):
        keys = None
    if neo4j_rejects(query):
        assert keys is None
    elif re.fullmatch(r"(?:[^`]|``)*", inner):
        assert keys == [inner.replace("``", "`")]
    else:
        assert keys != [text]


@pytest.mark.parametrize("name", [*SPELLINGS, BREAKOUT])
def test_escaped_names_reach_neo4j_unchanged(client, name):
    """Each name, escaped, is one property key and one alias to the server."""
    row = client.read(f"WITH {{{escape_name(name)}: 7}} AS m "
                      f"RETURN m.{escape_name(name)} AS v, keys(m) AS k, 1 AS {escape_name(name)}")
    assert row == [{"v": 7, "k": [name], name: 1}]


def test_property_name_with_escaped_backticks_matches_nothing(client):
    n_neurons = int(fetch_custom("MATCH (n:`hemibrain-mb:v1.2.1_Neuron`) RETURN count(n) AS n",
                                 client=client)["n"][0])
    assert n_neurons == 25_390                      # the bundle's neurons.csv rows (README)
    q, p = NC(**{BREAKOUT: "zzz"}).to_cypher("hemibrain-mb:v1.2.1")
    assert len(fetch_custom(q, p, client=client)) == 0
    with pytest.raises(CriteriaError, match="unknown neuron property"):
        fetch_neurons(NC(**{BREAKOUT: "zzz"}), client=client)


@pytest.mark.parametrize("make", [lambda r: NC(rois=[r]), lambda r: SynapseCriteria(rois=[r])])
def test_roi_name_with_escaped_backticks_is_an_unknown_roi(client, make):
    hostile = r"CA(R)\u0060 = true OR true OR n.\u0060x"
    with pytest.raises(UnknownRoiError, match="CA"):
        if isinstance(make(hostile), NC):
            fetch_neurons(make(hostile), client=client)
        else:
            fetch_synapses(NC(bodyId=5813078552), make(hostile), client=client)


def test_returned_column_with_escaped_backticks_is_one_empty_column(client):
    hostile = r"type\u0060 AS x, 1 AS \u0060y"
    neurons, _ = fetch_neurons(NC(bodyId=5813078552), returned_columns=[hostile], client=client)
    assert "y" not in neurons.columns and "x" not in neurons.columns
    assert list(neurons["bodyId"]) == [5813078552]
    assert hostile in neurons.columns and pd.isna(neurons[hostile][0])
