r"""Regular expressions that Neo4j reads as the user meant them.

Neo4j's ``=~`` compiles the pattern with Java's ``java.util.regex`` and
matches it against the WHOLE value (``Matcher.matches()``, Python's
``re.fullmatch``). A pattern Java refuses makes the query fail with a raw
``Invalid Regex`` error; worse, some patterns are valid in both dialects but
mean different things. So every pattern is checked before any query is
built, by :func:`regex_problem`:

1. **It must be a valid Python regular expression** (``re.compile``): the
   dialect people who write neuprint-python queries know, and the one the
   error message can quote (``unterminated character set at position 2``).
2. **It must not use a construct whose meaning or validity differs between
   Python's ``re`` and Java's ``java.util.regex``.** These are refused, each
   with the reason and the spelling to use instead:

   - ``[`` inside a character class (Java: a nested class, Python: the
     character ``[``) and ``&&`` inside a class (Java: intersection);
   - ``{`` that does not start a repetition ``{m}``, ``{m,}``, ``{m,n}``
     (Python: the character ``{``, or ``{,n}`` = ``{0,n}``; Java: an error),
     and repetition counts above 2**31 - 1 (Java's limit);
   - backreferences and octal escapes (``\1``, ``\0``, ``\012``: numbered and
     parsed differently), ``\b``/``\B`` (Java 17 decides word boundaries with
     Unicode letters while its ``\w`` is ASCII; inside a class ``\b`` is a
     backspace in Python and an error in Java), ``\v`` (a vertical tab in
     Python, any vertical whitespace in Java), ``\Z`` (end of text in Python,
     end before a final line break in Java), ``\U`` (Java has none),
     ``\N{...}``, and ``\u`` escapes of UTF-16 surrogates;
   - Python-only groups ``(?P<name>...)``, ``(?P=name)``, ``(?#...)``,
     ``(?(1)...)``;
   - inline flags other than ``i`` and ``s``: ``m`` (``^``/``$`` at line
     breaks differ), ``x`` (Java's comment mode also ignores blanks inside
     classes), ``a``/``u``/``L`` (no Java equivalent, or a different one);
     and global flags ``(?i)`` anywhere but at the very start (Python 3.11
     refuses them, 3.10 applies them to the whole pattern, Java from there
     on).

   Constructs only Java knows (``\p{L}``, ``\Q...\E``, ``(?<name>...)``,
   ``\h``, ``\z``...) are already refused by step 1; so are Python 3.11's
   atomic groups and possessive quantifiers on Python 3.10.

What an accepted pattern then means is what Python's
``re.fullmatch(pattern, value, re.ASCII)`` says, with these documented limits
(they all concern characters that neuron names, types and statuses do not
hold):

- ``\d``, ``\w``, ``\s`` and ``(?i)`` are ASCII-only (Java's defaults, hence
  ``re.ASCII``): ``\w`` does not match ``é``, and ``(?i)é`` does not match
  ``É``;
- Java's ``.`` and ``$`` also treat ``\r``, ``\u0085``, ``\u2028`` and
  ``\u2029`` as line breaks, where Python's treat only ``\n``: ``.`` does not
  match them unless ``(?s)`` is given.

This was chosen over a stricter grammar of our own (a whitelist of
constructs) because Python's parser already decides validity precisely and
gives good messages; what is left to check are the differences, which are
few and listed above. ``tests/criteria/test_regex_db.py`` checks the claim on
the real server: every pattern this module accepts compiles in Neo4j and
selects exactly what ``re.fullmatch(pattern, value, re.ASCII)`` does.
"""

from __future__ import annotations

import re
import warnings

__all__ = ["regex_problem"]

#: Inline flags accepted: case-insensitive and dot-matches-all.
_FLAGS_OK = frozenset("is")
_FLAG_REASONS = {
    "m": "multi-line mode (?m): Java and Python disagree on ^ and $ around line breaks; "
         "=~ matches the whole value, so it is not needed",
    "x": "verbose mode (?x): Java's comment mode also ignores blanks inside [...]; "
         "write the pattern without it",
    "a": "(?a) is Python-only; patterns are matched ASCII-only anyway",
    "u": "(?u) means Unicode classes in Python but Unicode case folding in Java",
    "L": "(?L) is Python-only",
}
_JAVA_MAX_REPEAT = 2**31 - 1
_REPEAT = re.compile(r"\{(\d+)(?:,(\d*))?\}")
_FLAGS = re.compile(r"\(\?([A-Za-z]*)(?:-([A-Za-z]*))?([:)])")


def regex_problem(pattern: str) -> str | None:
    r"""What keeps ``pattern`` from meaning the same to Neo4j as to Python.

    See the module docstring for the rules and their documented limits.

    Parameters
    ----------
    pattern : str
        A regular expression for Neo4j's ``=~`` (matched against the whole
        value).

    Returns
    -------
    str or None
        None if the pattern is accepted; otherwise a description of the
        problem, saying what to write instead where there is an equivalent.

    Examples
    --------
    >>> regex_problem("KC(ab|g).*") is None
    True
    >>> regex_problem("KC[")
    'unterminated character set at position 2 (not a valid regular expression)'
    >>> regex_problem("[a[b]]")
    "'[' inside a character class at position 2 opens a nested class in Java;
    write \\[ for the character"
    >>> regex_problem("(a)\\1")
    '\\1 at position 3: backreferences and octal escapes are numbered and parsed
    differently by Java and Python; write a character as \\xhh or \\uhhhh'
    """
    if not isinstance(pattern, str):
        return f"a {type(pattern).__name__} is not a string"
    try:
        pattern.encode("utf-8")
    except UnicodeEncodeError as err:
        return (f"lone surrogate U+{ord(pattern[err.start]):04X} at position {err.start}, "
                "which is not text")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FutureWarning "possible nested set": refused below
        try:
            re.compile(pattern)
        except re.error as err:
            return f"{err.msg} at position {err.pos} (not a valid regular expression)"
        except (OverflowError, RecursionError, ValueError, MemoryError) as err:
            return f"{err} (not a valid regular expression)"
    return _dialect_problem(pattern)


