"""Rewrite neuprint-python's Cypher for connectograph's database, and refuse writes.

neuprint-python (and any neuPrint user's notebook) sends Cypher written for a
neuPrint database, where one database holds one dataset: labels are generic
(``:Neuron``, ``:Segment``, ``:Meta``, ``:SynapseSet``...) and the syntax is
Neo4j 4's. connectograph keeps several datasets in one Neo4j 5 database, each
node carrying a dataset-scoped label ``<name:tag>_<Label>`` (see
docs/data-model.md). :func:`rewrite_query` turns one into the other, working
on tokens from :mod:`.cypher_lexer` (never on raw text, so strings, comments and
backticked names are left alone):

* every node label in a pattern or label predicate (``(n:Neuron)``,
  ``WHERE n:Neuron``, ``(n IS Neuron)``, ``:Neuron|Segment``) becomes the
  requested dataset's scoped label (escaped by
  :meth:`connectograph.identifiers.DatasetName.label`); neuPrint's own
  per-dataset labels ``<name>_<Label>`` (``hemibrain_Neuron``) and labels
  already scoped to the requested dataset are accepted as well; a label scoped
  to another dataset is refused. Relationship types are shared by all datasets
  and stay as they are;
* Neo4j 4's ``exists(n.prop)`` becomes ``(n.prop IS NOT NULL)`` (Neo4j 5
  removed the function; ``exists((pattern))`` and ``EXISTS { }`` are kept);
* the Cypher string given to ``CALL apoc.cypher.runTimeboxed("...", ...)``
  (neuprint-python's ``fetch_adjacencies`` counts bodies that way) is rewritten
  and checked the same way.

:func:`check_read_only` refuses, before anything reaches the server, clauses
that write or reach outside the dataset: ``CREATE``, ``MERGE``, ``SET``,
``DELETE``, ``REMOVE``, ``DROP``, ``FOREACH``, ``LOAD CSV``, ``USE``,
administration commands, procedures other than a short read-only list, and
APOC functions that run Cypher strings. Queries also run in READ access mode,
so the server refuses any write this check might miss.

Known limit: a node pattern without any label (``MATCH (n) RETURN n``) is not
tied to a dataset. Patterns reached through relationships from a labelled node
stay within its dataset (relationships never cross datasets).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import CypherRewriteError, WriteQueryRefusedError
from ..identifiers import DatasetName
from .cypher_lexer import NAME, OP, PARAM, QUOTED, STRING, Token, string_literal, string_value, tokenize

#: Clauses and commands that write or administer; refused up front.
WRITE_KEYWORDS = frozenset({
    "CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "DROP", "FOREACH", "LOAD",
    "INSERT", "USE", "GRANT", "DENY", "REVOKE", "ALTER", "RENAME", "SHOW", "TERMINATE",
    "START", "STOP", "ENABLE", "DISABLE",
})

#: Procedures a query may CALL (lower-case). Everything else is refused.
ALLOWED_PROCEDURES = frozenset({
    "apoc.cypher.runtimeboxed",     # its query string is rewritten and checked too
    "apoc.help",
    "db.labels", "db.relationshiptypes", "db.propertykeys",
})

#: Function namespaces refused anywhere (they run Cypher strings, touch files,
#: or administer the server).
REFUSED_FUNCTION_PREFIXES = ("apoc.cypher.", "apoc.load.", "apoc.export.", "apoc.import.",
                             "apoc.periodic.", "apoc.trigger.", "apoc.systemdb.", "apoc.custom.",
                             "apoc.log.", "apoc.util.sleep", "dbms.")

#: Words after ``IS`` that do not start a label expression.
_IS_NOT_LABEL = frozenset({"NULL", "NOT", "NORMALIZED", "TYPED", "NFC", "NFD", "NFKC", "NFKD"})

#: Keywords after which ``{`` opens a subquery, not a map.
_BLOCK_OPENERS = frozenset({"CALL", "EXISTS", "COUNT", "COLLECT"})


@dataclass
class _Frame:
    kind: str                    # top, paren, rel, list, map, block
    seen_where: bool = False     # list frame: a WHERE makes colons label predicates


@dataclass
class RewriteResult:
    """The rewritten query and what was changed (for logs and tests)."""

    cypher: str
    labels: list[tuple[str, str]] = field(default_factory=list)   # (original, scoped)
    exists_rewrites: int = 0
    nested_queries: int = 0


class _Rewriter:
    def __init__(self, cypher: str, dataset: DatasetName, depth: int):
        self.tokens = tokenize(cypher)
        self.out = [t.text for t in self.tokens]
        self.dataset = dataset
        self.depth = depth
        self.result = RewriteResult(cypher="")
        self.sig = [i for i, t in enumerate(self.tokens) if t.significant]
        self.label_tokens: set[int] = set()

    # -- helpers over significant tokens -------------------------------------------
    def tok(self, k: int) -> Token | None:
        return self.tokens[self.sig[k]] if 0 <= k < len(self.sig) else None

    def set_out(self, k: int, text: str) -> None:
        self.out[self.sig[k]] = text

    def matching_close(self, k: int) -> int:
        """Index (in ``sig``) of the bracket closing the one at ``k``."""
        pairs = {"(": ")", "[": "]", "{": "}"}
        stack = []
        for j in range(k, len(self.sig)):
            t = self.tok(j)
            if t.kind == OP and t.text in pairs:
                stack.append(pairs[t.text])
            elif t.kind == OP and t.text in (")", "]", "}"):
                if not stack or stack.pop() != t.text:
                    raise CypherRewriteError(f"unbalanced {t.text!r} at character {t.pos + 1}")
                if not stack:
                    return j
        raise CypherRewriteError(f"{self.tok(k).text!r} at character {self.tok(k).pos + 1} "
                                 "is never closed")

    # -- labels -------------------------------------------------------------------------
    def scoped_label(self, token: Token) -> str:
        name = token.name
        ds = str(self.dataset)
        if name.startswith(ds + "_"):
            generic = name[len(ds) + 1:]
        elif ":" in name and "_" in name.split(":", 1)[1]:
            raise CypherRewriteError(
                f"label {name!r} belongs to another dataset; this request is scoped to {ds} "
                "(send the query with that dataset instead)")
        elif name.startswith(self.dataset.name + "_") and len(name) > len(self.dataset.name) + 1:
            generic = name[len(self.dataset.name) + 1:]      # neuPrint's hemibrain_Neuron style
        else:
            generic = name
        scoped = self.dataset.label(generic)
        self.result.labels.append((name, scoped))
        return scoped

    def label_expression(self, k: int, pipe_ends: bool = False) -> int:
        """Rewrite the label expression starting at significant token ``k``
        (just after ``:`` or ``IS``); return the index after it. ``pipe_ends``:
        a top-level ``|`` ends the expression (list comprehension ``[x IN l WHERE x:A | ...]``)."""
        depth = 0
        while True:
            t = self.tok(k)
            if t is None:
                raise CypherRewriteError("the query ends inside a label expression")
            if t.is_op("!"):
                k += 1
                continue
            if t.is_op("("):
                depth += 1
                k += 1
                continue
            if t.is_op("%"):
                raise CypherRewriteError(
                    "the any-label wildcard ':%' would reach every dataset; name the label")
            if t.kind == PARAM or t.is_op("$"):
                raise CypherRewriteError(
                    "dynamic labels (':$(...)') are not supported by the service; write the label")
            if t.kind not in (NAME, QUOTED):
                raise CypherRewriteError(
                    f"expected a label name at character {t.pos + 1}, found {t.text!r}")
            self.set_out(k, self.scoped_label(t))
            self.label_tokens.add(k)
            k += 1
            while depth and self.tok(k) is not None and self.tok(k).is_op(")"):
                depth -= 1
                k += 1
            nxt = self.tok(k)
            if nxt is not None and (nxt.is_op("&", ":") or (
                    nxt.is_op("|") and (depth or not pipe_ends))):
                k += 1
                continue
            if depth:
                raise CypherRewriteError("unbalanced parentheses in a label expression")
            return k

    # -- nested Cypher (apoc.cypher.runTimeboxed) -----------------------------------------
    def nested_query(self, k_open: int) -> None:
        arg = self.tok(k_open + 1)
        if arg is None or arg.kind != STRING:
            raise CypherRewriteError(
                "apoc.cypher.runTimeboxed needs its query as a string literal so the service "
                "can scope and check it")
        if self.depth >= 3:
            raise CypherRewriteError("nested apoc.cypher.runTimeboxed calls go too deep")
        inner = _Rewriter(string_value(arg), self.dataset, self.depth + 1).run()
        self.set_out(k_open + 1, string_literal(inner.cypher))
        self.result.labels += inner.labels
        self.result.exists_rewrites += inner.exists_rewrites
        self.result.nested_queries += 1 + inner.nested_queries

    # -- the walk ---------------------------------------------------------------------------
    def qualified_name(self, k: int) -> tuple[str, int]:
        """``a.b.c`` starting at ``k`` → (name, index after it)."""
        parts = [self.tok(k).name]
        k += 1
        while (self.tok(k) is not None and self.tok(k).is_op(".")
               and self.tok(k + 1) is not None and self.tok(k + 1).kind in (NAME, QUOTED)):
            parts.append(self.tok(k + 1).name)
            k += 2
        return ".".join(parts), k

    def run(self) -> RewriteResult:
        frames = [_Frame("top")]
        k = 0
        n = len(self.sig)
        while k < n:
            t = self.tok(k)
            prev = self.tok(k - 1)
            frame = frames[-1]
            if t.kind == OP:
                if t.text == "(":
                    frames.append(_Frame("paren"))
                elif t.text == "[":
                    is_rel = prev is not None and prev.is_op("-", "<-")
                    frames.append(_Frame("rel" if is_rel else "list"))
                elif t.text == "{":
                    block = prev is not None and prev.is_word(*_BLOCK_OPENERS)
                    frames.append(_Frame("block" if block else "map"))
                elif t.text in (")", "]", "}"):
                    if len(frames) == 1:
                        raise CypherRewriteError(
                            f"unbalanced {t.text!r} at character {t.pos + 1}")
                    frames.pop()
                elif t.text == ":":
                    label_context = (frame.kind in ("top", "paren", "block")
                                     or (frame.kind == "list" and frame.seen_where))
                    if label_context:
                        k = self.label_expression(k + 1, pipe_ends=frame.kind == "list")
                        continue
                k += 1
                continue
            if t.kind == NAME:
                after_dot = prev is not None and prev.is_op(".")
                nxt = self.tok(k + 1)
                is_map_key = frame.kind == "map" and nxt is not None and nxt.is_op(":")
                if not after_dot and not is_map_key:
                    k = self.word(k, t, frame, nxt)
                    continue
            k += 1
        if len(frames) != 1:
            raise CypherRewriteError(
                f"the query ends with {len(frames) - 1} bracket(s) still open")
        self.result.cypher = "".join(self.out)
        return self.result

    def word(self, k: int, t: Token, frame: _Frame, nxt: Token | None) -> int:
        upper = t.text.upper()
        if upper == "WHERE" and frame.kind == "list":
            frame.seen_where = True
        if upper in WRITE_KEYWORDS:
            raise WriteQueryRefusedError(
                f"{upper} (character {t.pos + 1}) is not allowed: the service is read-only. "
                "Use connectograph's Python API with write access to change data")
        if upper == "IS" and nxt is not None and (
                nxt.kind == QUOTED or (nxt.kind == NAME and nxt.text.upper() not in _IS_NOT_LABEL)
                or nxt.is_op("!", "(", "%")):
            return self.label_expression(k + 1, pipe_ends=frame.kind == "list")
        if upper == "CALL" and nxt is not None and nxt.kind in (NAME, QUOTED):
            name, after = self.qualified_name(k + 1)
            if name.lower() not in ALLOWED_PROCEDURES:
                raise WriteQueryRefusedError(
                    f"procedure {name} is not allowed by the read-only service; allowed: "
                    f"{', '.join(sorted(ALLOWED_PROCEDURES))}")
            if name.lower() == "apoc.cypher.runtimeboxed":
                if self.tok(after) is None or not self.tok(after).is_op("("):
                    raise CypherRewriteError("apoc.cypher.runTimeboxed needs arguments")
                self.nested_query(after)
            return after
        if upper == "EXISTS" and nxt is not None and nxt.is_op("("):
            close = self.matching_close(k + 1)
            first = self.tok(k + 2)
            if first is not None and not first.is_op("(") and close > k + 2:
                self.set_out(k, "")
                self.set_out(k + 1, "(")
                self.set_out(close, " IS NOT NULL)")
                self.result.exists_rewrites += 1
            return k + 1
        if nxt is not None and nxt.is_op("."):
            name, after = self.qualified_name(k)
            call = self.tok(after)
            if call is not None and call.is_op("(") and name.lower().startswith(
                    REFUSED_FUNCTION_PREFIXES):
                raise WriteQueryRefusedError(
                    f"function {name} is not allowed by the read-only service (it runs Cypher "
                    "strings, touches files or administers the server)")
            return after
        return k + 1


def rewrite_query(cypher: str, dataset: str | DatasetName) -> RewriteResult:
    """Scope a neuPrint Cypher query to one dataset and check it only reads.

    Parameters
    ----------
    cypher : str
        A query as neuprint-python sends it (generic labels, Neo4j 4 syntax).
    dataset : str or DatasetName
        ``name:tag`` of the dataset the request is for.

    Returns
    -------
    RewriteResult
        ``cypher`` is the query to run; ``labels`` lists each label rewritten.

    Raises
    ------
    WriteQueryRefusedError
        The query holds a write clause, an administration command, a procedure
        outside :data:`ALLOWED_PROCEDURES` or a function that runs Cypher strings.
    CypherRewriteError
        The query cannot be tokenized or scoped (unterminated string, unbalanced
        brackets, a label of another dataset, a dynamic label...).
    """
    if isinstance(dataset, str):
        dataset = DatasetName.parse(dataset)
    if not cypher or not cypher.strip():
        raise CypherRewriteError("the query is empty")
    return _Rewriter(cypher, dataset, 0).run()


def check_read_only(cypher: str) -> None:
    """Raise :class:`WriteQueryRefusedError` if ``cypher`` writes (see :func:`rewrite_query`)."""
    rewrite_query(cypher, DatasetName("check", "only"))
