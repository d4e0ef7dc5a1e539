r"""Rewrite neuprint-python's Cypher for connectograph's database, and refuse
what a read-only, dataset-scoped service must not run.

neuprint-python (and any neuPrint user's notebook) sends Cypher written for a
neuPrint database, where one database holds one dataset: labels are generic
(``:Neuron``, ``:Segment``, ``:Meta``, ``:SynapseSet``...) and the syntax is
Neo4j 4's. connectograph keeps several datasets in one Neo4j 5 database, each
node carrying a dataset-scoped label ``<name:tag>_<Label>`` (see
docs/data-model.md). :func:`rewrite_query` turns one into the other, working
on tokens from :mod:`.cypher_lexer` (never on raw text, so strings, comments and
backticked names are left alone), and on the text *Neo4j parses*: Unicode
escapes (``\u0060``, ``\u000a``...) are resolved first
(:func:`~.cypher_lexer.neo4j_text`), and the rewritten text is sent with every
backslash protected (:func:`~connectograph.identifiers.protect_backslashes`),
so Neo4j runs exactly what was checked:

* every node label in a pattern or label predicate (``(n:Neuron)``,
  ``WHERE n:Neuron``, ``(n IS Neuron)``, ``:Neuron|Segment``) becomes the
  requested dataset's scoped label; neuPrint's own per-dataset labels
  ``<name>_<Label>`` (``hemibrain_Neuron``) and labels already scoped to the
  requested dataset are accepted as well; a label scoped to another dataset
  is refused. Relationship types are shared by all datasets and stay as they are;
* a node pattern without a label (``MATCH (n)``, ``()-[r]->()``,
  ``WHERE (n)-->()``) gets the disjunction of the dataset's labels
  (:data:`~connectograph.vocabulary.DATASET_NODE_LABELS`), so it matches
  only this dataset's nodes;
* Neo4j 4's ``exists(n.prop)`` becomes ``(n.prop IS NOT NULL)`` (Neo4j 5
  removed the function; ``exists((pattern))`` and ``EXISTS { }`` are kept);
* the Cypher string given to ``CALL apoc.cypher.runTimeboxed("...", {...}, ms)``
  (neuprint-python's ``fetch_adjacencies`` counts bodies that way) must be one
  string literal; it is rewritten and checked the same way, and its time
  limit is capped to the service's.

The check refuses, before anything reaches the server, clauses that write or
reach outside the dataset: ``CREATE``, ``MERGE``, ``SET``, ``DELETE``,
``REMOVE``, ``DROP``, ``FOREACH``, ``LOAD CSV``, ``USE``, administration
commands, ``CALL { } IN TRANSACTIONS``, procedures other than
:data:`ALLOWED_PROCEDURES`, and namespaced functions outside
:data:`ALLOWED_FUNCTION_NAMESPACES` (an allowlist: APOC's value functions,
Neo4j's temporal, spatial and vector ones). The service then confirms with
Neo4j's own plan (:mod:`.plan_check`), and runs the query in READ access
mode, so the server refuses any write this check might miss.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import CypherRewriteError, WriteQueryRefusedError
from ..identifiers import DatasetName, protect_backslashes, quote_name
from ..vocabulary import DATASET_NODE_LABELS
from .cypher_lexer import (NAME, NUMBER, OP, PARAM, QUOTED, STRING, Token, neo4j_text,
                           string_literal, string_value, tokenize)

#: Clauses and commands that write or administer; refused up front.
WRITE_KEYWORDS = frozenset({
    "CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "DROP", "FOREACH", "LOAD",
    "INSERT", "USE", "GRANT", "DENY", "REVOKE", "ALTER", "RENAME", "SHOW", "TERMINATE",
    "START", "STOP", "ENABLE", "DISABLE",
})

#: Procedures a query may CALL (lower-case). Everything else is refused.
#: (``db.labels`` and ``db.propertyKeys`` would list other datasets' labels
#: and ROI names, so they are not here.)
ALLOWED_PROCEDURES = frozenset({
    "apoc.cypher.runtimeboxed",     # its query string is rewritten and checked too
    "apoc.help",
    "db.relationshiptypes",
})

#: Namespaces (lower-case prefixes) of the namespaced functions a query may
#: call: pure functions of their arguments. Anything else (``apoc.cypher.*``
#: runs Cypher strings, ``apoc.load.*``/``apoc.import.*`` read files and URLs,
#: ``apoc.util.sleep``...) is refused.
ALLOWED_FUNCTION_NAMESPACES = (
    "apoc.convert.", "apoc.map.", "apoc.coll.", "apoc.text.", "apoc.number.",
    "apoc.math.", "apoc.agg.", "apoc.date.", "apoc.temporal.", "apoc.label.",
    "apoc.node.", "apoc.rel.", "apoc.any.", "apoc.hashing.", "apoc.bitwise.",
    "apoc.scoring.", "apoc.meta.cypher.", "apoc.util.md5", "apoc.util.sha",
    "point.", "vector.", "date.", "datetime.", "localdatetime.", "time.", "localtime.",
    "duration.",
)

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
    confined_nodes: int = 0       # node patterns without a label given the dataset's
    #: the rewritten texts of nested queries (runTimeboxed), as APOC will parse them
    inner_queries: list[str] = field(default_factory=list)


#: Clause keywords that end a MATCH clause's pattern list (at its bracket depth).
_CLAUSE_WORDS = frozenset({"WHERE", "RETURN", "WITH", "UNWIND", "CALL", "ORDER", "SKIP",
                           "LIMIT", "UNION", "OPTIONAL", "FINISH"})


class _Rewriter:
    """One pass over the tokens of ``cypher`` (the text as Neo4j parses it)."""

    def __init__(self, cypher: str, dataset: DatasetName, depth: int,
                 max_timeout_ms: int | None):
        self.tokens = tokenize(cypher)
        self.out = [t.text for t in self.tokens]
        self.dataset = dataset
        self.depth = depth
        self.max_timeout_ms = max_timeout_ms
        self.result = RewriteResult(cypher="")
        self.sig = [i for i, t in enumerate(self.tokens) if t.significant]
        self.label_tokens: set[int] = set()
        self.closing = self._bracket_pairs()
        #: bracket depth of the MATCH clause whose pattern list is being read, if any
        self.match_depth: int | None = None
        self.any_label = ":" + "|".join(self.scoped_name(g) for g in DATASET_NODE_LABELS)

    def _bracket_pairs(self) -> dict[int, int]:
        """Significant index of each opening bracket → that of its closing one."""
        pairs = {"(": ")", "[": "]", "{": "}"}
        stack: list[int] = []
        out = {}
        for j in range(len(self.sig)):
            t = self.tok(j)
            if t.kind != OP:
                continue
            if t.text in pairs:
                stack.append(j)
            elif t.text in (")", "]", "}"):
                if not stack or pairs[self.tok(stack[-1]).text] != t.text:
                    raise CypherRewriteError(f"unbalanced {t.text!r} at character {t.pos + 1}")
                out[stack.pop()] = j
        if stack:
            raise CypherRewriteError(
                f"the query ends with {len(stack)} bracket(s) still open")
        return out

    # -- helpers over significant tokens -------------------------------------------
    def tok(self, k: int) -> Token | None:
        return self.tokens[self.sig[k]] if 0 <= k < len(self.sig) else None

    def set_out(self, k: int, text: str) -> None:
        self.out[self.sig[k]] = text

    def matching_close(self, k: int) -> int:
        """Index (in ``sig``) of the bracket closing the one at ``k``."""
        return self.closing[k]

    # -- labels -------------------------------------------------------------------------
    def scoped_name(self, generic: str) -> str:
        """The dataset's label for ``generic``, quoted as Neo4j reads it (the
        whole text is protected once, when it is sent)."""
        return quote_name(f"{self.dataset.prefix}_{generic}")

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
        scoped = self.scoped_name(generic)
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
    def arguments(self, k_open: int) -> list[tuple[int, int]]:
        """``(first, last)`` significant indexes of each argument of the call
        whose ``(`` is at ``k_open``."""
        close = self.matching_close(k_open)
        args, start, k = [], k_open + 1, k_open + 1
        while k < close:
            t = self.tok(k)
            if t.is_op("(", "[", "{"):
                k = self.matching_close(k) + 1
                continue
            if t.is_op(","):
                args.append((start, k - 1))
                start = k + 1
            k += 1
        if start < close:
            args.append((start, close - 1))
        return args

    def nested_query(self, k_open: int) -> None:
        args = self.arguments(k_open)
        if not args or args[0][0] != args[0][1] or self.tok(args[0][0]).kind != STRING:
            raise CypherRewriteError(
                "apoc.cypher.runTimeboxed takes its query as one string literal (no "
                "parameter, concatenation or other expression), so that the service can scope "
                "and check it")
        if len(args) not in (3, 4):
            raise CypherRewriteError(
                "apoc.cypher.runTimeboxed takes (query, parameters, timeout in ms[, config])")
        if self.depth >= 3:
            raise CypherRewriteError("nested apoc.cypher.runTimeboxed calls go too deep")
        first, last = args[2]
        timeout = self.tok(first)
        if first != last or timeout.kind != NUMBER or not timeout.text.isdigit():
            raise CypherRewriteError(
                "apoc.cypher.runTimeboxed needs its timeout as a whole number of milliseconds "
                "written in the query")
        if self.max_timeout_ms is not None and int(timeout.text) > self.max_timeout_ms:
            # the service's own limit would stop the outer query, but not the
            # inner transaction APOC starts: cap it
            self.set_out(first, str(self.max_timeout_ms))
        arg = self.tok(args[0][0])
        inner = _rewrite(string_value(arg), self.dataset, self.depth + 1, self.max_timeout_ms)
        self.set_out(args[0][0], string_literal(inner.cypher))
        self.result.labels += inner.labels
        self.result.exists_rewrites += inner.exists_rewrites
        self.result.confined_nodes += inner.confined_nodes
        self.result.nested_queries += 1 + inner.nested_queries
        self.result.inner_queries += [inner.cypher, *inner.inner_queries]

    # -- node patterns without a label ---------------------------------------------------
    def is_node_pattern(self, k: int, frames: list[_Frame]) -> bool:
        """Whether the ``(`` at ``k`` opens a node pattern: its inside has the
        shape ``[variable] [:label | IS label | {map} | WHERE ...]`` and it
        stands next to a relationship arrow or in a MATCH clause's pattern list."""
        first = self.tok(k + 1)
        if first.kind in (NAME, QUOTED) and not first.is_word("WHERE"):
            second = self.tok(k + 2)
            if not (second.is_op(")", ":", "{") or second.is_word("IS", "WHERE")):
                return False
        elif not (first.is_op(")", ":", "{") or first.is_word("WHERE")):
            return False
        close = self.matching_close(k)
        after, after2 = self.tok(close + 1), self.tok(close + 2)
        prev, prev2 = self.tok(k - 1), self.tok(k - 2)
        if after is not None and (after.is_op("<-") or (
                after.is_op("-") and after2 is not None and after2.is_op("[", "-", "->"))):
            return True
        if prev is not None and (prev.is_op("->") or (
                prev.is_op("-") and prev2 is not None and prev2.is_op("]", "-", "<-"))):
            return True
        return (self.match_depth == len(frames) and prev is not None
                and (prev.is_word("MATCH") or prev.is_op(",", "=")))

    def confine_node(self, k: int) -> None:
        """Give the node pattern opened at ``k`` the dataset's labels if it has none."""
        first = self.tok(k + 1)
        if first.kind in (NAME, QUOTED) and not first.is_word("WHERE"):
            if self.tok(k + 2).is_op(":") or self.tok(k + 2).is_word("IS"):
                return
            self.set_out(k + 1, first.text + self.any_label)
        elif first.is_op(":"):
            return
        else:
            self.set_out(k, "(" + self.any_label + ("" if first.is_op(")") else " "))
        self.result.confined_nodes += 1

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
                    if self.is_node_pattern(k, frames):
                        self.confine_node(k)
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
                    if self.match_depth is not None and len(frames) < self.match_depth:
                        self.match_depth = None
                elif t.text == ":":
                    label_context = (frame.kind in ("top", "paren", "block")
                                     or (frame.kind == "list" and frame.seen_where))
                    if label_context:
                        k = self.label_expression(k + 1, pipe_ends=frame.kind == "list")
                        continue
                k += 1
                continue
            if t.kind in (NAME, QUOTED):
                after_dot = prev is not None and prev.is_op(".")
                nxt = self.tok(k + 1)
                is_map_key = frame.kind == "map" and nxt is not None and nxt.is_op(":")
                if not after_dot and not is_map_key:
                    k = self.word(k, t, frames, nxt)
                    continue
            k += 1
        if len(frames) != 1:
            raise CypherRewriteError(
                f"the query ends with {len(frames) - 1} bracket(s) still open")
        self.result.cypher = "".join(self.out)
        return self.result

    def word(self, k: int, t: Token, frames: list[_Frame], nxt: Token | None) -> int:
        if t.kind == QUOTED:
            # a backticked name is never a keyword, but may start a function
            # call (`apoc`.`cypher`.run(...))
            return self.function_call(k) if nxt is not None and nxt.is_op(".") else k + 1
        frame = frames[-1]
        upper = t.text.upper()
        if upper == "WHERE" and frame.kind == "list":
            frame.seen_where = True
        if upper == "MATCH":
            self.match_depth = len(frames)
        elif upper in _CLAUSE_WORDS and self.match_depth == len(frames):
            self.match_depth = None
        if upper == "TRANSACTIONS" and self.tok(k - 1) is not None and (
                self.tok(k - 1).is_word("IN", "CONCURRENT")):
            raise WriteQueryRefusedError(
                f"CALL {{ ... }} IN TRANSACTIONS (character {t.pos + 1}) is not allowed: the "
                "service runs each query in one read transaction; drop 'IN TRANSACTIONS'")
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
            return self.function_call(k)
        return k + 1

    def function_call(self, k: int) -> int:
        """Check the qualified name at ``k`` if it is called as a function;
        return the index after the name."""
        name, after = self.qualified_name(k)
        call = self.tok(after)
        if call is not None and call.is_op("(") and not name.lower().startswith(
                ALLOWED_FUNCTION_NAMESPACES):
            raise WriteQueryRefusedError(
                f"function {name} is not allowed by the read-only service (only functions of "
                f"these namespaces are: {', '.join(ALLOWED_FUNCTION_NAMESPACES)})")
        return after


def _rewrite(cypher: str, dataset: DatasetName, depth: int,
             max_timeout_ms: int | None) -> RewriteResult:
    """Rewrite the query Neo4j will parse from ``cypher``; the result's text is
    the one to send (backslashes protected, see the module docstring)."""
    if not cypher or not cypher.strip():
        raise CypherRewriteError("the query is empty")
    result = _Rewriter(neo4j_text(cypher), dataset, depth, max_timeout_ms).run()
    result.cypher = protect_backslashes(result.cypher)
    return result


def rewrite_query(cypher: str, dataset: str | DatasetName, *,
                  max_timeout_ms: int | None = None) -> RewriteResult:
    r"""Scope a neuPrint Cypher query to one dataset and check it only reads.

    Parameters
    ----------
    cypher : str
        A query as neuprint-python sends it (generic labels, Neo4j 4 syntax).
    dataset : str or DatasetName
        ``name:tag`` of the dataset the request is for.
    max_timeout_ms : int, optional
        The longest timeout (ms) an ``apoc.cypher.runTimeboxed`` call may
        ask for; larger ones are lowered to it.

    Returns
    -------
    RewriteResult
        ``cypher`` is the query to send: Neo4j parses it as the checked,
        rewritten query (Unicode escapes of the input resolved, every
        backslash written ``\u005c``); ``labels`` lists each label rewritten.

    Raises
    ------
    WriteQueryRefusedError
        The query holds a write clause, an administration command,
        ``IN TRANSACTIONS``, a procedure outside :data:`ALLOWED_PROCEDURES` or
        a namespaced function outside :data:`ALLOWED_FUNCTION_NAMESPACES`.
    CypherRewriteError
        The query cannot be tokenized or scoped (unterminated string, unbalanced
        brackets, a malformed ``\u`` escape, a label of another dataset, a
        dynamic label, a ``runTimeboxed`` query that is not one string literal...).
    """
    if isinstance(dataset, str):
        dataset = DatasetName.parse(dataset)
    return _rewrite(cypher, dataset, 0, max_timeout_ms)


def check_read_only(cypher: str) -> None:
    """Raise :class:`WriteQueryRefusedError` if ``cypher`` writes (see :func:`rewrite_query`)."""
    rewrite_query(cypher, DatasetName("check", "only"))
