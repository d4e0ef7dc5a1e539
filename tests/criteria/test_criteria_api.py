"""Semantics of NeuronCriteria / SynapseCriteria construction, validation, repr."""

import copy
import pickle

import numpy as np
import pandas as pd
import pytest

from connectograph.criteria import (NC, IsNull, NeuronCriteria, NotNull, SynapseCriteria,
                                    copy_as_neuroncriteria)
from connectograph.errors import CriteriaError, InvalidIdentifierError, UnknownRoiError

DS = "hemibrain:v1.2.1"
ROIS = ["EB", "FB", "PB", "aL(R)", "a'L(R)", "NO", "LAL(R)"]
PROPS = ["bodyId", "type", "instance", "status", "statusLabel", "cellBodyFiber", "notes",
         "class", "somaLocation"]


# --- positional shorthand (neuprint-python's copy_as_neuroncriteria rules) -------------------

@pytest.mark.parametrize("arg, body_ids", [
    (5, [5]),
    (np.int64(5), [5]),
    ([1, 2, 3], [1, 2, 3]),
    (np.array([1, 2], dtype=np.uint64), [1, 2]),
    (pd.Series([4, 5]), [4, 5]),
    (pd.DataFrame({"bodyId": [6, 7], "type": ["a", "b"]}), [6, 7]),
])
def test_positional_body_ids(arg, body_ids):
    nc = NC(arg)
    assert nc.bodyId == body_ids
    assert all(type(b) is int for b in nc.bodyId)
    assert nc.label == "Segment"
    assert nc.type == [] and nc.instance == []


def test_positional_strings_are_type_or_instance():
    nc = NC("MBON01")
    assert nc.type == ["MBON01"] and nc.instance == ["MBON01"]
    assert nc.regex is False
    assert NC(["KC.*", "MBON01"]).regex is True
    assert NC(["MBON01", None]).type == ["MBON01", None]


@pytest.mark.parametrize("bad", [[], [None], 1.5, {"a": 1}, object(), pd.DataFrame({"x": [1]}),
                                 True])
def test_positional_rejects(bad):
    with pytest.raises(CriteriaError):
        NC(bad)


def test_positional_conflicts():
    with pytest.raises(CriteriaError):
        NC(5, bodyId=6)
    with pytest.raises(CriteriaError):
        NC("KC", type="KC")


def test_copy():
    nc = NC(type="KC", status=["Traced"], rois=["EB"], notes="x")
    c = NC(nc)
    assert c == nc and c is not nc
    c.status.append("Orphan")
    assert nc.status == ["Traced"]
    assert copy_as_neuroncriteria(nc) == nc
    assert copy_as_neuroncriteria(None) == NC()
    assert copy_as_neuroncriteria(5) == NC(bodyId=5)
    with pytest.raises(CriteriaError):
        NC(nc, status="Traced")
    assert copy.deepcopy(nc) == nc
    assert pickle.loads(pickle.dumps(NC(status=NotNull))).status[0] is NotNull


# --- semantics ---------------------------------------------------------------

def test_regex_guess():
    assert NC(type="KC").regex is False
    for s in ["KC.*", "KC?", "[ab]", "a+", "^a", "a$", "a\\d"]:
        assert NC(type=s).regex is True, s
    assert NC(instance="x.y").regex is True
    assert NC(flywireType="a.*").regex is True  # regex-optional secondary type
    assert NC(type="KC.*", regex=False).regex is False
    # '(' and '|' are not in neuprint-python's list of regex characters
    assert NC(type="a(b)|c").regex is False
    text, params = NC(type="KC", regex=True).where(DS)
    assert text == "n.`type` =~ $p0"


def test_secondary_type_fields_follow_regex():
    text, params = NC(flywireType="a.*", cellBodyFiber="b.*").where(DS)
    assert text == "n.`flywireType` =~ $p0 AND n.`cellBodyFiber` = $p1"
    assert params == {"p0": "a.*", "p1": "b.*"}


def test_rois_union_and_all_rois():
    nc = NC(inputRois=["EB"], outputRois="FB")
    assert nc.rois == {"EB", "FB"}
    assert nc.all_rois == {"EB", "FB"}
    assert NC(rois=["EB", "FB", "PB"], inputRois=["EB"]).all_rois == {"EB", "FB", "PB"}
    with pytest.raises(CriteriaError, match="superset|include"):
        NC(rois=["PB"], inputRois=["EB"])


@pytest.mark.parametrize("kwargs", [
    dict(min_roi_inputs=2),
    dict(min_roi_outputs=3),
    dict(roi_req="some"),
    dict(label="Body"),
    dict(regex="maybe"),
    dict(cropped="yes"),
    dict(soma="yes"),
    dict(soma=True, somaLocation=NotNull),
    dict(somaLocation=(1, 2, 3)),
    dict(bodyId=[1, "2"]),
    dict(bodyId=[1, None]),
    dict(bodyId=True),
    dict(bodyId=1.0),
    dict(type=5),
    dict(status=["Traced", NotNull]),
    dict(notes=[NotNull, None]),
    dict(min_pre=-1),
    dict(min_post="10"),
    dict(notes={"a": 1}),
    dict(notes=[[1, 2]]),
    dict(rois=[5]),
])
def test_invalid_arguments(kwargs):
    with pytest.raises(CriteriaError):
        NC(**kwargs)


