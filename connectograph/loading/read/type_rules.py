"""Cell types derived from neuron names by a declared rule (recipe
``type_rule``), for sources that name neurons and give no type.

``"symmetry-suffixes"`` (:func:`symmetry_suffix_types`): the naming
convention of the C. elegans nervous system (White et al. 1986, Phil. Trans.
R. Soc. B 314:1-340; WormAtlas' neuron names), where a class name is followed
by the member's place in a symmetric set: ``L``/``R`` (left, right),
``D``/``V`` (dorsal, ventral) and serial numbers along the body. The type is
the class: ``ADAL``, ``ADAR`` -> ``ADA``; ``IL1DL`` ... ``IL1R`` -> ``IL1``;
``VA1`` ... ``VA12`` -> ``VA``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

__all__ = ["symmetry_suffix_types"]

_SERIAL = re.compile(r"^(?P<stem>[A-Za-z]{2,})\d+$")
_MIRROR = {"L": "R", "R": "L", "D": "V", "V": "D"}


def symmetry_suffix_types(names: Iterable[str]) -> dict[str, str]:
    """Each name's class by its symmetry suffixes, judged over the whole set.

    Three steps, each only where the set of names shows the symmetry:

    1. ``XL`` and ``XR`` both named: both are ``X`` (``AVAL``, ``AVAR`` -> ``AVA``;
       ``AVL`` stays, as there is no ``AVR``).
    2. then ``XD`` and ``XV`` both present: both are ``X`` when ``X`` itself is
       a class (``RMED``, ``RMEV``, ``RMEL``/``RMER`` -> ``RME``; ``IL1D``,
       ``IL1V``, ``IL1`` -> ``IL1``) or when both came from left/right pairs
       (the quadrants ``CEPDL`` ... ``CEPVR`` -> ``CEP``). ``RID`` stays: it is no
       pair and there is no class ``RI``.
    3. then a stem of two or more letters followed by a serial number, the
       stem shared by two or more names, is the class (``VA1`` ... ``VA12`` ->
       ``VA``, ``DD1`` -> ``DD``); ``I3`` and ``M1`` (one-letter stems) stay, and
       so do names steps 1-2 changed (``IL1L`` is of class ``IL1``, not ``IL``).

    Known departures from WormAtlas' classes: ``SABD`` stays apart from
    ``SABVL``/``SABVR`` (class ``SABV``), where WormAtlas has one class ``SAB``.

    Parameters
    ----------
    names : iterable of str
        Every name of the table (the rule needs the whole set).

    Returns
    -------
    dict
        name -> type.
    """
    names = set(names)
    step1, paired = {}, set()
    for n in names:
        if len(n) > 1 and n[-1] in "LR" and n[:-1] + _MIRROR[n[-1]] in names:
            step1[n] = n[:-1]
            paired.add(n[:-1])
        else:
            step1[n] = n
    stems = set(step1.values())
    step2 = {}
    for n, t in step1.items():
        other = t[:-1] + _MIRROR[t[-1]] if len(t) > 1 and t[-1] in "DV" else None
        if other in stems and (t[:-1] in stems or (t in paired and other in paired)):
            step2[n] = t[:-1]
        else:
            step2[n] = t
    # serial numbers only on names no symmetry step changed (IL1 and IL2 are
    # classes of their own, not members IL 1 and IL 2)
    serial = {n: m.group("stem") for n, t in step2.items()
              if t == n and (m := _SERIAL.match(n))}
    shared = Counter(serial.values())
    return {n: (serial[n] if n in serial and shared[serial[n]] >= 2 else t)
            for n, t in step2.items()}
