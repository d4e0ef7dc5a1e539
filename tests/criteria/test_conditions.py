"""The condition tree: rendering, parenthesisation, parameters."""

import pytest

from connectograph.criteria.conditions import (FALSE, TRUE, And, BoolProperty,
                                               ElementIdInCollect, Equals, Exists, Greater,
                                               GreaterEq, In, Less, LessEq, Not, NotEquals, Or,
                                               Parameters, PropertyIsNotNull, PropertyIsNull,
                                               RegexMatch, render_conjunct)
from connectograph.errors import CriteriaError, InvalidIdentifierError

from criteria_cypher_checks import check_cypher


def render(cond):
    params = Parameters()
    text = cond.render(params)
    check_cypher(text, params.as_dict())
    return text, params.as_dict()


@pytest.mark.parametrize("cond, text, params", [
    (Equals("n", "type", "KC"), "n.`type` = $p0", {"p0": "KC"}),
    (NotEquals("n", "type", "KC"), "n.`type` <> $p0", {"p0": "KC"}),
    (GreaterEq("n", "pre", 5), "n.`pre` >= $p0", {"p0": 5}),
    (Greater("s", "confidence", 0.5), "s.`confidence` > $p0", {"p0": 0.5}),
    (LessEq("n", "size", 9), "n.`size` <= $p0", {"p0": 9}),
    (Less("n", "size", 9), "n.`size` < $p0", {"p0": 9}),
    (In("n", "bodyId", (1, 2)), "n.`bodyId` IN $p0", {"p0": [1, 2]}),
    (PropertyIsNull("n", "status"), "n.`status` IS NULL", {}),
    (PropertyIsNotNull("n", "status"), "n.`status` IS NOT NULL", {}),
    (RegexMatch("n", "type", "KC.*"), "n.`type` =~ $p0", {"p0": "KC.*"}),
    (BoolProperty("n", "a'L(R)"), "n.`a'L(R)` = true", {}),
    (BoolProperty("n", "cropped", False), "n.`cropped` = false", {}),
    (TRUE, "true", {}),
    (FALSE, "false", {}),
    (And(), "true", {}),
    (Or(), "false", {}),
    (And(Equals("n", "a", 1)), "n.`a` = $p0", {"p0": 1}),
    (And(Equals("n", "a", 1), Or(Equals("n", "b", 2), PropertyIsNull("n", "b"))),
     "n.`a` = $p0 AND (n.`b` = $p1 OR n.`b` IS NULL)", {"p0": 1, "p1": 2}),
    (Or(And(Equals("n", "a", 1), Equals("n", "b", 2)), Equals("n", "c", 3)),
     "(n.`a` = $p0 AND n.`b` = $p1) OR n.`c` = $p2", {"p0": 1, "p1": 2, "p2": 3}),
    (Not(Equals("n", "a", 1)), "NOT (n.`a` = $p0)", {"p0": 1}),
    (And(Not(Or(Equals("n", "a", 1), Equals("n", "b", 2))), Equals("n", "c", 3)),
     "(NOT (n.`a` = $p0 OR n.`b` = $p1)) AND n.`c` = $p2", {"p0": 1, "p1": 2, "p2": 3}),
    # a single-operand And wrapping an Or is still compound inside another And
    (And(Equals("n", "a", 1), And(Or(Equals("n", "b", 2), Equals("n", "c", 3)))),
     "n.`a` = $p0 AND (n.`b` = $p1 OR n.`c` = $p2)", {"p0": 1, "p1": 2, "p2": 3}),
    (Exists("n", "InROI", "x", "r", "ds:v1_ROI", And(Equals("r", "name", "EB"))),
     "EXISTS { MATCH (n)-[x:`InROI`]->(r:`ds:v1_ROI`) WHERE r.`name` = $p0 }", {"p0": "EB"}),
    (Exists("n", "ConnectsTo", "w", "m", "ds:v1_Neuron", direction="in"),
     "EXISTS { MATCH (n)<-[w:`ConnectsTo`]-(m:`ds:v1_Neuron`) }", {}),
    (ElementIdInCollect("n", "InROI", "x", "r", "ds:v1_ROI", "b",
                        And(Equals("r", "name", "EB"), GreaterEq("x", "post", 2))),
     "elementId(n) IN COLLECT { MATCH (r:`ds:v1_ROI`)<-[x:`InROI`]-(b) "
     "WHERE r.`name` = $p0 AND x.`post` >= $p1 RETURN DISTINCT elementId(b) }",
     {"p0": "EB", "p1": 2}),
    (ElementIdInCollect("n", "ConnectsTo", "w", "m", "ds:v1_Neuron", "b", direction="in"),
     "elementId(n) IN COLLECT { MATCH (m:`ds:v1_Neuron`)-[w:`ConnectsTo`]->(b) "
     "RETURN DISTINCT elementId(b) }", {}),
    # not compound: no parentheses needed next to AND
    (And(Equals("n", "a", 1), ElementIdInCollect("n", "R", "x", "r", "L", "b")),
     "n.`a` = $p0 AND elementId(n) IN COLLECT { MATCH (r:`L`)<-[x:`R`]-(b) "
     "RETURN DISTINCT elementId(b) }", {"p0": 1}),
])
def test_render(cond, text, params):
    assert render(cond) == (text, params)


