"""Confirm with Neo4j's own plan what a custom query will do.

The rewriter (:mod:`.cypher_rewrite`) judges a query from its tokens. This
module judges the plan Neo4j makes of the final text (``EXPLAIN``, which
runs nothing): whatever the spelling, a plan shows the procedures it calls,
the functions it evaluates, the labels it scans and seeks, and whether it
loads files. A query is refused when its plan

* loads CSV (``LoadCSV``) or runs ``IN TRANSACTIONS`` (``TransactionApply``,
  ``TransactionForeach``);
* calls a procedure outside the service's allowlist (``ProcedureCall``), or a
  namespaced function outside its allowlist (in any operator's details);
* scans every node (``AllNodesScan``), scans or seeks nodes by a label
  that is not one of the request's dataset, or seeks nodes by id without
  tying them to the dataset's labels;
* scans relationships without tying one end to the dataset's labels (a
  relationship scan reads every dataset's relationships).

The plan's operator names and ``Details`` texts are those of Neo4j 5.26
(measured: ``EXPLAIN MATCH (n) RETURN n`` plans ``AllNodesScan``;
``CALL dbms.listConfig()`` a ``ProcedureCall`` whose details start with the
procedure's name).
"""

from __future__ import annotations

import re
from typing import Iterator

from ..errors import CypherRewriteError, WriteQueryRefusedError
from .cypher_rewrite import ALLOWED_FUNCTION_NAMESPACES, ALLOWED_PROCEDURES

#: Operators refused outright, with what they mean to a user.
REFUSED_OPERATORS = {
    "LoadCSV": "LOAD CSV (reading files or URLs)",
    "TransactionApply": "CALL { ... } IN TRANSACTIONS",
    "TransactionForeach": "CALL { ... } IN TRANSACTIONS",
}

_QUOTED = re.compile(r"`(?:[^`]|``)*`")
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_FUNCTION = re.compile(r"(?<![\w.`$])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)\s*\(")
#: ``var:Label`` or ``var:`Label``` (with ``|``/``&`` alternatives) in details
_LABEL_USE = re.compile(r"(?<![\w`])(\w+|`(?:[^`]|``)*`)\s*:\s*((?:!?(?:\w+|`(?:[^`]|``)*`)"
                        r"\s*[|&]?\s*)+)")
_LABEL_NAME = re.compile(r"\w+|`(?:[^`]|``)*`")
_REL_PATTERN = re.compile(r"\((\w+|`(?:[^`]|``)*`)\)\s*<?-\[.*?\]->?\s*\((\w+|`(?:[^`]|``)*`)\)")


def _operators(plan: dict) -> Iterator[dict]:
    yield plan
    for child in plan.get("children") or []:
        yield from _operators(child)


def _name(operator: dict) -> str:
    return operator.get("operatorType", "").split("@")[0]


def _details(operator: dict) -> str:
    return str((operator.get("args") or {}).get("Details", ""))


def _unquote(name: str) -> str:
    return name[1:-1].replace("``", "`") if name.startswith("`") else name


def _label_uses(details: str) -> list[tuple[str, list[str]]]:
    """``(variable, [label, ...])`` of each label expression in ``details``."""
    text = _STRING.sub("''", details)
    out = []
    for m in _LABEL_USE.finditer(text):
        labels = [_unquote(x) for x in _LABEL_NAME.findall(m.group(2))]
        out.append((_unquote(m.group(1)), labels))
    return out


def check_plan(plan: dict, label_prefix: str) -> None:
    """Refuse a query whose plan leaves its dataset or the read-only rules.

    Parameters
    ----------
    plan : dict
        ``ResultSummary.plan`` of ``EXPLAIN <query>`` (the driver's dict:
        ``operatorType``, ``args`` with ``Details``, ``children``).
    label_prefix : str
        The dataset's label prefix, ``name:tag`` (labels ``name:tag_<Label>``).

    Raises
    ------
    WriteQueryRefusedError
        LOAD CSV, IN TRANSACTIONS, a procedure or function outside the
        service's allowlists.
    CypherRewriteError
        A scan of every node, a node scan or seek by a label of another
        dataset (or an unscoped one), a relationship scan whose ends are not
        tied to the dataset.
    """
    ours = label_prefix + "_"
    operators = list(_operators(plan))
    confined_vars = {var for op in operators for var, labels in _label_uses(_details(op))
                     if labels and all(lbl.startswith(ours) for lbl in labels)}
    for op in operators:
        name, details = _name(op), _details(op)
        if name in REFUSED_OPERATORS:
            raise WriteQueryRefusedError(
                f"{REFUSED_OPERATORS[name]} is not allowed by the read-only service "
                "(seen in Neo4j's plan of the query)")
        if name == "ProcedureCall":
            proc = details.split("(", 1)[0].strip()
            if proc.lower() not in ALLOWED_PROCEDURES:
                raise WriteQueryRefusedError(
                    f"procedure {proc} is not allowed by the read-only service; allowed: "
                    f"{', '.join(sorted(ALLOWED_PROCEDURES))}")
        bare = _QUOTED.sub("``", _STRING.sub("''", details))
        if name == "ProcedureCall":
            bare = bare.split("(", 1)[1] if "(" in bare else ""
        for fn in _FUNCTION.findall(bare):
            if not fn.lower().startswith(ALLOWED_FUNCTION_NAMESPACES):
                raise WriteQueryRefusedError(
                    f"function {fn} is not allowed by the read-only service (only functions "
                    f"of these namespaces are: {', '.join(ALLOWED_FUNCTION_NAMESPACES)})")
        if name == "AllNodesScan":
            raise CypherRewriteError(
                "the query scans every node of the database, which holds other datasets "
                f"too; give the node a label of this dataset, e.g. (n:Neuron) or "
                f"(n:`{ours}Neuron`)")
        if "Node" in name and ("Scan" in name or "Seek" in name):
            uses = _label_uses(details)
            if not uses:        # by id: NodeByIdSeek, NodeByElementIdSeek
                var = _unquote(_LABEL_NAME.match(details.strip()).group(0)) \
                    if _LABEL_NAME.match(details.strip()) else ""
                if var not in confined_vars:
                    raise CypherRewriteError(
                        f"the query reads nodes by id ({name}) without tying them to this "
                        f"dataset ({label_prefix}); give the node a label of the dataset")
            for _, labels in uses:
                foreign = [lbl for lbl in labels if not lbl.startswith(ours)]
                if foreign:
                    raise CypherRewriteError(
                        f"the query reads nodes labelled {', '.join(foreign)}, which are not "
                        f"of this request's dataset ({label_prefix}); use its labels")
        if "Relationship" in name and ("Scan" in name or "Seek" in name):
            ends = _REL_PATTERN.search(details)
            if ends is None or not ({_unquote(ends.group(1)), _unquote(ends.group(2))}
                                    & confined_vars):
                raise CypherRewriteError(
                    "the query scans relationships without tying either end to this "
                    f"dataset ({label_prefix}); give one end a label, e.g. "
                    "(n:Neuron)-[r:ConnectsTo]->(m)")
