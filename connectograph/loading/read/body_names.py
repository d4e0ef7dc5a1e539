"""bodyIds minted from neuron names, for sources that name their neurons
(``AVAL``, ``ADAL``...) and number none of them (recipe ``body_names = true``).

The rule (:func:`mint_body_id`): the first 8 bytes of the BLAKE2b digest
(RFC 7693, 8-byte digest, no key) of the name's UTF-8 bytes, read as a
big-endian unsigned integer and shifted right by 11 bits: a 53-bit
integer, 0 <= bodyId < 2**53, so that it is exact in a JSON or JavaScript
number as well as in int64. The same name gives the same bodyId in every
dataset loaded with the rule (the animals of a series share their ids, and a
diff can join on bodyId); different names giving the same bodyId are refused
(:func:`minted_body_ids`): with a few thousand names the chance of that is
below 1e-9.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from ...errors import ValidationError

__all__ = ["NAME_ID_BITS", "mint_body_id", "minted_body_ids"]

#: Bits of a minted bodyId.
NAME_ID_BITS = 53


def mint_body_id(name: str) -> int:
    """The bodyId of a neuron name (see the module docstring for the rule).

    Parameters
    ----------
    name : str
        The name as the source writes it (case and spaces matter).

    Returns
    -------
    int
        In ``[0, 2**53)``.
    """
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> (64 - NAME_ID_BITS)


def minted_body_ids(names: pd.Series, registry: dict[int, str], *, file: str,
                    column: str) -> pd.Series:
    """The minted bodyIds of a column of names (int64, same index).

    Parameters
    ----------
    names : Series of str
        One name per row (text cells as read).
    registry : dict
        bodyId -> name of every name minted so far in this load (updated):
        a bodyId already minted from another name is a collision.
    file, column : str
        For the error messages.

    Raises
    ------
    ValidationError
        An empty name (naming the row), or two names with the same bodyId
        (naming both: rename one in the source).
    """
    empty = names.isna() | (names.astype(str).str.strip() == "")
    if empty.any():
        row = int(np.flatnonzero(empty.to_numpy())[0]) + 1
        raise ValidationError("empty neuron name: every row needs a name to mint its bodyId "
                              "from; fill it in or remove the row", file=file, row=row,
                              column=column)
    ids = {}
    for name in pd.unique(names.astype(str)):
        body = mint_body_id(name)
        known = registry.setdefault(body, name)
        if known != name:
            raise ValidationError(
                f"names {known!r} and {name!r} mint the same bodyId {body}; rename one of them "
                "in the source (bodyIds are minted from names, see docs/data-model.md)",
                file=file, column=column)
        ids[name] = body
    return names.astype(str).map(ids).astype("int64")