def test_property_named_like_keyword():
    assert NC(class_="CX").properties == {"class": ["CX"]}
    assert NC(class_="CX").class_ == ["CX"]
    assert NC(cellBodyFiber="ADL13").cellBodyFiber == ["ADL13"]
    with pytest.raises(AttributeError):
        NC().cellBodyFiber


@pytest.mark.parametrize("name", ["a\nb", "x\x00", "\t", "", "r" * 300])
def test_invalid_names_raise(name):
    with pytest.raises(InvalidIdentifierError):
        NC(rois=[name])
    with pytest.raises(InvalidIdentifierError):
        NC(inputRois=name)
    with pytest.raises(InvalidIdentifierError):
        NC(**{name: "x"})
    with pytest.raises(InvalidIdentifierError):
        SynapseCriteria(rois=[name])


def test_invalid_var():
    with pytest.raises(InvalidIdentifierError):
        NC().where(DS, var="n) MATCH (m")
    with pytest.raises(InvalidIdentifierError):
        NC().match(DS, var="1n")
    with pytest.raises(InvalidIdentifierError):
        SynapseCriteria().where(DS, var="s s")


def test_invalid_dataset():
    with pytest.raises(InvalidIdentifierError):
        NC().where("hemibrain`:v1")


def test_numpy_values_become_plain_python():
    text, params = NC(bodyId=np.array([1, 2]), min_pre=np.int64(3), group=[np.int32(4)]).where(DS)
    assert params == {"p0": [1, 2], "p1": 3, "p2": 4}
    assert type(params["p1"]) is int and type(params["p2"]) is int


# --- validate -----------------------------------------------------------------

def test_validate_ok_returns_self():
    nc = NC(inputRois=["EB"], rois=["EB", "a'L(R)"], notes="x")
    assert nc.validate(ROIS, PROPS) is nc
    assert NC(foo="x").validate(ROIS) is not None  # property check skipped without a list


def test_validate_unknown_roi_suggests():
    with pytest.raises(UnknownRoiError) as err:
        NC(outputRois=["al(R)"]).validate(ROIS, PROPS)
    assert "'al(R)'" in str(err.value)
    assert "aL(R)" in str(err.value)
    assert isinstance(err.value, CriteriaError)


def test_validate_unknown_property_suggests():
    with pytest.raises(CriteriaError) as err:
        NC(cellBodyFibre="ADL13").validate(ROIS, PROPS)
    assert "cellBodyFibre" in str(err.value) and "'cellBodyFiber'" in str(err.value)
    assert not isinstance(err.value, UnknownRoiError)


def test_synapse_validate():
    assert SynapseCriteria(rois=["EB"]).validate(ROIS, ["EB", "FB"]).rois == {"EB"}
    with pytest.raises(UnknownRoiError, match="EB"):
        SynapseCriteria(rois=["Eb"]).validate(ROIS)
    with pytest.raises(CriteriaError, match="primary_only"):
        SynapseCriteria(rois=["aL(R)"]).validate(ROIS, ["EB", "FB"])
    SynapseCriteria(rois=["aL(R)"], primary_only=False).validate(ROIS, ["EB", "FB"])


@pytest.mark.parametrize("kwargs", [dict(type="both"), dict(confidence=1.5),
                                    dict(confidence="0.5"), dict(confidence=True),
                                    dict(rois=[1]), dict(primary_only="no")])
def test_synapse_invalid(kwargs):
    with pytest.raises(CriteriaError):
        SynapseCriteria(**kwargs)


# --- repr / equality ----------------------------------------------------------

REPR_CASES = [
    NC(),
    NC(5),
    NC(bodyId=[1, 2], status=["Traced", None]),
    NC("KC.*"),
    NC(type="KC", instance=["a", None], regex=False, cropped=False, min_pre=10, soma=True),
    NC(inputRois=["EB", "FB"], outputRois=["a'L(R)"], min_roi_inputs=5, roi_req="any"),
    NC(status=NotNull, notes=IsNull, class_="CX", cellBodyFiber=["ADL13", "ADL14"]),
    NC(bodyId=[1], label="Neuron", somaLocation=NotNull),
    NC(**{"odd name`": "v", "type x": [None], "3d": 3}),
]


@pytest.mark.parametrize("nc", REPR_CASES, ids=repr)
def test_repr_round_trips(nc):
    text = repr(nc)
    assert text.startswith("NeuronCriteria(")
    again = eval(text, {"NeuronCriteria": NeuronCriteria, "IsNull": IsNull,
                        "NotNull": NotNull})
    assert again == nc
    assert again.where(DS) == nc.where(DS)


def test_repr_readable():
    assert repr(NC(bodyId=[1, 2], status=["Traced", None])) == \
        "NeuronCriteria(bodyId=[1, 2], status=['Traced', None])"
    assert repr(NC("KC.*")) == "NeuronCriteria(type='KC.*', instance='KC.*', regex=True)"
    assert repr(NC(status=NotNull)) == "NeuronCriteria(status=NotNull)"
    assert repr(IsNull) == "IsNull"


def test_synapse_repr_round_trips():
    for sc in [SynapseCriteria(), SynapseCriteria(rois=["EB", "a'L(R)"], type="pre",
                                                  confidence=0.5, primary_only=False)]:
        assert eval(repr(sc), {"SynapseCriteria": SynapseCriteria}) == sc


def test_equality():
    assert NC(type="KC") == NC(type="KC")
    assert NC(type="KC") != NC(type="KC", status="Traced")
    assert NC(rois=["EB", "FB"]) == NC(rois=["FB", "EB"])
    assert NC() != "NeuronCriteria()"
