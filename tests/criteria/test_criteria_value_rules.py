"""Criteria never answer the wrong question, nor fail with a raw error (no server).

Values straight out of numpy or pandas mean what they say; values that would
be ignored, change meaning, or fail in the driver (0/1 for booleans, integers
beyond 64 bits, Fractions, NaN, lone surrogates, mappings, invalid or
Java-incompatible regular expressions) raise a CriteriaError at construction.
"""

import math
import re
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from connectograph import errors
from connectograph.criteria import NC, IsNull, SynapseCriteria
from connectograph.errors import CriteriaError

DS = "hemibrain-mb:v1.2.1"


# --- booleans ------------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["cropped", "soma"])
@pytest.mark.parametrize("value", [True, False])
def test_numpy_booleans_mean_what_they_say(field, value):
    nc = NC(**{field: np.bool_(value)})
    assert nc.where(DS) == NC(**{field: value}).where(DS)
    assert nc.where(DS)[0] != "true"          # a condition, not silently nothing
    assert getattr(nc, field) is value         # a Python bool
    assert nc == NC(**{field: value}) and repr(nc) == repr(NC(**{field: value}))


def test_numpy_boolean_regex_and_primary_only():
    assert NC(type="KC", regex=np.True_).where(DS) == NC(type="KC", regex=True).where(DS)
    assert NC(type="K.C", regex=np.False_).regex is False
    sc = SynapseCriteria(primary_only=np.False_)
    assert sc.primary_only is False and sc == SynapseCriteria(primary_only=False)


@pytest.mark.parametrize("value", [0, 1, np.int64(1), 1.0, "False", "true", "", [True],
                                   np.array([True]), pd.NA])
@pytest.mark.parametrize("field", ["cropped", "soma"])
def test_booleans_refuse_numbers_and_text(field, value):
    with pytest.raises(CriteriaError) as err:
        NC(**{field: value})
    message = str(err.value)
    assert field in message and "True, False or None" in message


@pytest.mark.parametrize("value", [0, 1, "True", None])
def test_regex_flag_refuses_numbers_and_text(value):
    with pytest.raises(CriteriaError, match="regex must be True, False or 'guess'"):
        NC(type="KC", regex=value)


@pytest.mark.parametrize("value", [0, 1, "yes", None])
def test_primary_only_refuses_numbers_and_text(value):
    with pytest.raises(CriteriaError, match="primary_only must be True or False"):
        SynapseCriteria(primary_only=value)


def test_boolean_messages_say_how_to_convert():
    with pytest.raises(CriteriaError, match=r"bool\(flag\)"):
        NC(soma=1)
    with pytest.raises(CriteriaError, match=r"text == 'True'"):
        NC(cropped="False")


# --- regular expressions ---------------------------------------------------------------------

def test_each_pattern_of_a_list_is_its_own_condition():
    text, params = NC(type=["KCg-m", "MBON0[1-3]"], regex=True).where(DS)
    assert text == "(n.`type` =~ $p0 OR n.`type` =~ $p1)"
    assert params == {"p0": "KCg-m", "p1": "MBON0[1-3]"}


def test_alternation_cannot_leak_between_patterns():
    # joined as "(a)|(.*)|(KCg-m)" this matched every neuron
    with pytest.raises(errors.InvalidRegexError) as err:
        NC(type=["a)|(.*", "KCg-m"])
    message = str(err.value)
    assert message.startswith("type: ") and "'a)|(.*'" in message
    assert "unbalanced parenthesis" in message and "regex=False" in message
    # as literal strings they are fine
    assert NC(type=["a)|(.*", "KCg-m"], regex=False).where(DS)[1] == {
        "p0": ["a)|(.*", "KCg-m"]}


def test_invalid_regex_is_a_criteria_error_naming_field_pattern_and_fix():
    with pytest.raises(CriteriaError) as err:
        NC(type="KC[")
    assert isinstance(err.value, errors.InvalidRegexError)
    message = str(err.value)
    assert message.startswith("type: ") and "'KC['" in message
    assert "unterminated character set at position 2" in message
    assert "regex='guess'" in message          # why it was read as a regex
    assert "regex=False" in message and "'KC\\\\['" in message   # the escaped spelling
    assert NC(type="KC[", regex=False).where(DS)[1] == {"p0": "KC["}
    assert NC(type=re.escape("KC["), regex=True).where(DS)[1] == {"p0": "KC\\["}


@pytest.mark.parametrize("field", ["type", "instance", "flywireType", "hemibrainType",
                                   "mancType"])
def test_every_regex_field_is_checked(field):
    with pytest.raises(CriteriaError, match=f"^{field}: "):
        NC(**{field: ["KC.*", "(x"]})
    NC(**{field: ["KC.*", "(x"]}, regex=False)


def test_positional_patterns_are_checked():
    with pytest.raises(CriteriaError, match="'KC\\['"):
        NC("KC[")
    with pytest.raises(CriteriaError):
        NC(["KC.*", "a)|(b"])