def _dialect_problem(p: str) -> str | None:
    """First construct of ``p`` (a valid Python pattern) that Java reads otherwise."""
    i, n = 0, len(p)
    while i < n:
        c = p[i]
        if c == "\\":
            problem = _escape_problem(p, i, in_class=False)
            if problem:
                return problem
            i += 2
        elif c == "[":
            i, problem = _class_end(p, i)
            if problem:
                return problem
        elif c == "(" and p.startswith("(?", i):
            i, problem = _group_start(p, i)
            if problem:
                return problem
        elif c == "{":
            m = _REPEAT.match(p, i)
            if not m:
                return (f"'{{' at position {i} starts no repetition {{m}}, {{m,}} or {{m,n}}: "
                        "Java refuses it (and Python reads {,n} as {0,n}); write \\{ for the "
                        "character")
            if any(g and int(g) > _JAVA_MAX_REPEAT for g in m.groups()):
                return (f"repetition {m.group(0)} at position {i} exceeds Java's limit of "
                        f"{_JAVA_MAX_REPEAT}")
            i = m.end()
        else:
            i += 1
    return None


def _class_end(p: str, i: int) -> tuple[int, str | None]:
    """Scan the character class starting at ``p[i] == '['``: (index after it, problem)."""
    j = i + 1
    if p.startswith("^", j):
        j += 1
    if p.startswith("]", j):   # a ']' first is the character, in both dialects
        j += 1
    while p[j] != "]":
        if p[j] == "\\":
            problem = _escape_problem(p, j, in_class=True)
            if problem:
                return j, problem
            j += 2
            continue
        if p[j] == "[":
            return j, (f"'[' inside a character class at position {j} opens a nested class "
                       "in Java; write \\[ for the character")
        if p.startswith("&&", j):
            return j, (f"'&&' inside a character class at position {j} is an intersection "
                       "in Java; write \\& for each '&'")
        j += 1
    return j + 1, None


def _escape_problem(p: str, i: int, *, in_class: bool) -> str | None:
    """Problem with the escape ``p[i:i+2]`` (a valid Python escape), if any."""
    e = p[i + 1]
    where = f"at position {i}"
    if e.isdigit():
        return (f"\\{e} {where}: backreferences and octal escapes are numbered and parsed "
                "differently by Java and Python; write a character as \\xhh or \\uhhhh")
    if e in "bB":
        if in_class:
            return f"\\b {where} inside [...] is a backspace in Python and an error in Java"
        return (f"\\{e} {where}: word boundaries differ between Java 17 and Python next to "
                "non-ASCII letters; =~ matches the whole value, so leave it out")
    if e == "v":
        return (f"\\v {where} is a vertical tab in Python but any vertical whitespace in "
                "Java; write \\x0b for the tab")
    if e == "Z":
        return (f"\\Z {where} means the end in Python but the end before a final line "
                "break in Java; leave it out (=~ matches the whole value)")
    if e == "U":
        return f"\\U {where} has no meaning in Java; write the character itself"
    if e == "N":
        return f"\\N{{...}} {where} is not accepted; write the character itself or \\uhhhh"
    if e == "u" and 0xD800 <= int(p[i + 2:i + 6], 16) <= 0xDFFF:
        return (f"\\u{p[i + 2:i + 6]} {where} is a UTF-16 surrogate, which Java and Python "
                "combine differently; write the character itself")
    return None


def _group_start(p: str, i: int) -> tuple[int, str | None]:
    """Check the ``(?`` construct at ``p[i]``: (index after its opening, problem)."""
    rest = p[i + 2:i + 4]
    if rest[:1] in (":", "=", "!", ">") or rest in ("<=", "<!"):
        return i + 2 + (2 if rest[:1] == "<" else 1), None
    if rest[:1] == "P":
        return i, (f"(?P...) at position {i} is Python-only; use a plain group (...) "
                   "(names and backreferences are not accepted)")
    if rest[:1] == "#":
        return i, f"(?#...) comment at position {i} is Python-only; remove it"
    if rest[:1] == "(":
        return i, f"conditional group (?(...)...) at position {i} is Python-only"
    m = _FLAGS.match(p, i)
    if not m:  # unreachable for a valid Python pattern; refuse rather than guess
        return i, f"unknown group construct at position {i}"
    flags = (m.group(1) or "") + (m.group(2) or "")
    for flag in flags:
        if flag not in _FLAGS_OK:
            reason = _FLAG_REASONS.get(flag, f"(?{flag}) is not accepted")
            return i, f"inline flag at position {i}: {reason}; only i and s are accepted"
    if m.group(3) == ")" and i != 0:
        return i, (f"global flags {m.group(0)} at position {i}: Python requires them at the "
                   "start (3.10 applies them to the whole pattern, Java only from there on); "
                   "move them to the start or scope them: (?i:...)")
    return m.end(), None
