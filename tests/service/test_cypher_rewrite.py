"""Unit tests of the Cypher rewriting (no server): dataset scoping, Neo4j 4 →
5 syntax, and the read-only check, on the queries neuprint-python builds and on
hostile input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectograph.errors import CypherRewriteError, WriteQueryRefusedError
from connectograph.service.cypher_lexer import NAME, OP, QUOTED, STRING, string_value, tokenize
from connectograph.identifiers import DATASET_NODE_LABELS
from connectograph.service.cypher_rewrite import rewrite_query

DS = "hemibrain-mb:v1.2.1"
NEURON = "`hemibrain-mb:v1.2.1_Neuron`"
SEGMENT = "`hemibrain-mb:v1.2.1_Segment`"
META = "`hemibrain-mb:v1.2.1_Meta`"
#: what a node pattern without a label gets: any label of the dataset
ANY = ":" + "|".join(f"`hemibrain-mb:v1.2.1_{label}`" for label in DATASET_NODE_LABELS)

#: Every distinct query neuprint-python 0.6.4 sent to the service for
#: fetch_neurons (with ROI, status and cropped criteria, and by bodyId),
#: fetch_simple_connections, fetch_adjacencies (both batching directions),
#: fetch_roi_hierarchy / fetch_meta, fetch_primary_rois,
#: fetch_synapse_nt_keys, fetch_synapses (with type, ROI and confidence
#: criteria) and fetch_synapse_connections (source or target a bodyId, with
#: an ROI); recorded from the service's query log.
RECORDED = json.loads((Path(__file__).with_name("neuprint_python_queries.json")).read_text())

#: Queries of neuprint-python functions not in RECORDED, written as its source
#: builds them (queries/general.py, queries/paths.py).
WRITTEN = [
    # fetch_meta (also used by fetch_roi_hierarchy)
    """MATCH (m:Meta)
    WITH m as m, apoc.convert.fromJsonMap(m.roiInfo) as roiInfo
    RETURN m as meta, roiInfo""",
    # fetch_shortest_paths (timeboxed, with a pattern and exists())
    """CALL apoc.cypher.runTimeboxed("MATCH (src :Neuron { bodyId: 1 }), (dest:Neuron { bodyId: 2 }),
        p = allShortestPaths((src)-[:ConnectsTo*]->(dest))
        WHERE ALL (x in relationships(p) WHERE x.weight >= 1)
        AND ALL (x in nodes(p) WHERE NOT exists(x.status) OR x.status = \\"Traced\\")
        RETURN [n in nodes(p) | [n.bodyId, n.type]] AS path", {}, 5000) YIELD value
    RETURN value.path""",
]


def labels_of(cypher: str) -> list[str]:
    """Every node label in a rewritten query (tokens after a label colon),
    including those inside nested query strings."""
    out = []
    toks = [t for t in tokenize(cypher) if t.significant]
    for i, t in enumerate(toks):
        if t.kind == STRING and "MATCH" in t.text.upper():
            out += labels_of(string_value(t))
        if t.is_op(":") and i + 1 < len(toks) and toks[i + 1].kind in (NAME, QUOTED):
            before = toks[i - 1] if i else None
            # relationship types follow '[' or '[var'
            in_rel = False
            for j in range(i - 1, -1, -1):
                if toks[j].is_op("["):
                    in_rel = j > 0 and toks[j - 1].is_op("-", "<-")
                    break
                if toks[j].is_op("(", ")", "]", "{", "}"):
                    break
            if not in_rel and before is not None:
                out.append(toks[i + 1].text)
    return out


@pytest.mark.parametrize("cypher", RECORDED + WRITTEN)
def test_neuprint_python_queries_are_scoped(cypher):
    result = rewrite_query(cypher, DS)
    labels = labels_of(result.cypher)
    assert labels, "every neuprint-python query matches labelled nodes"
    assert all(lbl.startswith("`hemibrain-mb:v1.2.1_") for lbl in labels), labels
    # Neo4j 5 has no exists(property): none is left as a function call.
    toks = [t for t in tokenize(result.cypher) if t.significant]
    for i, t in enumerate(toks[:-1]):
        if t.kind == NAME and t.text.lower() == "exists" and toks[i + 1].is_op("("):
            assert toks[i + 2].is_op("("), "only exists((pattern)) may remain"
    # Only labels and exists() changed: the rest of the text is as sent.
    assert len(result.cypher) >= len(cypher) - 7 * result.exists_rewrites


def test_fetch_neurons_query_in_detail():
    q = next(c for c in RECORDED if "MATCH (n :Neuron)" in c and "aL(R)" in c)
    out = rewrite_query(q, DS).cypher
    assert f"MATCH (n :{NEURON})" in out
    assert "(NOT n.cropped OR NOT (n.cropped IS NOT NULL))" in out
    assert "AND (n.`aL(R)`)" in out                   # ROI property untouched
    assert "// -- Basic conditions for segment 'n' --" in out   # comments untouched


def test_synapse_queries_in_detail():
    """fetch_synapses / fetch_synapse_connections: every node of the SynapseSet
    walk is scoped, relationship types and apoc.map.removeKeys stay as sent."""
    q = next(c for c in RECORDED if "SynapsesTo" in c and "(ms.`CA(R)`)" in c)
    out = rewrite_query(q, DS).cypher
    for label in ("Neuron", "Segment", "SynapseSet", "Synapse"):
        assert f":`hemibrain-mb:v1.2.1_{label}`" in out
    assert f"(n{ANY})-[:Contains]->(nss:`hemibrain-mb:v1.2.1_SynapseSet`)-[:ConnectsTo]->" in out
    assert f"-[:SynapsesTo]->(ms:`hemibrain-mb:v1.2.1_Synapse`)<-[:Contains]-(mss{ANY})" in out
    assert "apoc.map.removeKeys(ns, ['location', 'confidence', 'type']) as info_pre" in out
    assert "WHERE (ms.`CA(R)`) AND (ms.type = 'post')" in out
    q = next(c for c in RECORDED if "(ss)-[:Contains]->(s:Synapse)" in c
             and "s.confidence > 0.9" in c)
    out = rewrite_query(q, DS).cypher
    assert f"(ss{ANY})-[:Contains]->(s:`hemibrain-mb:v1.2.1_Synapse`)" in out
    assert "WHERE (s.`CA(R)` OR s.`PED(R)`) AND (s.confidence > 0.9)" in out


def test_timeboxed_inner_query_is_scoped_and_still_a_valid_string():
    q = next(c for c in RECORDED if "runTimeboxed" in c and "APL" in c)
    out = rewrite_query(q, DS)
    assert out.nested_queries == 1
    strings = [t for t in tokenize(out.cypher) if t.kind == STRING]
    inner = string_value(strings[0])
    assert f"MATCH (n:{NEURON})" in inner and "n.type = 'APL'" in inner


@pytest.mark.parametrize("label,expected", [
    ("Neuron", NEURON), ("`Neuron`", NEURON), ("Segment", SEGMENT), ("Meta", META),
    ("`hemibrain-mb_Neuron`", NEURON),                       # neuPrint's per-dataset label
    (f"{NEURON}", NEURON),                                   # already scoped
    ("SynapseSet", "`hemibrain-mb:v1.2.1_SynapseSet`"),
    ("`odd``name`", "`hemibrain-mb:v1.2.1_odd``name`"),
])
def test_label_spellings(label, expected):
    assert rewrite_query(f"MATCH (n:{label}) RETURN n", DS).cypher == \
        f"MATCH (n:{expected}) RETURN n"


@pytest.mark.parametrize("cypher,expected", [
    ("MATCH (n) WHERE n:Neuron RETURN n", f"MATCH (n{ANY}) WHERE n:{NEURON} RETURN n"),
    ("MATCH (n:Neuron:Segment) RETURN n", f"MATCH (n:{NEURON}:{SEGMENT}) RETURN n"),
    ("MATCH (n:Neuron|Segment) RETURN n", f"MATCH (n:{NEURON}|{SEGMENT}) RETURN n"),
    ("MATCH (n:!Neuron&Segment) RETURN n", f"MATCH (n:!{NEURON}&{SEGMENT}) RETURN n"),
    ("MATCH (n IS Neuron) RETURN n", f"MATCH (n IS {NEURON}) RETURN n"),
    ("MATCH (n) WHERE n.x IS NULL RETURN n", f"MATCH (n{ANY}) WHERE n.x IS NULL RETURN n"),
    ("MATCH (n:Neuron {bodyId: 1})-[e:ConnectsTo {weight: 2}]->(m:Neuron) RETURN e",
     f"MATCH (n:{NEURON} {{bodyId: 1}})-[e:ConnectsTo {{weight: 2}}]->(m:{NEURON}) RETURN e"),
    ("MATCH (n:Neuron)<-[:ConnectsTo]-(m) RETURN m",
     f"MATCH (n:{NEURON})<-[:ConnectsTo]-(m{ANY}) RETURN m"),
    ("RETURN [x IN nodes WHERE x:Neuron | x.bodyId]",
     f"RETURN [x IN nodes WHERE x:{NEURON} | x.bodyId]"),
    ("RETURN [(n:Neuron)-->(m) | m.bodyId]", f"RETURN [(n:{NEURON})-->(m{ANY}) | m.bodyId]"),
    ("WITH [1,2,3] AS l RETURN l[0..1], l[1:2]", "WITH [1,2,3] AS l RETURN l[0..1], l[1:2]"),
    ("RETURN {a: 1, type: 'x'} AS m, n {.bodyId, t: n.type}",
     "RETURN {a: 1, type: 'x'} AS m, n {.bodyId, t: n.type}"),
    ("MATCH (n:Neuron) WHERE EXISTS { MATCH (n)-->(m:Segment) } RETURN n",
     f"MATCH (n:{NEURON}) WHERE EXISTS {{ MATCH (n{ANY})-->(m:{SEGMENT}) }} RETURN n"),
    ("CALL { MATCH (n:Neuron) RETURN n } RETURN n",
     f"CALL {{ MATCH (n:{NEURON}) RETURN n }} RETURN n"),
    ("MATCH (n:Neuron) WHERE exists(n.`a'L(R)`) RETURN n",
     f"MATCH (n:{NEURON}) WHERE (n.`a'L(R)` IS NOT NULL) RETURN n"),
    ("MATCH (n:Neuron) WHERE EXISTS((n)-[:ConnectsTo]->()) RETURN n",
     f"MATCH (n:{NEURON}) WHERE EXISTS((n{ANY})-[:ConnectsTo]->({ANY})) RETURN n"),
    ("RETURN x IS :: INTEGER", "RETURN x IS :: INTEGER"),
])
def test_syntax_forms(cypher, expected):
    assert rewrite_query(cypher, DS).cypher == expected


@pytest.mark.parametrize("cypher", [
    # label-like text inside strings, comments and backticked names is left alone
    "MATCH (n:Neuron) WHERE n.type = ':Neuron (n:Segment) CREATE' RETURN n",
    'MATCH (n:Neuron) WHERE n.type = "it\'s \\":Segment\\"" RETURN n',
    "MATCH (n:Neuron) // (m:Segment) CREATE\nRETURN n",
    "MATCH (n:Neuron) /* (m:Segment) DELETE n */ RETURN n",
    "MATCH (n:Neuron) RETURN n.`weird:Segment` AS `x:Meta`",
])
def test_strings_comments_and_names_are_not_rewritten(cypher):
    out = rewrite_query(cypher, DS).cypher
    # backslashes travel as the escape \u005c, which Neo4j reads as a backslash
    assert out == cypher.replace("(n:Neuron)", f"(n:{NEURON})", 1).replace("\\", "\\u005c")


@pytest.mark.parametrize("cypher,word", [
    ("CREATE (n:Neuron {bodyId: 1})", "CREATE"),
    ("MATCH (n:Neuron) SET n.type = 'x'", "SET"),
    ("MATCH (n:Neuron) DETACH DELETE n", "DETACH"),
    ("MATCH (n:Neuron) DELETE n", "DELETE"),
    ("MERGE (n:Neuron {bodyId: 1})", "MERGE"),
    ("MATCH (n:Neuron) REMOVE n.type", "REMOVE"),
    ("LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row", "LOAD"),
    ("MATCH (n:Neuron) FOREACH (x IN [1] | SET n.a = x)", "FOREACH"),
    ("DROP INDEX foo", "DROP"),
    ("USE system SHOW USERS", "USE"),
    ("SHOW DATABASES", "SHOW"),
    ("MATCH (n:Neuron) CALL { WITH n SET n.x = 1 } RETURN n", "SET"),
    ("match (n:Neuron) set n.x = 1", "SET"),
    ("CALL apoc.create.node(['X'], {}) YIELD node RETURN node", "apoc.create.node"),
    ("CALL dbms.security.createUser('a', 'b', false)", "dbms.security.createUser"),
    ("CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DETACH DELETE n', {})",
     "apoc.periodic.iterate"),
    ("CALL db.createLabel('X')", "db.createLabel"),
    ("RETURN apoc.cypher.runFirstColumnSingle('MATCH (n) RETURN count(n)', {})",
     "apoc.cypher.runFirstColumnSingle"),
    ("CALL apoc.cypher.runTimeboxed('MATCH (n:Neuron) DETACH DELETE n', {}, 1000)", "DETACH"),
    ("CALL apoc.cypher.runTimeboxed(\"CALL apoc.cypher.runTimeboxed('CREATE (n)', {}, 1)\", "
     "{}, 1000) YIELD value RETURN value", "CREATE"),
    ("CALL `apoc`.`create`.`node`(['X'], {})", "apoc.create.node"),
])
def test_writes_are_refused_with_a_clear_message(cypher, word):
    with pytest.raises(WriteQueryRefusedError) as err:
        rewrite_query(cypher, DS)
    assert word in str(err.value)
    assert "read-only" in str(err.value)


@pytest.mark.parametrize("cypher,fragment", [
    ("RETURN 'abc", "unterminated string"),
    ("RETURN `abc", "unterminated backticked name"),
    ("MATCH (n:Neuron) /* open", "unterminated block comment"),
    ("MATCH (n:Neuron RETURN n", "still open"),
    ("MATCH (n:Neuron)) RETURN n", "unbalanced"),
    ("MATCH (n:`other:v1_Neuron`) RETURN n", "another dataset"),
    ("MATCH (n:%) RETURN n", "wildcard"),
    ("MATCH (n:$($label)) RETURN n", "dynamic labels"),
    ("CALL apoc.cypher.runTimeboxed($q, {}, 1000)", "string literal"),
    ("   ", "empty"),
])
def test_malformed_or_unscopable_queries_are_refused(cypher, fragment):
    with pytest.raises(CypherRewriteError) as err:
        rewrite_query(cypher, DS)
    assert fragment in str(err.value)


def test_tokenizer_is_lossless():
    for q in RECORDED + WRITTEN:
        assert "".join(t.text for t in tokenize(q)) == q
        assert not any(t.kind == OP and t.text in "'\"`" for t in tokenize(q))