@pytest.mark.parametrize("pattern, reason", [
    ("[a[b]]", "nested class"),                   # Java: union; Python: class then ']'
    ("[a-z&&[^b]]", "intersection"),
    ("[a-z&&b]", "intersection"),
    ("a{,3}", "starts no repetition"),            # Python {0,3}; Java: error
    ("KC{", "starts no repetition"),
    ("a{1, 2}", "starts no repetition"),
    ("a{2147483648}", "Java's limit"),
    ("(a)\\1", "backreferences"),
    ("\\101", "backreferences"),                   # octal in Python, group 1 + '01' in Java
    ("\\0", "octal"),
    ("\\v", "vertical"),
    ("a\\Z", "end before a final line break"),
    ("KC\\b.*", "word boundaries"),
    ("[\\b]", "backspace"),
    ("\\U0001F9E0", "no meaning in Java"),
    ("\\N{EM DASH}", "\\\\N"),
    ("\\ud83e\\udde0", "surrogate"),
    ("(?P<t>KC)", "Python-only"),
    ("(?P<t>a)(?P=t)", "Python-only"),
    ("KC(?#comment)", "Python-only"),
    ("(a)?(?(1)b|c)", "Python-only"),
    ("(?m)KC$", "multi-line"),
    ("(?x)K C", "verbose"),
    ("(?u)kc", "(?u)"),
    ("(?a)kc", "(?a)"),
    ("(?i)(?s)kc", "global flags"),
    ("(?i-m:kc)", "multi-line"),
])
def test_patterns_java_reads_otherwise_are_refused(pattern, reason):
    with pytest.raises(CriteriaError) as err:
        NC(type=pattern, regex=True)
    assert isinstance(err.value, errors.InvalidRegexError)
    assert reason in str(err.value) and repr(pattern) in str(err.value)


@pytest.mark.parametrize("pattern", [
    "(?<n>KC)", "\\p{L}+", "\\Qa.b\\E", "\\x{41}", "\\h", "a\\z", "\\e", "\\R", "(?d)a",
])
def test_java_only_patterns_are_refused(pattern):
    with pytest.raises(CriteriaError, match="not a valid regular expression"):
        NC(type=pattern, regex=True)


@pytest.mark.parametrize("pattern", [
    "KC.*", "KCa'b'.*", "MBON\\d+", "(?i)kcg-m", "(?is)kc.*", "(?i:kc)g-m", "(?s:.)*",
    "[\\w-]+", "[]a]", "[^]a]", "a{2}", "a{2,}", "a{1,3}?", "a*+", "(?>KC)g", "\\{x\\}",
    "(?:KC|MBON).*", "(?=KC).*", "(?!KC).*", "(?<=K)C", "^KC$", "\\x41\\u00e9", "\\.\\*",
    "a}", "]", "", "é|日本語|🧠", "[a-c-e]", "\\A\\w",
])
def test_ordinary_patterns_are_accepted(pattern):
    text, params = NC(type=pattern, regex=True).where(DS)
    assert text == "n.`type` =~ $p0" and params == {"p0": pattern}


# --- integers, numbers, text -----------------------------------------------------------------

BIG = [2**63, -2**63 - 1, 2**64, 10**30, np.uint64(2**63), np.uint64(2**64 - 1)]


@pytest.mark.parametrize("value", BIG, ids=repr)
def test_integers_beyond_int64_are_refused(value):
    for make in (lambda: NC(bodyId=value), lambda: NC(bodyId=[1, value]), lambda: NC(value),
                 lambda: NC(bodyId=np.array([value], dtype=object)),
                 lambda: NC(group=value), lambda: NC(group=[3, value])):
        with pytest.raises(CriteriaError, match="outside the 64-bit integer range"):
            make()
    if value > 0:
        for name in ("min_pre", "min_post"):
            with pytest.raises(CriteriaError, match=f"^{name} .*64-bit"):
                NC(**{name: value})
        with pytest.raises(CriteriaError, match="min_roi_inputs .*64-bit"):
            NC(inputRois=["EB"], min_roi_inputs=value)
        with pytest.raises(CriteriaError, match="min_roi_outputs .*64-bit"):
            NC(outputRois=["EB"], min_roi_outputs=value)


def test_uint64_array_of_big_body_ids_is_refused():
    with pytest.raises(CriteriaError, match="64-bit"):
        NC(np.array([1, 2**63], dtype=np.uint64))
    with pytest.raises(CriteriaError, match="64-bit"):
        NC(bodyId=pd.Series([2**64 - 1], dtype="uint64"))


def test_int64_bounds_and_numpy_integers_are_accepted():
    lo, hi = -2**63, 2**63 - 1
    nc = NC(bodyId=[np.int64(hi), lo, np.uint64(5), np.int8(-3)], min_pre=np.uint32(7),
            group=np.int16(4))
    text, params = nc.where(DS)
    assert params == {"p0": [hi, lo, 5, -3], "p1": 7, "p2": 4}
    assert all(type(v) is int for v in [*params["p0"], params["p1"], params["p2"]])
    assert NC(bodyId=np.array(5)).bodyId == [5]          # a 0-d array is one value
    assert NC(min_pre=hi, min_post=np.float32(2.5)).where(DS)[1] == {"p0": hi, "p1": 2.5}


