"""neuPrint's vocabulary is written once (connectograph.vocabulary): the
``.cypher`` statements that list datasets spell the published-dataset rule
as it says, and no other module restates its names (no server)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import connectograph
from connectograph import vocabulary
from connectograph.cypher_files import _BLOCK

REPO = Path(__file__).resolve().parents[1]
PACKAGE = Path(connectograph.__file__).parent
CYPHER_FILES = sorted([*(REPO / "cypher").glob("*.cypher"),
                       *(PACKAGE / "bench").glob("*.cypher")])
# A Meta matched by its generic label alone, i.e. across datasets.
_ANY_META = re.compile(r"MATCH\s*\(\s*(\w+)\s*:\s*Meta\s*\)")


def _statements(path: Path) -> list[tuple[str, str]]:
    """(block name, statement) of every statement of a .cypher file, comments dropped."""
    parts = _BLOCK.split(path.read_text())
    out = []
    for name, body in zip(parts[1::2], parts[2::2]):
        text = "\n".join(ln for ln in body.splitlines() if not ln.lstrip().startswith("//"))
        out += [(name, s.strip()) for s in text.split(";") if s.strip()]
    return out


def _listing_statements() -> list[tuple[str, str, str]]:
    return [(f"{path.name}:{name}", var, stmt)
            for path in CYPHER_FILES for name, stmt in _statements(path)
            for var in _ANY_META.findall(stmt)]


def test_the_dataset_listings_are_found():
    names = {where for where, _, _ in _listing_statements()}
    assert {"service.cypher:service_datasets", "dataset_admin.cypher:list_datasets",
            "baseline.cypher:datasets"} <= names


@pytest.mark.parametrize("where,var,stmt", _listing_statements(),
                         ids=[w for w, _, _ in _listing_statements()])
def test_every_cypher_listing_of_datasets_uses_the_published_rule(where, var, stmt):
    assert vocabulary.current_meta_condition(var) in stmt


def test_the_rule_is_spelled_in_python_only_by_the_vocabulary():
    rule = re.compile(r"coalesce\(\s*[\w{}]+\.loadComplete")
    spelled = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
               if rule.search(p.read_text())]
    assert spelled == ["vocabulary.py"]


@pytest.mark.parametrize("value", [vocabulary.NOT_PRIMARY, *vocabulary.COMPLETE_STATUSES[1:],
                                   vocabulary.DAILY_TYPE_STATUSES[1]])
def test_names_are_defined_once(value):
    """No module but the vocabulary holds these names as a string literal
    (docstrings and messages may mention them)."""
    holders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        literals = {node.value for node in ast.walk(ast.parse(path.read_text()))
                    if isinstance(node, ast.Constant) and isinstance(node.value, str)}
        if value in literals and rel != "vocabulary.py":
            holders.append(rel)
    assert holders == []


def test_count_keys_and_node_labels_have_one_definition():
    from connectograph.identifiers import DATASET_NODE_LABELS
    from connectograph.loading.read.table_schemas import COUNT_COLUMNS, NOT_PRIMARY
    from connectograph.loading.derive.bodies import COUNT_KEYS
    from connectograph.loading.derive.body_roi_counts import ROI_COUNT_KEYS
    from connectograph.loading.read.synapse_tables import SYNAPSE_TYPES
    assert DATASET_NODE_LABELS is vocabulary.DATASET_NODE_LABELS
    assert COUNT_KEYS is vocabulary.COUNT_KEYS and ROI_COUNT_KEYS is vocabulary.ROI_COUNT_KEYS
    assert COUNT_COLUMNS == (*vocabulary.COUNT_KEYS, "size")
    assert NOT_PRIMARY is vocabulary.NOT_PRIMARY
    assert SYNAPSE_TYPES is vocabulary.SYNAPSE_TYPES
    assert ROI_COUNT_KEYS == ("downstream", "post", "pre", "upstream")
