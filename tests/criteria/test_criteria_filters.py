"""Value filters in NeuronCriteria (ranges, NotIn, Regex on any property): the
Cypher they render, the values they refuse, and hostile values kept in
parameters. No server (the database answers are in tests/test_manc_nt.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectograph import NC, Above, AtLeast, AtMost, Below, Between, NotIn, Regex
from connectograph.errors import CriteriaError, InvalidIdentifierError, InvalidRegexError
from connectograph.identifiers import DatasetName

from criteria_cypher_checks import check_cypher, strip_identifiers

DS = DatasetName.parse("manc-nt:v1")


@pytest.mark.parametrize("flt, text, values", [
    (AtLeast(0.5), "n.`ntGabaProb` >= $p0", [0.5]),
    (AtMost(0.5), "n.`ntGabaProb` <= $p0", [0.5]),
    (Above(0.5), "n.`ntGabaProb` > $p0", [0.5]),
    (Below(1), "n.`ntGabaProb` < $p0", [1]),
    (Between(0.25, 0.75), "n.`ntGabaProb` >= $p0 AND n.`ntGabaProb` <= $p1", [0.25, 0.75]),
    (NotIn(["gaba", "glutamate"]),
     "(n.`ntGabaProb` IS NULL OR (NOT (n.`ntGabaProb` IN $p0)))", [["gaba", "glutamate"]]),
    (NotIn(["gaba", None]), "(NOT (n.`ntGabaProb` IN $p0))", [["gaba"]]),
    (Regex("0[0-9]A"), "n.`ntGabaProb` =~ $p0", ["0[0-9]A"]),
])
def test_rendering(flt, text, values):
    where, params = NC(ntGabaProb=flt).where(DS)
    assert where == text
    assert list(params.values()) == values


def test_filters_join_the_other_criteria_as_one_conjunct_each():
    nc = NC(type="IN.*", predictedNt=NotIn(["gaba"]), pre=Between(100, 2000),
            status="Traced")
    where, params = nc.where(DS)
    assert where == ("n.`type` =~ $p0 AND n.`status` = $p1 AND (n.`pre` >= $p2 AND "
                     "n.`pre` <= $p3) AND (n.`predictedNt` IS NULL OR "
                     "(NOT (n.`predictedNt` IN $p4)))")
    assert params == {"p0": "IN.*", "p1": "Traced", "p2": 100, "p3": 2000, "p4": ["gaba"]}


def test_filters_on_the_named_fields():
    where, params = NC(type=NotIn(["KCab"]), instance=Regex(".*_R"),
                       status=NotIn(["Orphan", None])).where(DS)
    assert where == ("((n.`type` IS NULL OR (NOT (n.`type` IN $p0))) OR n.`instance` =~ $p1)"
                     " AND (NOT (n.`status` IN $p2))")
    assert params == {"p0": ["KCab"], "p1": ".*_R", "p2": ["Orphan"]}


def test_numpy_scalars_and_big_integers_are_plain_parameters():
    big = 2**63 - 1
    _, params = NC(bodyCount=Between(np.int64(3), big), score=AtLeast(np.float32(0.5)),
                   x=NotIn(np.array([1, 2], dtype=np.int64))).where(DS)
    assert params == {"p0": 3, "p1": big, "p2": 0.5, "p3": [1, 2]}
    assert all(type(v) in (int, float) for v in (params["p0"], params["p1"], params["p2"]))
    assert [type(v) for v in params["p3"]] == [int, int]


@pytest.mark.parametrize("kwargs, message", [
    (dict(x=AtLeast(float("nan"))), "range bound"),
    (dict(x=AtMost(float("inf"))), "finite"),
    (dict(x=AtLeast(True)), "range bound"),
    (dict(x=AtLeast("3")), "range bound"),
    (dict(x=AtLeast(2**63)), "64"),
    (dict(x=Between(5, 1)), "above its high bound"),
    (dict(x=Between(None, None)), "at least one bound"),
    (dict(x=NotIn([])), "at least one value"),
    (dict(x=NotIn([None])), "NotNull"),
    (dict(x=NotIn([float("nan")])), "NotIn values"),
    (dict(x=NotIn(["\ud800"])), "lone surrogate"),
    (dict(x=[AtLeast(1), AtMost(3)]), "alone"),
    (dict(x=[AtLeast(1), 5]), "alone"),
    (dict(bodyId=NotIn([1])), "bodyId takes integers only"),
    (dict(x=Regex(5)), "string pattern"),
])
def test_refused(kwargs, message):
    with pytest.raises(CriteriaError, match=message):
        NC(**kwargs)


def test_invalid_regex_is_refused_with_its_field():
    with pytest.raises(InvalidRegexError, match="hemilineage"):
        NC(hemilineage=Regex("(unclosed"))


def test_hostile_property_name_is_refused():
    with pytest.raises(InvalidIdentifierError):
        NC(**{"a\nb": AtLeast(1)})


def test_equal_and_repr_round_trip():
    nc = NC(type=NotIn(["KCab", None]), ntGabaProb=Above(0.5), hemilineage=Regex("0A"))
    again = eval(repr(nc), {"NeuronCriteria": NC, "NotIn": NotIn,
                            "Range": type(Above(1)), "Regex": Regex})
    assert again == nc
    assert again.where(DS) == nc.where(DS)
    assert NC(x=AtLeast(1)) != NC(x=Above(1))


HOSTILE = ["'", '"', "`", "{", "}", "//", "\\", "\\'", "$p0", "' OR true //",
           "`) DETACH DELETE n //", r"\u0060", r"\u0060 IS NULL OR n.\u0060bodyId", "🧠",
           "MATCH (m) DELETE m", "n.`status`"]
hostile = st.builds(lambda a, b: f"Q{a}{b}Q", st.sampled_from(HOSTILE),
                    st.text(max_size=8))


@settings(max_examples=200, deadline=None)
@given(values=st.lists(hostile, min_size=1, max_size=3), with_null=st.booleans(),
       field=st.sampled_from(["type", "status", "notes", "a'L(R)"]))
def test_hostile_values_only_in_parameters(values, with_null, field):
    nc = NC(**{field: NotIn(values + [None] * with_null)})
    text, params = nc.where(DS)
    check_cypher(text, params)
    for v in values:
        assert v not in strip_identifiers(text)
    assert params == {"p0": values}
    # the same text as with harmless values
    plain, _ = NC(**{field: NotIn(["x"] + [None] * with_null)}).where(DS)
    assert text == plain