@pytest.mark.parametrize("kwargs", [
    dict(min_pre=Fraction(1, 2)), dict(min_post=Decimal("3")), dict(min_pre=math.nan),
    dict(min_post=math.inf), dict(min_pre=np.float64("nan")), dict(min_pre=True),
    dict(min_pre=np.True_), dict(min_pre="3"), dict(min_pre=-1), dict(min_post=np.int64(-2)),
    dict(inputRois=["EB"], min_roi_inputs=Fraction(3, 2)),
    dict(outputRois=["EB"], min_roi_outputs=math.nan),
])
def test_counts_must_be_plain_finite_numbers(kwargs):
    with pytest.raises(CriteriaError) as err:
        NC(**kwargs)
    name = next(k for k in kwargs if k.startswith("min_"))
    assert str(err.value).startswith(name)


@pytest.mark.parametrize("value", [Fraction(1, 2), Decimal("1.5"), complex(1, 0), math.nan,
                                   np.float64("nan"), pd.NA, b"bytes", object()])
def test_property_values_the_driver_cannot_send_are_refused(value):
    with pytest.raises(CriteriaError, match="^group "):
        NC(group=value)
    with pytest.raises(CriteriaError, match="^group "):
        NC(group=["a", value])


def test_nan_says_how_to_match_missing_values():
    with pytest.raises(CriteriaError, match="use None or IsNull"):
        NC(status=[np.nan])
    with pytest.raises(CriteriaError, match="use None or IsNull"):
        NC(cellBodyFiber=pd.Series(["ADL13", None, np.nan]))
    assert NC(status=["Traced", IsNull]).where(DS)[0] == \
        "(n.`status` IN $p0 OR n.`status` IS NULL)"


def test_property_numbers_become_plain_python():
    text, params = NC(a=np.float32(0.5), b=np.bool_(True), c=np.str_("x"), d=math.inf).where(DS)
    assert params == {"p0": 0.5, "p1": True, "p2": "x", "p3": math.inf}
    assert [type(v) for v in params.values()] == [float, bool, str, float]


@pytest.mark.parametrize("field", ["type", "instance", "status", "statusLabel", "notes",
                                   "flywireType"])
@pytest.mark.parametrize("value", ["\ud800", "KC\udfff", "a\udc80b"])
def test_lone_surrogates_are_refused(field, value):
    with pytest.raises(CriteriaError, match="lone surrogate") as err:
        NC(**{field: value}, regex=False)
    assert str(err.value).startswith(field)
    with pytest.raises(CriteriaError, match="lone surrogate"):
        NC(**{field: ["ok", value]})


def test_lone_surrogate_in_a_guessed_regex_is_refused():
    with pytest.raises(CriteriaError, match="lone surrogate"):
        NC(type="KC.*\ud800")


# --- containers ----------------------------------------------------------------------------

@pytest.mark.parametrize("rois", [{"EB": 1}, pd.Series([1]).to_dict(), {}])
def test_synapse_rois_refuse_mappings_like_neuron_criteria(rois):
    with pytest.raises(CriteriaError, match="not a mapping"):
        SynapseCriteria(rois=rois)
    with pytest.raises(CriteriaError, match="not a mapping"):
        NC(rois=rois)


def test_synapse_rois_accept_what_neuron_criteria_accept():
    for rois in (["EB", "FB"], ("EB", "FB"), {"EB", "FB"}, np.array(["EB", "FB"]),
                 pd.Series(["EB", "FB"]), pd.Index(["EB", "FB"])):
        sc = SynapseCriteria(rois=rois)
        assert sc.rois == {"EB", "FB"} and all(type(r) is str for r in sc.rois)
    assert SynapseCriteria(rois="EB").rois == {"EB"}
    with pytest.raises(CriteriaError, match="ROI names"):
        SynapseCriteria(rois=5)


@pytest.mark.parametrize("value", [0, False, True, ["pre"], np.array(["pre"]), "both"])
def test_synapse_type_refuses_non_strings(value):
    with pytest.raises(CriteriaError, match="synapse type must be 'pre', 'post' or None"):
        SynapseCriteria(type=value)


def test_synapse_type_accepts_numpy_strings_and_empty():
    assert SynapseCriteria(type=np.str_("pre")) == SynapseCriteria(type="pre")
    assert type(SynapseCriteria(type=np.str_("pre")).type) is str
    assert SynapseCriteria(type="").type is None


def test_arrays_where_a_choice_is_expected_are_criteria_errors():
    for kwargs in (dict(somaLocation=np.array([1, 2, 3])), dict(roi_req=np.array(["all"])),
                   dict(label=np.array(["Neuron"])), dict(regex=np.array([True]))):
        with pytest.raises(CriteriaError):
            NC(**kwargs)
    with pytest.raises(CriteriaError, match="copies it"):
        NC(NC(type="KC"), min_pre=np.array([1, 2]))
