"""Property tests: hostile values and names can never change a query's structure.

* Hostile VALUES (type, instance, status, statusLabel, an extra property, and
  the ROI names used as values in the InROI subqueries) only ever appear in
  the parameters: the query text is identical to the one built with the
  placeholder value ``'x'``.
* Hostile NAMES (ROIs used as boolean properties, extra property keys) only
  change the inside of backtick-quoted identifiers: with every identifier
  stripped, the text equals the one built with plain placeholder names.
* Names with control characters are refused.
* Regular expressions Neo4j would not read as Python does are refused at
  construction (InvalidRegexError); every other value gives a query of the
  same structure.
"""

import re

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from connectograph.criteria import NC, NeuronCriteria, SynapseCriteria
from connectograph.criteria.neuron_criteria import _RESERVED, REGEX_FIELDS, _property_name
from connectograph.criteria.regex import regex_problem
from connectograph.errors import CriteriaError, InvalidIdentifierError, InvalidRegexError
from connectograph.identifiers import DatasetName

from criteria_cypher_checks import check_cypher, identifiers, strip_identifiers

DS = DatasetName.parse("hemibrain-mb:v1.2.1")

HOSTILE = ["'", '"', "`", "``", "{", "}", "//", "/*", "*/", "\n", "\r\n", "\\", "\\'",
           "a'L(R)", "$p0", "$p1", "' OR true //", "\" OR 1=1 --", "`) DETACH DELETE n //",
           "}) RETURN 1 //", "é", "日本語", "🧠", "\u202e", "\x00", "MATCH (m) DELETE m",
           "n.`status`", "true", "x", "", " ",
           # Neo4j reads Unicode escapes anywhere in the text, backticks included
           r"\u0060", r"\u0060 IS NULL OR n.\u0060bodyId", r"\u0060) DETACH DELETE n //",
           r"\uZZZZ", r"\uu0060", r"\U00000060", r"\\u0060", r"\u005c", r"\u005cu0060",
           r"\u0027", r"\u0022", r"\u000a", "\\"]

name_chars = st.characters(min_codepoint=32, blacklist_characters="\x7f",
                           blacklist_categories=("Cs",))


def _no_control(s):
    return not any(ord(c) < 32 or ord(c) == 127 for c in s)


fragment = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12))
# Values carry a marker that never occurs in generated Cypher (no 'Q' in any
# keyword, variable or dataset label), so "the text never contains the value"
# is a meaningful check.
hostile_value = st.builds(lambda a, b: f"Q{a}{b}Q", fragment, fragment)
# ROI names are values in the InROI subquery but also names (flags): no control chars
hostile_roi_value = hostile_value.filter(_no_control)
value_list = st.lists(st.one_of(hostile_value, st.none()), max_size=3)

VALUE_FIELDS = ("type", "instance", "status", "statusLabel", "notes")


def _placeholder(values):
    return [None if v is None else "x" for v in values]


def _nc_unless_regex_refused(regex, fields, **kw):
    """``NC(regex=regex, **kw, **fields)``, or None when it refuses one of the
    regular expressions: that may only happen with ``regex=True``, the error
    names one of the patterns, and the same strings are fine as literals."""
    try:
        return NC(regex=regex, **kw, **fields)
    except InvalidRegexError as err:
        assert regex is True
        patterns = [v for f in REGEX_FIELDS for v in fields.get(f, []) if v is not None]
        assert any(repr(p) in str(err) for p in patterns), err
        NC(regex=False, **kw, **fields)
        return None


@settings(max_examples=300, deadline=None)
@given(fields=st.fixed_dictionaries({}, optional={f: value_list for f in VALUE_FIELDS}),
       regex=st.booleans(), in_rois=st.lists(hostile_roi_value, max_size=3, unique=True),
       roi_req=st.sampled_from(["all", "any"]))
