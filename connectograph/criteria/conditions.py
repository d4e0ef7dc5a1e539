"""A small boolean condition tree that renders to Neo4j 5 Cypher.

Every criteria class in :mod:`connectograph.criteria` builds one of these trees
instead of concatenating strings. The tree guarantees three things:

* **Values never enter the query text.** Each value is handed to a
  :class:`Parameters` collector, which returns a fresh placeholder
  (``$p0``, ``$p1``, ...); the text only ever holds the placeholder.
* **Names are always escaped.** Property keys, labels and relationship types go
  through :func:`connectograph.identifiers.escape_name` (backtick quoting), so a
  hostile ROI name such as ``a'L(R)`` or ``x` OR true //`` stays one identifier.
* **Precedence cannot be lost.** When an :class:`And`, :class:`Or` or
  :class:`Not` node has an operand that is itself compound (an ``And``/``Or`` of
  two or more operands, or a ``Not``), that operand is wrapped in parentheses.
  neuprint-python joins strings and can emit ``a AND b IN [..] OR NOT exists(b)``
  (an unparenthesised ``OR``); this tree cannot.

Only Neo4j 5 syntax is produced: ``x IS NULL`` / ``x IS NOT NULL`` (never the
removed ``exists(n.prop)``), ``EXISTS { MATCH ... }`` subqueries, and
``elementId(n) IN COLLECT { MATCH ... }`` (:class:`ElementIdInCollect`), the
form the planner can start a query from.

Examples
--------
>>> params = Parameters()
>>> cond = And(In("n", "status", ["Traced", "Roughly traced"]),
...            Or(Equals("n", "type", "KC"), PropertyIsNull("n", "type")))
>>> cond.render(params)
'n.`status` IN $p0 AND (n.`type` = $p1 OR n.`type` IS NULL)'
>>> params.as_dict()
{'p0': ['Traced', 'Roughly traced'], 'p1': 'KC'}

Note
----
The null-check leaves are called :class:`PropertyIsNull` and
:class:`PropertyIsNotNull` so that the names ``IsNull`` and ``NotNull`` stay free
for neuprint-python's value sentinels (``NC(status=NotNull)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, Iterable

from ..errors import CriteriaError, InvalidIdentifierError
from ..identifiers import escape_name

__all__ = [
    "Parameters", "Condition",
    "Equals", "NotEquals", "GreaterEq", "Greater", "LessEq", "Less",
    "In", "PropertyIsNull", "PropertyIsNotNull", "RegexMatch", "BoolProperty",
    "Exists", "ElementIdInCollect", "And", "Or", "Not", "TRUE", "FALSE", "render_conjunct",
]

_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_variable(var: str) -> str:
    """Return ``var`` if it is a plain Cypher variable (``n``, ``n_roi``...).

    Raises
    ------
    InvalidIdentifierError
        If ``var`` is not a string of letters, digits and ``_`` starting with a
        letter or ``_``.
    """
    if not isinstance(var, str) or not _VARIABLE.fullmatch(var):
        raise InvalidIdentifierError(
            f"{var!r} is not a plain Cypher variable; use letters, digits and '_', "
            "starting with a letter, e.g. 'n'")
    return var


def plain_value(value: Any) -> Any:
    """Convert numpy/pandas scalars and sequences to plain Python for the driver.

    ``np.int64(5)`` becomes ``5``; tuples, sets, arrays and Series become lists
    (recursively). Other values are returned unchanged.
    """
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        # numpy scalars and arrays, pandas Series/Index
        return plain_value(value.tolist())
    if isinstance(value, (list, tuple)):
        return [plain_value(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return [plain_value(v) for v in sorted(value, key=repr)]
    return value


class Parameters:
    """Collects query parameter values and hands out unique placeholders.

    Several criteria rendered into the same query must share one collector so
    that their placeholders do not collide.

    Parameters
    ----------
    prefix : str, default ``"p"``
        Placeholder stem; placeholders are ``$<prefix>0``, ``$<prefix>1``...

    Examples
    --------
    >>> params = Parameters()
    >>> params.add("Traced"), params.add([1, 2])
    ('$p0', '$p1')
    >>> params.as_dict()
    {'p0': 'Traced', 'p1': [1, 2]}
    """

    def __init__(self, prefix: str = "p") -> None:
        check_variable(prefix)
        self._prefix = prefix
        self._values: dict[str, Any] = {}

    def add(self, value: Any) -> str:
        """Store ``value`` (converted with :func:`plain_value`) and return its
        placeholder, e.g. ``"$p3"``."""
        name = f"{self._prefix}{len(self._values)}"
        while name in self._values:  # only possible if update() was used
            name += "_"
        self._values[name] = plain_value(value)
        return "$" + name

    def as_dict(self) -> dict[str, Any]:
        """A copy of the collected ``{name: value}`` map, ready for the driver."""
        return dict(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Parameters({self._values!r})"


class Condition:
    """Base class of every node of the condition tree.

    Subclasses implement :meth:`_render`. Use ``&``, ``|`` and ``~`` as
    shorthand for :class:`And`, :class:`Or` and :class:`Not`.
    """

    #: True for nodes that need parentheses when they are an operand of
    #: And/Or/Not.
    def _compound(self) -> bool:
        return False

    def _render(self, params: Parameters) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def render(self, params: Parameters | None = None) -> str:
        """Return the Cypher boolean expression; values go to ``params``.

        Parameters
        ----------
        params : Parameters, optional
            The collector to put values into; a new one if omitted (then the
            values are lost, so pass one whenever the condition has values).
        """
        return self._render(params if params is not None else Parameters())

    def __and__(self, other: "Condition") -> "And":
        return And(self, other)

    def __or__(self, other: "Condition") -> "Or":
        return Or(self, other)

    def __invert__(self) -> "Not":
        return Not(self)


def _operand(cond: Condition, params: Parameters) -> str:
    text = cond._render(params)
    return f"({text})" if cond._compound() else text


# --- leaves ---------------------------------------------------------------------


@dataclass(frozen=True)
class _PropertyLeaf(Condition):
    var: str
    key: str

    def __post_init__(self) -> None:
        check_variable(self.var)
        escape_name(self.key)  # validate early: raises InvalidIdentifierError

    @property
    def _access(self) -> str:
        return f"{self.var}.{escape_name(self.key)}"


@dataclass(frozen=True)
class _Comparison(_PropertyLeaf):
    value: Any = None
    _op: ClassVar[str] = "="

    def _render(self, params: Parameters) -> str:
        return f"{self._access} {self._op} {params.add(self.value)}"


@dataclass(frozen=True)
class Equals(_Comparison):
    """``var.`key` = $p``. (A null value never matches; use PropertyIsNull.)"""
    _op: ClassVar[str] = "="


@dataclass(frozen=True)
class NotEquals(_Comparison):
    """``var.`key` <> $p``."""
    _op: ClassVar[str] = "<>"


@dataclass(frozen=True)
class GreaterEq(_Comparison):
    """``var.`key` >= $p``."""
    _op: ClassVar[str] = ">="


@dataclass(frozen=True)
class Greater(_Comparison):
    """``var.`key` > $p`` (strict)."""
    _op: ClassVar[str] = ">"


@dataclass(frozen=True)
class LessEq(_Comparison):
    """``var.`key` <= $p``."""
    _op: ClassVar[str] = "<="


@dataclass(frozen=True)
class Less(_Comparison):
    """``var.`key` < $p`` (strict)."""
    _op: ClassVar[str] = "<"


@dataclass(frozen=True)
class In(_PropertyLeaf):
    """``var.`key` IN $p`` with the list of ``values`` as one parameter."""
    values: tuple = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "values", tuple(plain_value(list(self.values))))

    def _render(self, params: Parameters) -> str:
        return f"{self._access} IN {params.add(list(self.values))}"


@dataclass(frozen=True)
class PropertyIsNull(_PropertyLeaf):
    """``var.`key` IS NULL`` (the property is absent)."""

    def _render(self, params: Parameters) -> str:
        return f"{self._access} IS NULL"


@dataclass(frozen=True)
class PropertyIsNotNull(_PropertyLeaf):
    """``var.`key` IS NOT NULL`` (the property is present)."""

    def _render(self, params: Parameters) -> str:
        return f"{self._access} IS NOT NULL"


@dataclass(frozen=True)
class RegexMatch(_PropertyLeaf):
    """``var.`key` =~ $p``: Java regex, matched against the WHOLE string."""
    pattern: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.pattern, str):
            raise CriteriaError(f"a regular expression must be a string, got {self.pattern!r}")

    def _render(self, params: Parameters) -> str:
        return f"{self._access} =~ {params.add(self.pattern)}"


@dataclass(frozen=True)
class BoolProperty(_PropertyLeaf):
    """``var.`key` = true`` (or ``= false``), e.g. neuPrint's per-ROI flags.

    The literal ``true``/``false`` is structure chosen by the code, not a user
    value. A missing property gives null, so it never matches either form.
    """
    value: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.value, bool):
            raise CriteriaError(f"BoolProperty value must be True or False, got {self.value!r}")

    def _render(self, params: Parameters) -> str:
        return f"{self._access} = {'true' if self.value else 'false'}"


def _check_pattern(cond, variables) -> None:
    """Validate the pattern parts shared by :class:`Exists` and
    :class:`ElementIdInCollect` (variables, names, direction, inner condition)."""
    for v in variables:
        check_variable(v)
    escape_name(cond.rel_type)
    escape_name(cond.target_label)
    if cond.direction not in ("out", "in"):
        raise CriteriaError(f"direction must be 'out' or 'in', not {cond.direction!r}")
    if not isinstance(cond.where, Condition):
        raise CriteriaError(f"where must be a Condition, got {cond.where!r}")


@dataclass(frozen=True)
class Exists(Condition):
    """An existential subquery over one relationship.

    Renders ``EXISTS { MATCH (var)-[rel_var:`rel_type`]->(target_var:`target_label`)
    WHERE <where> }`` (arrow reversed when ``direction="in"``). ``where`` refers
    to ``rel_var`` and ``target_var``; pick names that do not clash with
    variables of the enclosing query, since Neo4j 5 subqueries see them.

    Parameters
    ----------
    var : str
        The outer variable, e.g. ``"n"``.
    rel_type : str
        Relationship type, escaped, e.g. ``"InROI"``.
    rel_var, target_var : str
        Variables for the relationship and the other node.
    target_label : str
        Label of the other node, escaped (e.g. ``"hemibrain:v1.2.1_ROI"``).
    where : Condition
        Condition inside the subquery; ``And()`` for none.
    direction : {"out", "in"}
    """
    var: str
    rel_type: str
    rel_var: str
    target_var: str
    target_label: str
    where: Condition = field(default_factory=lambda: And())
    direction: str = "out"

    def __post_init__(self) -> None:
        _check_pattern(self, (self.var, self.rel_var, self.target_var))

    def _render(self, params: Parameters) -> str:
        rel = f"[{self.rel_var}:{escape_name(self.rel_type)}]"
        target = f"({self.target_var}:{escape_name(self.target_label)})"
        if self.direction == "out":
            pattern = f"({self.var})-{rel}->{target}"
        else:
            pattern = f"({self.var})<-{rel}-{target}"
        inner = self.where._render(params)
        if inner == "true":
            return f"EXISTS {{ MATCH {pattern} }}"
        return f"EXISTS {{ MATCH {pattern} WHERE {inner} }}"


@dataclass(frozen=True)
class ElementIdInCollect(Condition):
    """The node is one of those reached from a start node: an uncorrelated
    ``COLLECT`` subquery the planner can use as a seek.

    Renders ``elementId(var) IN COLLECT { MATCH
    (target_var:`target_label`)<-[rel_var:`rel_type`]-(body_var) WHERE <where>
    RETURN DISTINCT elementId(body_var) }`` (arrow reversed when
    ``direction="in"``; ``direction`` is seen from ``var``, as in :class:`Exists`).
    The subquery does not mention ``var``, so Neo4j 5 plans it once, before
    ``var`` is bound, and finds ``var`` with ``NodeByElementIdSeek``: the query
    starts at ``target_var`` (e.g. an ROI found by its unique name) instead of
    scanning every node of ``var``'s label and testing :class:`Exists` on each.

    Same truth value as the matching :class:`Exists`, but use it only for the
    variable the query starts from, and at most once per query: when the
    planner cannot turn it into the seek (a second such condition, or one
    inside a path predicate) the whole subquery is re-run for every row.

    Parameters
    ----------
    var, rel_type, rel_var, target_var, target_label, where, direction
        As in :class:`Exists`.
    body_var : str
        Variable of the subquery's own copy of the node (must not be ``var``).
    """
    var: str
    rel_type: str
    rel_var: str
    target_var: str
    target_label: str
    body_var: str
    where: Condition = field(default_factory=lambda: And())
    direction: str = "out"

    def __post_init__(self) -> None:
        _check_pattern(self, (self.var, self.rel_var, self.target_var, self.body_var))
        if self.body_var == self.var:
            raise CriteriaError("body_var must differ from var (the subquery must not "
                                "refer to the outer variable)")

    def _render(self, params: Parameters) -> str:
        rel = f"[{self.rel_var}:{escape_name(self.rel_type)}]"
        target = f"({self.target_var}:{escape_name(self.target_label)})"
        if self.direction == "out":
            pattern = f"{target}<-{rel}-({self.body_var})"
        else:
            pattern = f"{target}-{rel}->({self.body_var})"
        inner = self.where._render(params)
        where = "" if inner == "true" else f" WHERE {inner}"
        return (f"elementId({self.var}) IN COLLECT {{ MATCH {pattern}{where} "
                f"RETURN DISTINCT elementId({self.body_var}) }}")


# --- compound nodes -----------------------------------------------------------


@dataclass(frozen=True, init=False)
class _Junction(Condition):
    operands: tuple
    _keyword: ClassVar[str] = "AND"
    _empty: ClassVar[str] = "true"

    def __init__(self, *operands: Condition) -> None:
        if len(operands) == 1 and not isinstance(operands[0], Condition) \
                and isinstance(operands[0], Iterable):
            operands = tuple(operands[0])
        for op in operands:
            if not isinstance(op, Condition):
                raise CriteriaError(
                    f"{type(self).__name__} operands must be Conditions, got {op!r}")
        object.__setattr__(self, "operands", tuple(operands))

    def _compound(self) -> bool:
        ops = self.operands
        if len(ops) == 1:
            return ops[0]._compound()
        return len(ops) >= 2

    def _render(self, params: Parameters) -> str:
        if not self.operands:
            return self._empty
        if len(self.operands) == 1:
            return self.operands[0]._render(params)
        return f" {self._keyword} ".join(_operand(op, params) for op in self.operands)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(repr, self.operands))})"


@dataclass(frozen=True, init=False, repr=False)
class And(_Junction):
    """Conjunction; ``And()`` renders ``true``."""
    _keyword: ClassVar[str] = "AND"
    _empty: ClassVar[str] = "true"


@dataclass(frozen=True, init=False, repr=False)
class Or(_Junction):
    """Disjunction; ``Or()`` renders ``false``."""
    _keyword: ClassVar[str] = "OR"
    _empty: ClassVar[str] = "false"


@dataclass(frozen=True)
class Not(Condition):
    """Negation, always rendered ``NOT (operand)``."""
    operand: Condition

    def __post_init__(self) -> None:
        if not isinstance(self.operand, Condition):
            raise CriteriaError(f"Not operand must be a Condition, got {self.operand!r}")

    def _compound(self) -> bool:
        return True

    def _render(self, params: Parameters) -> str:
        return f"NOT ({self.operand._render(params)})"


def render_conjunct(cond: Condition, params: Parameters) -> str:
    """Render ``cond`` so the text can be joined with ``AND`` by string
    concatenation: a top-level ``OR`` or ``NOT`` is wrapped in parentheses (a
    top-level ``AND`` is not, since ``AND`` is associative).

    Prefer composing trees (``And(a, b).render(params)``); this is for callers
    that must splice the text of one condition into a hand-written query.
    """
    node = cond
    while isinstance(node, _Junction) and len(node.operands) == 1:
        node = node.operands[0]
    text = cond._render(params)
    if isinstance(node, Not) or (isinstance(node, Or) and len(node.operands) >= 2):
        return f"({text})"
    return text


#: Always true / always false.
TRUE = And()
FALSE = Or()
