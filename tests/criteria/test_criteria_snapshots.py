"""Snapshots of the Cypher and parameters generated for representative criteria.

The expected strings were written by hand; each is valid Neo4j 5 Cypher.
"""

import numpy as np
import pytest

from connectograph.criteria import NC, IsNull, NotNull, Parameters, SynapseCriteria
from connectograph.criteria.conditions import And
from connectograph.identifiers import DatasetName

from criteria_cypher_checks import check_cypher

DS = DatasetName.parse("hemibrain:v1.2.1")
ROI = "`hemibrain:v1.2.1_ROI`"


def _inroi(var, name_cond, count, min_param):
    return (f"EXISTS {{ MATCH ({var})-[{var}_in:`InROI`]->({var}_roi:{ROI}) "
            f"WHERE {name_cond} AND {var}_in.`{count}` >= {min_param} }}")


SNAPSHOTS = [
    pytest.param(NC(), "true", {}, id="empty"),
    pytest.param(NC(bodyId=5), "n.`bodyId` = $p0", {"p0": 5}, id="one-body"),
    pytest.param(NC(np.array([1, 2], dtype=np.int64)), "n.`bodyId` IN $p0", {"p0": [1, 2]},
                 id="positional-array"),
    pytest.param(NC(bodyId=[1, 2], status=["Traced", None]),
                 "n.`bodyId` IN $p0 AND (n.`status` IN $p1 OR n.`status` IS NULL)",
                 {"p0": [1, 2], "p1": ["Traced"]}, id="null-in-list-parenthesised"),
    pytest.param(NC("KC.*"), "(n.`type` =~ $p0 OR n.`instance` =~ $p1)",
                 {"p0": "KC.*", "p1": "KC.*"}, id="positional-regex-guess"),
    pytest.param(NC(type="KC", instance="KCab", regex=False),
                 "(n.`type` = $p0 OR n.`instance` = $p1)", {"p0": "KC", "p1": "KCab"},
                 id="type-or-instance"),
    # one =~ per pattern (joined as "(KCa.*)|(KCg.*)" until the patterns
    # could break out of their groups: NC(type=["a)|(.*", "KCg-m"]))
    pytest.param(NC(type=["KCa.*", "KCg.*", None]),
                 "(n.`type` =~ $p0 OR n.`type` =~ $p1 OR n.`type` IS NULL)",
                 {"p0": "KCa.*", "p1": "KCg.*"}, id="regex-list-with-null"),
    pytest.param(NC(type=["KCa.*", "KCg.*"], instance="APL.*"),
                 "((n.`type` =~ $p0 OR n.`type` =~ $p1) OR n.`instance` =~ $p2)",
                 {"p0": "KCa.*", "p1": "KCg.*", "p2": "APL.*"}, id="regex-list-or-instance"),
    pytest.param(NC(type=["MBON01", "MBON02"], status="Traced", statusLabel=[None]),
                 "n.`type` IN $p0 AND n.`status` = $p1 AND n.`statusLabel` IS NULL",
                 {"p0": ["MBON01", "MBON02"], "p1": "Traced"}, id="in-equals-isnull"),
    pytest.param(NC(status=NotNull, cellBodyFiber="ADL13", notes=IsNull, class_="CX"),
                 "n.`status` IS NOT NULL AND n.`cellBodyFiber` = $p0 AND n.`class` = $p1 "
                 "AND n.`notes` IS NULL", {"p0": "ADL13", "p1": "CX"}, id="extra-properties"),
    pytest.param(NC(cropped=False, min_pre=10, min_post=20, soma=True),
                 "(n.`cropped` = false OR n.`cropped` IS NULL) AND n.`pre` >= $p0 "
                 "AND n.`post` >= $p1 AND n.`somaLocation` IS NOT NULL",
                 {"p0": 10, "p1": 20}, id="cropped-false-min-soma"),
    pytest.param(NC(cropped=True, somaLocation=IsNull),
                 "n.`cropped` = true AND n.`somaLocation` IS NULL", {}, id="cropped-no-soma"),
    pytest.param(NC(rois=["EB", "FB", "a'L(R)"], roi_req="any"),
                 "(n.`EB` = true OR n.`FB` = true OR n.`a'L(R)` = true)", {}, id="rois-any"),
    pytest.param(NC(rois=["x`y"]), "n.`x``y` = true", {}, id="roi-with-backtick"),
    pytest.param(NC(inputRois=["FB", "EB"], outputRois=["a'L(R)"], min_roi_inputs=5),
                 "(n.`EB` = true AND n.`FB` = true AND n.`a'L(R)` = true) AND ("
                 + _inroi("n", "n_roi.`name` = $p0", "post", "$p1") + " AND "
                 + _inroi("n", "n_roi.`name` = $p2", "post", "$p3") + ") AND "
                 + _inroi("n", "n_roi.`name` = $p4", "pre", "$p5"),
                 {"p0": "EB", "p1": 5, "p2": "FB", "p3": 5, "p4": "a'L(R)", "p5": 1},
                 id="directed-rois-all"),
    pytest.param(NC(inputRois=["EB", "FB"], outputRois=["PB"], roi_req="any"),
                 "(n.`EB` = true OR n.`FB` = true OR n.`PB` = true) AND "
                 + _inroi("n", "n_roi.`name` IN $p0", "post", "$p1") + " AND "
                 + _inroi("n", "n_roi.`name` = $p2", "pre", "$p3"),
                 {"p0": ["EB", "FB"], "p1": 1, "p2": "PB", "p3": 1}, id="directed-rois-any"),
]


