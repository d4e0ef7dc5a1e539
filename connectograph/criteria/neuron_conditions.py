"""How a NeuronCriteria renders: its fields as a condition tree
(:mod:`.conditions`), the per-ROI input and output requirements as
subqueries on ``InROI``, and the ROI-seek form of the first of them.
"""

from __future__ import annotations

from ..identifiers import DatasetName
from .conditions import (And, BoolProperty, Condition, ElementIdInCollect, Equals, Exists,
                         GreaterEq, In, Or, PropertyIsNotNull, PropertyIsNull, RegexMatch,
                         check_variable)
from .filters import PropertyFilter
from .neuron_values import REGEX_FIELDS, IsNull, NotNull

# Relationship type linking a body to each ROI it has synapses in (per-ROI counts).
_INROI_REL = "InROI"


def _value_condition(var: str, key: str, values: list, regex: bool) -> Condition | None:
    """Condition for one field matched against a list of values.

    Rules (neuprint-python's ``where_expr``, with the OR parenthesised):
    ``[]`` -> nothing; ``[None]``/``[IsNull]`` -> IS NULL; ``[NotNull]`` -> IS NOT
    NULL; one value -> ``=`` (``=~`` with regex); several -> ``IN`` (with regex,
    one ``=~`` per pattern, OR-ed: ``(n.type =~ $p0 OR n.type =~ $p1)``); a
    None/IsNull among several -> ``(... OR IS NULL)``; a value filter
    (:mod:`.filters`) -> its own condition.
    """
    if not values:
        return None
    if isinstance(values[0], PropertyFilter):     # alone (checked by the criteria)
        return values[0].condition(var, key)
    if values == [NotNull]:
        return PropertyIsNotNull(var, key)
    wants_null = any(v is None or v is IsNull for v in values)
    concrete = [v for v in values if v is not None and v is not IsNull]
    if not concrete:
        return PropertyIsNull(var, key)
    if regex:
        # one =~ per pattern: joined into one alternation, a pattern such as
        # 'a)|(.*' would break out of its group and match every value
        matches = [RegexMatch(var, key, pattern) for pattern in concrete]
        if wants_null:
            return Or(*matches, PropertyIsNull(var, key))
        return matches[0] if len(matches) == 1 else Or(*matches)
    if len(values) == 1:
        cond: Condition = Equals(var, key, concrete[0])
    else:
        # several values given (maybe one plus None): IN, as in the docs
        cond = In(var, key, concrete)
    if wants_null:
        return Or(cond, PropertyIsNull(var, key))
    return cond


def neuron_condition(nc, ds: DatasetName, var: str = "n", *,
                     roi_seek: bool = False) -> Condition:
    """The condition tree of NeuronCriteria ``nc`` on dataset ``ds`` for the
    body ``var`` (see :meth:`NeuronCriteria.condition
    <connectograph.criteria.NeuronCriteria.condition>` and, for ``roi_seek``,
    :meth:`~connectograph.criteria.NeuronCriteria.where`).

    Raises
    ------
    InvalidIdentifierError
        ``var`` is not a plain Cypher variable.
    """
    check_variable(var)
    parts: list[Condition | None] = [_value_condition(var, "bodyId", nc.bodyId, False)]

    t = _value_condition(var, "type", nc.type, nc.regex)
    i = _value_condition(var, "instance", nc.instance, nc.regex)
    parts.append(Or(t, i) if t and i else (t or i))

    properties = nc.properties
    for f in REGEX_FIELDS[2:]:
        parts.append(_value_condition(var, f, properties.get(f, []), nc.regex))
    parts.append(_value_condition(var, "status", nc.status, False))
    parts.append(_value_condition(var, "statusLabel", nc.statusLabel, False))

    if nc.cropped is True:
        parts.append(BoolProperty(var, "cropped", True))
    elif nc.cropped is False:
        # absent counts as not cropped (neuprint-python's _tag_expr)
        parts.append(Or(BoolProperty(var, "cropped", False), PropertyIsNull(var, "cropped")))
    if nc.min_pre:
        parts.append(GreaterEq(var, "pre", nc.min_pre))
    if nc.min_post:
        parts.append(GreaterEq(var, "post", nc.min_post))
    if nc.soma is True or nc.somaLocation is NotNull:
        parts.append(PropertyIsNotNull(var, "somaLocation"))
    elif nc.soma is False or nc.somaLocation is IsNull:
        parts.append(PropertyIsNull(var, "somaLocation"))

    for prop in sorted(properties):
        if prop in REGEX_FIELDS:
            continue
        parts.append(_value_condition(var, prop, properties[prop], False))

    if nc.rois:
        flags = [BoolProperty(var, roi) for roi in sorted(nc.rois)]
        parts.append(And(*flags) if nc.roi_req == "all" else Or(*flags))
    # With roi_seek, the first directed-ROI subquery (inputs before outputs)
    # becomes the seek form; the others stay EXISTS (cheap once n is bound).
    seek = [roi_seek and roi_seek_applies(nc)]
    parts.append(directed_rois(nc, ds, var, nc.inputRois, "post", nc.min_roi_inputs, seek))
    parts.append(directed_rois(nc, ds, var, nc.outputRois, "pre", nc.min_roi_outputs, seek))
    return And(*(p for p in parts if p is not None))


def roi_seek_applies(nc) -> bool:
    """Whether the ROI may be the query's start: no condition on bodyId,
    type, instance, status, statusLabel or any extra property. Those can
    have indexes; given one, Neo4j 5.26 seeks on it and then re-runs the
    uncorrelated COLLECT for every row (measured: 3.3M db hits instead of
    12k for a type with 500 bodies), so EXISTS is kept."""
    return not (nc.bodyId or nc.type or nc.instance or nc.status
                or nc.statusLabel or nc.properties)


def directed_rois(nc, ds: DatasetName, var: str, rois: frozenset[str], count: str,
                  minimum: int, seek: list[bool]) -> Condition | None:
    """``EXISTS { MATCH (n)-[n_in:InROI]->(n_roi:`D_ROI`) WHERE n_roi.name ... AND
    n_in.post >= $m }``: one subquery per ROI for 'all', one with IN for 'any'.

    While ``seek[0]`` is true, the first subquery is rendered as
    :class:`ElementIdInCollect` instead (same truth value) and ``seek[0]``
    is cleared, so one criteria object renders at most one such form."""
    if not rois:
        return None
    rel_var, roi_var = f"{var}_in", f"{var}_roi"
    roi_label = f"{ds}_ROI"

    def exists(name_cond: Condition) -> Condition:
        where = And(name_cond, GreaterEq(rel_var, count, minimum))
        if seek[0]:
            seek[0] = False
            return ElementIdInCollect(var, _INROI_REL, rel_var, roi_var, roi_label,
                                      f"{var}_body", where)
        return Exists(var, _INROI_REL, rel_var, roi_var, roi_label, where)

    names = sorted(rois)
    if nc.roi_req == "all":
        return And(*(exists(Equals(roi_var, "name", r)) for r in names))
    if len(names) == 1:
        return exists(Equals(roi_var, "name", names[0]))
    return exists(In(roi_var, "name", names))
