r"""How Neo4j 5.26 reads a query's text before it parses it (test helper).

Neo4j replaces each Unicode escape (a backslash, ``u``, four hexadecimal
digits) anywhere in the text, inside backticks and comments too, by its
character; a backslash escaped by a backslash before it starts no escape,
and a character an escape produced starts none either. This is an
independent model of that rule (not the project's code), checked against
the server in ``tests/test_escaped_names.py``.
"""

import re

_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u([0-9A-Fa-f]{4})")
_ANY_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u([0-9A-Fa-f]{4})?")


def neo4j_reads(text: str) -> str:
    """``text`` with Neo4j's Unicode escapes replaced by their characters."""
    return _ESCAPE.sub(lambda m: m.group(1) + chr(int(m.group(2), 16)), text)


def neo4j_rejects(text: str) -> bool:
    """Whether Neo4j refuses ``text`` for a malformed escape: a backslash-``u``
    that starts an escape but is not followed by four hexadecimal digits."""
    return any(m.group(2) is None for m in _ANY_ESCAPE.finditer(text))
