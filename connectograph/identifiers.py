r"""The one place where names are spliced into Cypher.

Values always travel as query parameters. Names cannot: labels, relationship
types and property keys (such as neuPrint's per-ROI booleans, ``n.`a'L(R)```)
are part of the query text. Every such name goes through :func:`escape_name`,
which validates it and quotes it with backticks as the Cypher manual
prescribes (a backtick inside a name is doubled).

Neo4j 5 reads Unicode escapes (a backslash, ``u`` and four hexadecimal
digits) anywhere in the query text before it parses it, including inside
backticks: ``\u0060`` in a name would close the name. So :func:`escape_name`
also writes each backslash of a name as the escape ``\u005c``: Neo4j turns it
back into one backslash, and a character that an escape produced never
starts another escape (measured on Neo4j 5.26: ```a\u005cu0060``` is the name
``a\u0060``; a backslash can start no escape of ours, so ``\u``, ``\uu``,
``\U`` or an invalid ``\uZZZZ`` in a name all stay what they are).

It also owns dataset naming: a dataset is ``name:tag`` as neuPrint calls
them (``hemibrain:v1.2.1``), and its nodes carry a dataset-scoped label
``<name:tag>_<Label>`` besides the generic one, so several datasets and
versions share one database and every query is scoped to one of them.
While a reload is being published, the current version of a dataset is
briefly read under its staging labels ``<name:tag>~staging_<Label>``
(:mod:`connectograph.loading.write.dataset_writer`); a :class:`DatasetName` then carries
that *label prefix*, which every label it builds uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from .errors import InvalidIdentifierError
from .vocabulary import DATASET_NODE_LABELS

# DATASET_NODE_LABELS: kept importable from here (it is in .vocabulary)
__all__ = ["DATASET_NODE_LABELS", "BACKSLASH_ESCAPE", "MAX_NAME_LENGTH", "DatasetName",
           "escape_name", "quote_name", "protect_backslashes", "property_access"]

#: A backslash as Neo4j 5 reads it anywhere in a query without starting an escape.
BACKSLASH_ESCAPE = "\\u005c"

#: Longest name accepted; Neo4j allows more, but longer names are surely wrong.
MAX_NAME_LENGTH = 256

_DATASET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*\Z")
# No "_" in tags: "<name>:<tag>_" must be an unambiguous label prefix.
_DATASET_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]*\Z")


def quote_name(name: str) -> str:
    """Return ``name`` in backticks, inner backticks doubled: the name as
    Neo4j must *read* it, after its Unicode escapes are resolved. Query text
    sent to Neo4j needs :func:`protect_backslashes` on top (see
    :func:`escape_name`, which does both).

    Raises
    ------
    InvalidIdentifierError
        As :func:`escape_name`.
    """
    if not isinstance(name, str):
        raise InvalidIdentifierError(
            f"a Cypher name must be a string, got {type(name).__name__}: {name!r}")
    if not name:
        raise InvalidIdentifierError("a Cypher name cannot be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidIdentifierError(
            f"name of {len(name)} characters is longer than {MAX_NAME_LENGTH}: {name[:40]!r}...")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise InvalidIdentifierError(
            f"name {name!r} contains a control character; remove it")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidIdentifierError(
            f"name {name!r} holds a lone surrogate, which is not text; "
            "fix the string (decode it as UTF-8 or UTF-16 first)") from None
    return "`" + name.replace("`", "``") + "`"


def protect_backslashes(text: str) -> str:
    r"""Return query text that Neo4j 5 reads back as exactly ``text``.

    Every backslash becomes the Unicode escape ``\u005c``: Neo4j resolves it
    to one backslash, which then starts no further Unicode escape (see the
    module docstring), so no ``\uXXXX`` spelling in ``text`` can turn into
    a quote, a backtick or a line break. String-literal escapes (``\'``,
    ``\n``) keep their meaning: Neo4j reads them after the Unicode escapes.

    Parameters
    ----------
    text : str
        Cypher as Neo4j should read it.

    Returns
    -------
    str
        ``text`` with each ``\`` written as :data:`BACKSLASH_ESCAPE`.
    """
    return text.replace("\\", BACKSLASH_ESCAPE)


def escape_name(name: str) -> str:
    r"""Return ``name`` quoted for use as a Cypher label, type or property key.

    Parameters
    ----------
    name : str
        Any non-empty string without control characters, e.g. ``"a'L(R)"``.

    Returns
    -------
    str
        The name in backticks with inner backticks doubled and each
        backslash written as the Unicode escape ``\u005c`` (see the module
        docstring), e.g. ```a'L(R)```; Neo4j reads it back as exactly ``name``.

    Raises
    ------
    InvalidIdentifierError
        If ``name`` is not a string, is empty, is longer than
        :data:`MAX_NAME_LENGTH`, or holds a control character (newline, NUL...)
        or a lone surrogate.
    """
    return protect_backslashes(quote_name(name))


def property_access(variable: str, key: str) -> str:
    """Return ``variable.`key``` with ``key`` escaped (``variable`` must be a
    plain Cypher variable such as ``n``)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", variable):
        raise InvalidIdentifierError(f"{variable!r} is not a plain Cypher variable")
    return f"{variable}.{escape_name(key)}"