def _seek(var, name_cond, count, min_param):
    return (f"elementId({var}) IN COLLECT {{ MATCH ({var}_roi:{ROI})<-[{var}_in:`InROI`]-"
            f"({var}_body) WHERE {name_cond} AND {var}_in.`{count}` >= {min_param} "
            f"RETURN DISTINCT elementId({var}_body) }}")


# roi_seek=True: the first directed-ROI subquery (inputs first) becomes the
# seek form, the others stay EXISTS; same parameters as without it.
SEEK_SNAPSHOTS = [
    pytest.param(NC(inputRois="CA(R)", min_roi_inputs=5, min_pre=10),
                 "n.`pre` >= $p0 AND n.`CA(R)` = true AND "
                 + _seek("n", "n_roi.`name` = $p1", "post", "$p2"),
                 {"p0": 10, "p1": "CA(R)", "p2": 5}, id="seek-one-input"),
    pytest.param(NC(inputRois=["FB", "EB"], outputRois=["a'L(R)"], min_roi_inputs=5),
                 "(n.`EB` = true AND n.`FB` = true AND n.`a'L(R)` = true) AND ("
                 + _seek("n", "n_roi.`name` = $p0", "post", "$p1") + " AND "
                 + _inroi("n", "n_roi.`name` = $p2", "post", "$p3") + ") AND "
                 + _inroi("n", "n_roi.`name` = $p4", "pre", "$p5"),
                 {"p0": "EB", "p1": 5, "p2": "FB", "p3": 5, "p4": "a'L(R)", "p5": 1},
                 id="seek-directed-rois-all"),
    pytest.param(NC(inputRois=["EB", "FB"], outputRois=["PB"], roi_req="any"),
                 "(n.`EB` = true OR n.`FB` = true OR n.`PB` = true) AND "
                 + _seek("n", "n_roi.`name` IN $p0", "post", "$p1") + " AND "
                 + _inroi("n", "n_roi.`name` = $p2", "pre", "$p3"),
                 {"p0": ["EB", "FB"], "p1": 1, "p2": "PB", "p3": 1}, id="seek-directed-rois-any"),
    pytest.param(NC(outputRois="x`y", label="Segment"),
                 "n.`x``y` = true AND " + _seek("n", "n_roi.`name` = $p0", "pre", "$p1"),
                 {"p0": "x`y", "p1": 1}, id="seek-output-only"),
    # nothing to seek with: identical to the default rendering
    pytest.param(NC(rois=["EB"], cropped=True), "n.`cropped` = true AND n.`EB` = true", {},
                 id="seek-no-directed-rois"),
]


@pytest.mark.parametrize("criteria, expected, expected_params", SEEK_SNAPSHOTS)
def test_where_roi_seek_snapshot(criteria, expected, expected_params):
    text, params = criteria.where(DS, roi_seek=True)
    assert text == expected
    assert params == expected_params
    check_cypher(text, params)
    # the default rendering has the same parameters, EXISTS everywhere
    plain, plain_params = criteria.where(DS)
    assert plain_params == params and "COLLECT" not in plain


def test_roi_seek_ignored_with_indexable_criteria():
    """With bodyId/type/instance/status/statusLabel/other properties Neo4j seeks
    on those and would re-run the COLLECT per row, so EXISTS is kept."""
    for nc in (NC(type="KC.*", inputRois=["CA(R)"]), NC(bodyId=[1, 2], inputRois=["CA(R)"]),
               NC(status="Traced", outputRois=["CA(R)"]), NC(instance="x", inputRois=["EB"]),
               NC(statusLabel=[None], inputRois=["EB"]), NC(cellBodyFiber="x", inputRois=["EB"])):
        assert nc.where(DS, roi_seek=True) == nc.where(DS)


def test_roi_seek_to_cypher_and_shared_params():
    text, params = NC(inputRois="EB").to_cypher(DS, var="a", roi_seek=True)
    assert text == ("MATCH (a:`hemibrain:v1.2.1_Neuron`)\n"
                    "WHERE a.`EB` = true AND "
                    + _seek("a", "a_roi.`name` = $p0", "post", "$p1") + "\nRETURN a")
    check_cypher(text, params)
    shared = Parameters()
    NC(type="KC", regex=False).where(DS, "a", shared)
    text, params = NC(inputRois="EB").where(DS, "b", shared, roi_seek=True)
    assert text == "b.`EB` = true AND " + _seek("b", "b_roi.`name` = $p1", "post", "$p2")
    assert params == {"p0": "KC", "p1": "EB", "p2": 1}