def test_operators():
    a, b = Equals("n", "a", 1), Equals("n", "b", 2)
    assert (a & b) == And(a, b)
    assert (a | b) == Or(a, b)
    assert ~a == Not(a)
    assert And([a, b]) == And(a, b)


def test_parameters_unique_and_never_in_text():
    params = Parameters()
    t1 = Equals("n", "a", "$p1").render(params)
    t2 = Equals("n", "b", "' OR 1=1 //").render(params)
    assert (t1, t2) == ("n.`a` = $p0", "n.`b` = $p1")
    assert params.as_dict() == {"p0": "$p1", "p1": "' OR 1=1 //"}
    assert len(params) == 2
    custom = Parameters("q")
    assert custom.add(3) == "$q0"
    with pytest.raises(InvalidIdentifierError):
        Parameters("p 0")


def test_render_conjunct():
    params = Parameters()
    a, b = Equals("n", "a", 1), Equals("n", "b", 2)
    assert render_conjunct(Or(a, b), params) == "(n.`a` = $p0 OR n.`b` = $p1)"
    assert render_conjunct(And(Or(a, b)), params) == "(n.`a` = $p2 OR n.`b` = $p3)"
    assert render_conjunct(And(a, b), params) == "n.`a` = $p4 AND n.`b` = $p5"
    assert render_conjunct(Not(a), params) == "(NOT (n.`a` = $p6))"
    assert render_conjunct(a, params) == "n.`a` = $p7"


@pytest.mark.parametrize("make", [
    lambda: Equals("n", "a\nb", 1),
    lambda: Equals("n) DETACH DELETE (n", "a", 1),
    lambda: BoolProperty("n", ""),
    lambda: Exists("n", "In\x00ROI", "x", "r", "L"),
    lambda: Exists("n", "InROI", "x", "r", "L\r"),
    lambda: Exists("n", "InROI", "x y", "r", "L"),
    lambda: ElementIdInCollect("n", "InROI", "x", "r", "L`\n", "b"),
    lambda: ElementIdInCollect("n", "InROI", "x", "r", "L", "b) MATCH (c"),
])
def test_bad_names(make):
    with pytest.raises(InvalidIdentifierError):
        make()


def test_bad_operands():
    with pytest.raises(CriteriaError):
        And("n.a = 1")
    with pytest.raises(CriteriaError):
        Not("n.a = 1")
    with pytest.raises(CriteriaError):
        BoolProperty("n", "a", "true")
    with pytest.raises(CriteriaError):
        RegexMatch("n", "a", 5)
    with pytest.raises(CriteriaError):
        Exists("n", "R", "x", "r", "L", direction="both")
    with pytest.raises(CriteriaError):
        ElementIdInCollect("n", "R", "x", "r", "L", "n")   # would correlate with n
    with pytest.raises(CriteriaError):
        ElementIdInCollect("n", "R", "x", "r", "L", "b", where="true")


def test_nodes_are_immutable_and_hashable():
    cond = And(In("n", "bodyId", [1, 2]), Equals("n", "a", 1))
    with pytest.raises(AttributeError):
        cond.operands = ()
    assert hash(cond) == hash(And(In("n", "bodyId", [1, 2]), Equals("n", "a", 1)))