@dataclass(frozen=True)
class DatasetName:
    """A dataset identifier ``name:tag`` (neuPrint style).

    Attributes
    ----------
    name : str
        The dataset name, e.g. ``"hemibrain-mb"``; letters, digits, ``_ . -``.
    tag : str
        The version tag, e.g. ``"v1.2.1"``; letters, digits, ``. -`` (no ``_``,
        so that ``name:tag_`` is an unambiguous label prefix).
    """

    name: str
    tag: str
    #: The prefix of the labels to read, when it is not ``name:tag``: the
    #: staging prefix ``name:tag~staging`` while a reload is being published
    #: (see :meth:`with_label_prefix`). Not part of equality, hash or ``str``.
    label_prefix: str | None = field(default=None, compare=False, repr=False)

    @classmethod
    def parse(cls, text: str) -> "DatasetName":
        """Parse ``"name:tag"``.

        Raises
        ------
        InvalidIdentifierError
            If ``text`` is not ``name:tag`` with both parts made of letters,
            digits, ``_``, ``.`` or ``-``.
        """
        if not isinstance(text, str) or text.count(":") != 1:
            raise InvalidIdentifierError(
                f"dataset {text!r} must be written 'name:tag', e.g. 'hemibrain-mb:v1.2.1'")
        name, tag = text.split(":")
        if not _DATASET_NAME.match(name):
            raise InvalidIdentifierError(
                f"dataset name {name!r} may hold only letters, digits, '_', '.' and '-'")
        if not _DATASET_TAG.match(tag):
            raise InvalidIdentifierError(
                f"dataset tag {tag!r} may hold only letters, digits, '.' and '-'")
        return cls(name, tag)

    def __str__(self) -> str:
        return f"{self.name}:{self.tag}"

    @property
    def prefix(self) -> str:
        """The prefix of this name's labels: ``label_prefix`` if set, else ``name:tag``."""
        return self.label_prefix or str(self)

    @property
    def published(self) -> bool:
        """True unless the labels are another prefix than ``name:tag`` (the
        staging labels, while a reload is being published)."""
        return self.prefix == str(self)

    def with_label_prefix(self, prefix: str | None) -> "DatasetName":
        """The same dataset whose labels start with ``prefix`` (``None``: ``name:tag``).

        Raises
        ------
        InvalidIdentifierError
            If ``prefix`` does not start with ``name:tag``.
        """
        if prefix is not None and not prefix.startswith(str(self)):
            raise InvalidIdentifierError(
                f"label prefix {prefix!r} is not one of dataset {self}'s")
        return replace(self, label_prefix=None if prefix == str(self) else prefix)

    def label(self, generic: str) -> str:
        """Escaped dataset-scoped label, e.g. ```hemibrain-mb:v1.2.1_Neuron```
        (with :attr:`prefix` in front)."""
        return escape_name(f"{self.prefix}_{generic}")

    def labels(self, generic: str) -> str:
        """Escaped label pair for patterns, e.g. ``:Neuron:`hemibrain-mb:v1.2.1_Neuron```."""
        return f":{escape_name(generic)}:{self.label(generic)}"
