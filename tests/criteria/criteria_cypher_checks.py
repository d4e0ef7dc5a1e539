"""Shared helpers for the criteria tests (no database needed).

Neo4j cannot be started here, so "the query parses" is approximated by
structural checks on the query with every backtick-quoted identifier replaced
by a placeholder: brackets balance, no stray backtick or string literal or
comment, no Neo4j-4 ``exists(prop)``, and the ``$parameters`` used are exactly
the ones supplied.
"""

import re

from cypher_reading import neo4j_reads


#: A backtick-quoted Cypher identifier (inner backticks doubled).
IDENTIFIER = re.compile(r"`(?:[^`]|``)*`")
PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def strip_identifiers(text: str) -> str:
    """The query as Neo4j reads it (:func:`neo4j_reads`) with every escaped
    identifier replaced by ```_```."""
    return IDENTIFIER.sub("`_`", neo4j_reads(text))


def identifiers(text: str) -> list[str]:
    """The names of every backtick-quoted identifier in ``text``, as Neo4j reads them."""
    return [m.group(0)[1:-1].replace("``", "`")
            for m in IDENTIFIER.finditer(neo4j_reads(text))]


def check_cypher(text: str, params: dict) -> None:
    """Assert that ``text`` is structurally sound Neo4j 5 Cypher."""
    skeleton = strip_identifiers(text)
    assert "`" not in skeleton.replace("`_`", ""), f"unbalanced backtick in {text!r}"
    for bad in ("'", '"', "//", "/*", "*/", "\\"):
        assert bad not in skeleton, f"{bad!r} outside identifiers in {text!r}"
    assert not re.search(r"\bexists\s*\(", skeleton, re.IGNORECASE), text
    pairs = {")": "(", "]": "[", "}": "{"}
    stack = []
    for ch in skeleton.replace("`_`", ""):
        if ch in "([{":
            stack.append(ch)
        elif ch in pairs:
            assert stack and stack[-1] == pairs[ch], f"unbalanced {ch!r} in {text!r}"
            stack.pop()
    assert not stack, f"unclosed {stack} in {text!r}"
    used = set(PARAM.findall(skeleton))
    assert used == set(params), f"parameters used {sorted(used)} != given {sorted(params)}"


