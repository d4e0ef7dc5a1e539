r"""A Cypher tokenizer: just enough of the language to rewrite queries safely.

It splits a query into tokens without losing a character (joining the token
texts gives the query back), so a rewrite can replace single tokens and leave
everything else, including comments and spacing, untouched. String literals,
backticked names and comments are single tokens, so nothing inside them is
ever mistaken for a label, keyword or clause.

It tokenizes the text Neo4j parses, not the text it is sent: Neo4j 5 first
replaces every Unicode escape (``\u`` and four hexadecimal digits, anywhere:
in names, strings and comments too) by its character, so ``// \u000a CALL
...`` is a comment followed by a CALL, and ``'\u0027 ...`` closes its
string. :func:`neo4j_text` applies that rule first; a query rewritten from
its result is sent with :func:`~connectograph.identifiers.protect_backslashes`,
which Neo4j reads back as exactly that result, so what was checked is what runs.
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

#: A Unicode escape as Neo4j 5.26 reads it before parsing (measured on the server):
#: a backslash not itself escaped by an odd run of backslashes before it, ``u``
#: and exactly four hexadecimal digits; a backslash-``u`` followed by anything
#: else is a syntax error there (``\uu0060`` and ``\uZZZZ`` included).
_UNICODE_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u([0-9A-Fa-f]{4})?")

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


def neo4j_text(cypher: str) -> str:
    r"""The query as Neo4j 5 parses it: every Unicode escape replaced by its
    character (see :data:`_UNICODE_ESCAPE`), surrogate pairs joined.

    Raises
    ------
    CypherRewriteError
        A ``\u`` not followed by four hexadecimal digits (Neo4j refuses it
        too), or an escape that makes a lone surrogate (not text).
    """
    def replace(m: re.Match) -> str:
        if m.group(2) is None:
            raise CypherRewriteError(
                f"'\\u' at character {m.end()} of the query is not followed by four "
                "hexadecimal digits; write the character itself (or \\\\u for a backslash "
                "and u)")
        return m.group(1) + chr(int(m.group(2), 16))

    text = _UNICODE_ESCAPE.sub(replace, cypher)
    try:
        return text.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        raise CypherRewriteError(
            "the query holds a lone surrogate (an unpaired \\uD800-\\uDFFF escape or "
            "character), which is not text; remove it") from None


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
