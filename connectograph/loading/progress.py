"""Progress bars of a load: a factory ``progress(total, desc)`` returns a bar
with ``update(n)`` and ``close()``.

:func:`tqdm_progress` draws tqdm bars (the default of
:func:`~connectograph.loading.engine.load`); :func:`noop_progress` draws
nothing (what the loader uses when given no factory).
"""

from __future__ import annotations

__all__ = ["noop_progress", "tqdm_progress"]


def noop_progress(total: int, desc: str):
    """A bar that shows nothing.

    Parameters
    ----------
    total : int
        Steps or rows the bar would count (ignored).
    desc : str
        What it would count (ignored).

    Returns
    -------
    object
        With ``update(n)`` and ``close()``, both doing nothing.
    """
    class _P:
        def update(self, n: int) -> None: ...
        def close(self) -> None: ...
    return _P()


def tqdm_progress(total: int, desc: str):
    """A tqdm bar of ``total`` steps (``desc`` ending in ``"(steps)"``, e.g.
    ``"prepare (steps)"``) or rows (the others), left on no line when closed.

    Parameters
    ----------
    total : int
        Steps or rows to count.
    desc : str
        What the bar counts, shown before it.

    Returns
    -------
    tqdm.tqdm
    """
    # tqdm is imported when a bar is first drawn, not with the loader
    from tqdm.auto import tqdm
    # bars over steps ("prepare (steps)", "publish (steps)") count steps, the others rows
    unit = "step" if desc.endswith("(steps)") else "row"
    return tqdm(total=total, desc=f"{desc:<16}", unit=unit, leave=False, dynamic_ncols=True)