def test_hostile_values_only_in_parameters(fields, regex, in_rois, roi_req):
    # ROI names: hostile as values of the InROI subquery; to keep the boolean
    # flags (identifiers) out of this test, rois are not used here, and the
    # directed-ROI flags are compared after stripping identifiers.
    nc = _nc_unless_regex_refused(regex, fields, roi_req=roi_req, inputRois=in_rois)
    if nc is None:
        return
    text, params = nc.where(DS)
    check_cypher(text, params)

    skeleton = strip_identifiers(text)
    for values in [*fields.values(), in_rois]:
        for v in values:
            if v is not None:
                assert v not in skeleton, (v, text)
                assert v not in text or v in "".join(f"`{i}`" for i in identifiers(text)), \
                    (v, text)

    # same structure as with placeholders (sorted ROI order preserved by rank names)
    ranks = {roi: f"r{i:03d}" for i, roi in enumerate(sorted(in_rois))}
    plain = NC(regex=regex, roi_req=roi_req, inputRois=[ranks[r] for r in in_rois],
               **{k: _placeholder(v) for k, v in fields.items()})
    plain_text, plain_params = plain.where(DS)
    assert strip_identifiers(text) == strip_identifiers(plain_text)
    assert params.keys() == plain_params.keys()

    # every hostile value is delivered intact as (part of) a parameter
    flat = []
    for p in params.values():
        flat.extend(p if isinstance(p, list) else [p])
    for values in fields.values():
        for v in values:
            if v is not None:
                assert any(isinstance(p, str) and v in p for p in flat), v


@settings(max_examples=200, deadline=None)
@given(values=st.fixed_dictionaries({}, optional={f: value_list for f in VALUE_FIELDS}),
       regex=st.booleans())
def test_hostile_values_text_identical_to_placeholder(values, regex):
    # With no ROI names involved, the text must be byte-for-byte identical.
    nc = _nc_unless_regex_refused(regex, values)
    if nc is None:
        return
    text, params = nc.where(DS)
    plain_text, _ = NC(regex=regex, **{k: _placeholder(v) for k, v in values.items()}).where(DS)
    assert text == plain_text
    check_cypher(text, params)
    for vs in values.values():
        for v in vs:
            if v is not None:
                assert v not in text


hostile_name = st.one_of(
    st.sampled_from([h for h in HOSTILE if h and _no_control(h)]),
    st.text(name_chars, min_size=1, max_size=20),
)
property_name = hostile_name.filter(
    lambda s: s not in _RESERVED and s not in REGEX_FIELDS and _property_name(s) == s)


@settings(max_examples=300, deadline=None)
@given(rois=st.lists(hostile_name, max_size=3, unique=True),
       inputs=st.lists(hostile_name, max_size=2, unique=True),
       outputs=st.lists(hostile_name, max_size=2, unique=True),
       props=st.lists(property_name, max_size=3, unique=True),
       roi_req=st.sampled_from(["all", "any"]))
def test_hostile_names_only_inside_identifiers(rois, inputs, outputs, props, roi_req):
    all_rois = sorted({*rois, *inputs, *outputs})
    rank = {roi: f"r{i:03d}" for i, roi in enumerate(all_rois)}
    prank = {p: f"q{i:03d}" for i, p in enumerate(sorted(props))}

    def build(roi_map, prop_map):
        return NC(rois=[roi_map[r] for r in all_rois] if rois else None,
                  inputRois=[roi_map[r] for r in inputs],
                  outputRois=[roi_map[r] for r in outputs], roi_req=roi_req,
                  **{prop_map[p]: "v" for p in props})

    hostile = build({r: r for r in all_rois}, {p: p for p in props})
    plain = build(rank, prank)
    text, params = hostile.where(DS)
    plain_text, plain_params = plain.where(DS)
    check_cypher(text, params)
    assert strip_identifiers(text) == strip_identifiers(plain_text)
    assert params.keys() == plain_params.keys()

    # each name appears as exactly one whole identifier, never split or merged
    names = identifiers(text)
    for roi in all_rois:
        assert roi in names
    for p in props:
        assert p in names
    # the identifiers are the placeholders' identifiers, renamed one for one
    back = {**{v: k for k, v in rank.items()}, **{v: k for k, v in prank.items()}}
    assert [back.get(n, n) for n in identifiers(plain_text)] == names

    # the roi_seek form: same guarantees
    stext, sparams = hostile.where(DS, roi_seek=True)
    splain, splain_params = plain.where(DS, roi_seek=True)
    check_cypher(stext, sparams)
    assert strip_identifiers(stext) == strip_identifiers(splain)
    assert sparams == params and splain_params == plain_params
    assert [back.get(n, n) for n in identifiers(splain)] == identifiers(stext)

    # also through to_cypher and SynapseCriteria
    full, full_params = hostile.to_cypher(DS)
    check_cypher(full, full_params)
    if all_rois:
        syn = SynapseCriteria(rois=all_rois, type="pre")
        stext, sparams = syn.where(DS, default_confidence=0.5)
        check_cypher(stext, sparams)
        assert identifiers(stext) == [*all_rois, "confidence", "type"]


