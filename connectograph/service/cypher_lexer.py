"""A Cypher tokenizer: just enough of the language to rewrite queries safely.

It splits a query into tokens without losing a character (joining the token
texts gives the query back), so a rewrite can replace single tokens and leave
everything else, including comments and spacing, untouched. String literals,
backticked names and comments are single tokens, so nothing inside them is
ever mistaken for a label, keyword or clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import CypherRewriteError

#: Token kinds.
WS, COMMENT, STRING, NAME, QUOTED, NUMBER, PARAM, OP = (
    "ws", "comment", "string", "name", "quoted", "number", "param", "op")

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>//[^\n\r]*|/\*.*?\*/)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<quoted>`(?:[^`]|``)*`)
  | (?P<param>\$(?:[^\W\d]\w*|\d+|`(?:[^`]|``)*`))
  | (?P<number>(?:0x[0-9A-Fa-f_]+|0o[0-7_]+|\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?|\.\d[\d_]*(?:[eE][+-]?\d+)?))
  | (?P<name>[^\W\d]\w*)
  | (?P<op>::|\.\.|<>|<=|>=|=~|\+=|\|\||->|<-|(?!/\*)[^\s\w'"`])
""", re.VERBOSE | re.DOTALL)

_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t", "r": "\r", "b": "\b",
            "f": "\f"}


@dataclass(frozen=True)
class Token:
    """One token: its kind (``ws``, ``comment``, ``string``, ``name``,
    ``quoted`` (backticked name), ``number``, ``param``, ``op``), its exact
    text and its offset in the query."""

    kind: str
    text: str
    pos: int

    @property
    def significant(self) -> bool:
        return self.kind not in (WS, COMMENT)

    def is_op(self, *ops: str) -> bool:
        return self.kind == OP and self.text in ops

    def is_word(self, *words: str) -> bool:
        """Unquoted name equal (case-insensitively) to one of ``words``."""
        return self.kind == NAME and self.text.upper() in words

    @property
    def name(self) -> str:
        """The name a ``name`` or ``quoted`` token stands for (backticks removed)."""
        if self.kind == QUOTED:
            return self.text[1:-1].replace("``", "`")
        return self.text


def tokenize(cypher: str) -> list[Token]:
    """Split ``cypher`` into tokens.

    Raises
    ------
    CypherRewriteError
        An unterminated string, backticked name or block comment.
    """
    tokens = []
    pos = 0
    while pos < len(cypher):
        m = _TOKEN.match(cypher, pos)
        if m is None or m.end() == pos:
            ch = cypher[pos]
            what = {"'": "string", '"': "string", "`": "backticked name"}.get(ch)
            if cypher.startswith("/*", pos):
                what = "block comment"
            raise CypherRewriteError(
                f"unterminated {what or 'token'} starting at character {pos + 1} of the "
                "query; close it")
        tokens.append(Token(m.lastgroup, m.group(), pos))
        pos = m.end()
    return tokens


def string_value(token: Token) -> str:
    """The value of a string literal token (escape sequences resolved)."""
    body = token.text[1:-1]
    out = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt in "uU":
            width = 4 if nxt == "u" else 8
            digits = body[i + 2:i + 2 + width]
            if not re.fullmatch(r"[0-9A-Fa-f]{%d}" % width, digits):
                raise CypherRewriteError(f"bad unicode escape in string literal {token.text[:40]!r}")
            out.append(chr(int(digits, 16)))
            i += 2 + width
        else:
            raise CypherRewriteError(f"unknown escape \\{nxt} in string literal {token.text[:40]!r}")
    return "".join(out)


def string_literal(value: str) -> str:
    """A Cypher string literal (double-quoted) holding ``value``."""
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    return f'"{escaped}"'
