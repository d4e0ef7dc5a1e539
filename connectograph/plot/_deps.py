"""The plot extra's libraries, imported when a picture is drawn (never at
``import connectograph.plot``), with our error naming the extra when missing."""

from __future__ import annotations

import importlib

from ..errors import MissingDependencyError

#: How to install what connectograph.plot needs.
INSTALL = "pip install 'connectograph[plot]'"


def require(module: str, function: str):
    """Import ``module`` for ``function`` or raise :class:`MissingDependencyError`.

    Raises
    ------
    MissingDependencyError
        ``module`` is not installed; the message names the extra to install.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        raise MissingDependencyError(
            f"{function} needs {top}, which is not installed: {INSTALL}") from exc


def new_figure(function: str, figsize=(8, 6)):
    """A matplotlib ``Figure`` not registered with pyplot (no global state; it
    draws with the Agg canvas when saved, and displays in notebooks)."""
    require("matplotlib", function)
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")