control = st.builds(lambda a, c, b: a + c + b, st.text(name_chars, max_size=5),
                    st.sampled_from([chr(i) for i in range(32)] + ["\x7f"]),
                    st.text(name_chars, max_size=5))


@settings(max_examples=100, deadline=None)
@given(name=control)
def test_names_with_control_characters_are_refused(name):
    for make in (lambda: NC(rois=[name]), lambda: NC(inputRois=[name]),
                 lambda: NC(outputRois=name), lambda: NC(**{name: "v"}),
                 lambda: SynapseCriteria(rois=[name])):
        try:
            make()
        except InvalidIdentifierError:
            continue
        raise AssertionError(f"{name!r} was accepted")


@settings(max_examples=100, deadline=None)
@given(values=st.fixed_dictionaries({}, optional={f: value_list for f in VALUE_FIELDS}),
       regex=st.booleans(), body=st.lists(st.integers(0, 2**63 - 1), max_size=3),
       cropped=st.sampled_from([None, True, False]), soma=st.sampled_from([None, True, False]),
       min_pre=st.integers(0, 5))
def test_repr_round_trip_random(values, regex, body, cropped, soma, min_pre):
    nc = _nc_unless_regex_refused(regex, values, bodyId=body, cropped=cropped, soma=soma,
                                  min_pre=min_pre)
    if nc is None:
        return
    again = eval(repr(nc), {"NeuronCriteria": NeuronCriteria})
    assert again == nc
    assert again.where(DS) == nc.where(DS)
    text, params = nc.where(DS)
    check_cypher(text, params)
    assert not re.search(r"\bexists\s*\(", text, re.IGNORECASE)


# --- numpy scalars, integers beyond 64 bits, regex alternation --------------------------------

INT64 = (-2**63, 2**63 - 1)
INT_TYPES = (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64)


@st.composite
def maybe_numpy_int(draw, lo=-2**70, hi=2**70):
    """An integer (beyond 64 bits too), as a Python int or a numpy type that holds it."""
    v = draw(st.one_of(st.integers(0, 1000), st.integers(*INT64), st.integers(lo, hi),
                       st.sampled_from([INT64[0], INT64[1], INT64[1] + 1, INT64[0] - 1,
                                        2**64 - 1, 2**64])))
    v = min(max(v, lo), hi)
    kinds = [t for t in INT_TYPES if np.iinfo(t).min <= v <= np.iinfo(t).max]
    kind = draw(st.sampled_from([int, *kinds]))
    return kind(v)


def _plain(v):
    return v.item() if isinstance(v, np.generic) else v


def _in_int64(v) -> bool:
    return INT64[0] <= int(v) <= INT64[1]


numpy_property_value = st.one_of(
    maybe_numpy_int(),
    st.floats(allow_nan=False, width=32).map(np.float32),
    st.floats(allow_nan=False).map(np.float64),
    st.booleans().map(np.bool_),
    hostile_value.map(np.str_),
)


@settings(max_examples=300, deadline=None)
@given(body=st.lists(maybe_numpy_int(), max_size=3), group=numpy_property_value,
       cropped=st.sampled_from([None, True, False, np.True_, np.False_]),
       soma=st.sampled_from([None, True, False, np.True_, np.False_]),
       min_pre=maybe_numpy_int(0, 2**65), in_rois=st.lists(hostile_roi_value, max_size=2),
       min_roi_inputs=maybe_numpy_int(0, 2**65))