@pytest.mark.parametrize("criteria, expected, expected_params", SNAPSHOTS)
def test_where_snapshot(criteria, expected, expected_params):
    text, params = criteria.where(DS)
    assert text == expected
    assert params == expected_params
    check_cypher(text, params)


def test_neuprint_precedence_bug_is_fixed():
    # neuprint-python renders
    #   n.bodyId in [1, 2]\nAND n.status in ['Traced'] OR NOT exists(n.status)
    # which matches every body without a status. Here the OR is parenthesised.
    text, params = NC(bodyId=[1, 2], status=["Traced", None]).where(DS)
    assert text == "n.`bodyId` IN $p0 AND (n.`status` IN $p1 OR n.`status` IS NULL)"
    assert " AND n.`status` IN" not in text
    assert params == {"p0": [1, 2], "p1": ["Traced"]}


def test_to_cypher_full_query():
    text, params = NC(bodyId=[1, 2], status=["Traced", None]).to_cypher(DS)
    assert text == ("MATCH (n:`hemibrain:v1.2.1_Segment`)\n"
                    "WHERE n.`bodyId` IN $p0 AND (n.`status` IN $p1 OR n.`status` IS NULL)\n"
                    "RETURN n")
    assert params == {"p0": [1, 2], "p1": ["Traced"]}
    check_cypher(text, params)


def test_to_cypher_neuron_label_and_var():
    text, params = NC(type="KC", regex=False).to_cypher("hemibrain-mb:v1.2.1", var="a")
    assert text == ("MATCH (a:`hemibrain-mb:v1.2.1_Neuron`)\n"
                    "WHERE a.`type` = $p0\n"
                    "RETURN a")
    assert params == {"p0": "KC"}


def test_match_label():
    assert NC().match(DS) == "(n:`hemibrain:v1.2.1_Neuron`)"
    assert NC(bodyId=1).match(DS, "m") == "(m:`hemibrain:v1.2.1_Segment`)"
    assert NC(bodyId=1, label="Neuron").match(DS) == "(n:`hemibrain:v1.2.1_Neuron`)"
    assert NC(label="Segment").match(DS) == "(n:`hemibrain:v1.2.1_Segment`)"


def test_two_criteria_share_parameters():
    params = Parameters()
    a, _ = NC(type="KC", regex=False).where(DS, "a", params)
    b, all_params = NC(bodyId=[7, 8], status="Traced").where(DS, "b", params)
    assert a == "a.`type` = $p0"
    assert b == "b.`bodyId` IN $p1 AND b.`status` = $p2"
    assert all_params == {"p0": "KC", "p1": [7, 8], "p2": "Traced"}


def test_composed_condition_trees():
    params = Parameters()
    cond = And(NC("KC.*").condition(DS, "a"), NC(bodyId=[1, 2]).condition(DS, "b"))
    text = cond.render(params)
    assert text == "(a.`type` =~ $p0 OR a.`instance` =~ $p1) AND b.`bodyId` IN $p2"
    check_cypher(text, params.as_dict())


SYNAPSE_SNAPSHOTS = [
    pytest.param(SynapseCriteria(), 0.0, "true", {}, id="empty"),
    pytest.param(SynapseCriteria(), 0.5, "s.`confidence` > $p0", {"p0": 0.5},
                 id="dataset-default-confidence"),
    pytest.param(SynapseCriteria(confidence=0.0), 0.5, "true", {}, id="explicit-zero"),
    pytest.param(SynapseCriteria(rois=["FB", "EB"], type="pre", confidence=0.9), 0.5,
                 "(s.`EB` = true OR s.`FB` = true) AND s.`confidence` > $p0 AND s.`type` = $p1",
                 {"p0": 0.9, "p1": "pre"}, id="rois-type-confidence"),
    pytest.param(SynapseCriteria(rois="a'L(R)", type="post"), 0.0,
                 "s.`a'L(R)` = true AND s.`type` = $p0", {"p0": "post"}, id="one-roi"),
]


@pytest.mark.parametrize("criteria, default, expected, expected_params", SYNAPSE_SNAPSHOTS)
def test_synapse_where_snapshot(criteria, default, expected, expected_params):
    text, params = criteria.where(DS, default_confidence=default)
    assert text == expected
    assert params == expected_params
    check_cypher(text, params)


def test_synapse_to_cypher():
    text, params = SynapseCriteria(type="pre").to_cypher(DS, var="t", default_confidence=0.5)
    assert text == ("MATCH (t:`hemibrain:v1.2.1_Synapse`)\n"
                    "WHERE t.`confidence` > $p0 AND t.`type` = $p1\n"
                    "RETURN t")
    assert params == {"p0": 0.5, "p1": "pre"}
