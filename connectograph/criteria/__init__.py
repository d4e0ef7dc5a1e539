"""Neuron and synapse selection criteria rendered to safe, parameterised Cypher.

Mirrors neuprint-python's ``NeuronCriteria`` / ``SynapseCriteria`` (same names
and semantics) on top of a small condition tree (:mod:`.conditions`) that keeps
values in query parameters, escapes every name and parenthesises every compound
operand.
"""

from .conditions import (FALSE, TRUE, And, BoolProperty, Condition, Equals, Exists, Greater,
                         GreaterEq, In, Less, LessEq, Not, NotEquals, Or, Parameters,
                         PropertyIsNotNull, PropertyIsNull, RegexMatch, render_conjunct)
from .filters import (Above, AtLeast, AtMost, Below, Between, NotIn, PropertyFilter, Range,
                      Regex)
from .neuron_criteria import (NC, IsNull, NeuronCriteria, NotNull, copy_as_neuroncriteria)
from .synapse_criteria import SynapseCriteria

__all__ = [
    "NeuronCriteria", "NC", "SynapseCriteria", "IsNull", "NotNull", "Parameters",
    "copy_as_neuroncriteria",
    "AtLeast", "AtMost", "Above", "Below", "Between", "Range", "NotIn", "Regex", "PropertyFilter",
    "Condition", "Equals", "NotEquals", "Greater", "GreaterEq", "Less", "LessEq", "In",
    "PropertyIsNull", "PropertyIsNotNull", "RegexMatch", "BoolProperty", "Exists",
    "And", "Or", "Not", "TRUE", "FALSE", "render_conjunct",
]