def test_numpy_scalars_and_big_integers(body, group, cropped, soma, min_pre, in_rois,
                                        min_roi_inputs):
    """numpy values mean their Python value; integers beyond 64 bits are refused
    at construction; anything accepted gives the query of the plain values."""
    kw = dict(bodyId=body, group=group, cropped=cropped, soma=soma, min_pre=min_pre)
    if in_rois:
        kw.update(inputRois=in_rois, min_roi_inputs=min_roi_inputs)
    ints = [*body, min_pre, *([min_roi_inputs] if in_rois else [])]
    if isinstance(group, (int, np.integer)):
        ints.append(group)
    event("refused" if not all(_in_int64(v) for v in ints) else "accepted")
    if not all(_in_int64(v) for v in ints):
        try:
            NC(**kw)
        except CriteriaError as err:
            assert "64-bit" in str(err)
            return
        raise AssertionError(f"accepted an integer beyond 64 bits: {kw}")
    nc = NC(**kw)
    plain = NC(**{k: [_plain(v) for v in w] if isinstance(w, list) else _plain(w)
                  for k, w in kw.items()})
    assert nc == plain
    text, params = nc.where(DS)
    assert (text, params) == plain.where(DS)
    check_cypher(text, params)
    if cropped is not None:
        assert "cropped" in identifiers(text)
    if soma is not None:
        assert "somaLocation" in identifiers(text)
    flat = [x for p in params.values() for x in (p if isinstance(p, list) else [p])]
    assert all(type(x) in (int, float, str, bool) for x in flat), params

    # same structure as with placeholder values
    holder = NC(bodyId=[5] * len(body), group="x", cropped=_plain(cropped), soma=_plain(soma),
                min_pre=5 if min_pre else 0,
                **(dict(inputRois=[f"r{i}" for i in range(len(set(in_rois)))],
                        min_roi_inputs=5) if in_rois else {}))
    assert strip_identifiers(text) == strip_identifiers(holder.where(DS)[0])


REGEX_FRAGMENTS = ["a", "KC", "g-m", ")", "(", "|", ".*", "[", "]", "{", "}", "{2}", "{,2}",
                   "\\", "\\d", "\\1", "\\b", "\\Z", "\\Q", "\\E", "(?", "(?i)", "(?m)",
                   "(?P<x>", "(?<x>", "?", "*", "+", "^", "$", "&&", ":", "-", ",", "#", " ",
                   "\n", "é", "'", "`"]
regex_pattern = st.lists(st.sampled_from(REGEX_FRAGMENTS), min_size=1, max_size=6).map("".join)
# the example and its family: each would break out of a joined "(p1)|(p2)"
escaping_pattern = st.builds(lambda a, b: f"{a})|({b}", st.text("abKC.*", max_size=4),
                             st.text("abKC.*", max_size=4))


@settings(max_examples=400, deadline=None)
@given(patterns=st.lists(st.one_of(regex_pattern, escaping_pattern), min_size=1, max_size=3),
       field=st.sampled_from(["type", "instance", "flywireType"]), with_null=st.booleans(),
       other=st.sampled_from([None, "KCg-m"]))
def test_regex_lists_refused_or_one_condition_per_pattern(patterns, field, with_null, other):
    values = [*patterns, *([None] if with_null else [])]
    kw = {field: values}
    if other and field != "instance":
        kw["instance"] = other
    try:
        nc = NC(**kw, regex=True)
    except InvalidRegexError as err:
        named = [p for p in patterns if str(err).startswith(f"{field}: regular expression "
                                                            f"{p!r}")]
        assert named and regex_problem(named[0]) is not None, err
        event("refused")
        return
    event("accepted")
    for p in patterns:
        assert regex_problem(p) is None
        re.compile(p)                          # a whole, valid pattern
        assert not re.fullmatch(r"[^()]*\)\|\([^()]*", p)  # never the breakout family
    text, params = nc.where(DS)
    check_cypher(text, params)
    holder = NC(**{**kw, field: ["x" if v is not None else None for v in values]}, regex=True)
    plain_text, plain_params = holder.where(DS)
    assert text == plain_text and params.keys() == plain_params.keys()
    # each pattern is one parameter, unchanged, of its own =~
    assert text.count("=~") == len(patterns) + (1 if "instance" in kw and field != "instance"
                                                else 0)
    field_params = [params[name] for name, holder_value in plain_params.items()
                    if holder_value == "x"]
    assert field_params == patterns


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=20))
def test_escaped_text_is_an_accepted_pattern_matching_only_itself(text):
    pattern = re.escape(text)
    assert regex_problem(pattern) is None, pattern
    assert re.fullmatch(pattern, text, re.ASCII)
    assert NC(type=pattern, regex=True).where(DS)[1] == {"p0": pattern}


@settings(max_examples=100, deadline=None)
@given(before=st.text("abKC-", max_size=4), after=st.text("abKC.*", max_size=4))
def test_unbalanced_alternation_is_always_refused(before, after):
    with pytest.raises(InvalidRegexError, match="unbalanced parenthesis"):
        NC(type=[f"{before})|({after}", "KCg-m"], regex=True)
