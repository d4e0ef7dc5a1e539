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

from hypothesis import given, settings
from hypothesis import strategies as st

from connectograph.criteria import NC, NeuronCriteria, SynapseCriteria
from connectograph.criteria.neuron_criteria import _RESERVED, REGEX_FIELDS, _property_name
from connectograph.errors import InvalidIdentifierError, InvalidRegexError
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

