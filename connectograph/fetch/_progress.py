"""The progress bar of long fetches (``progress=`` of fetch_skeletons, fetch_synapses,
fetch_mean_synapses, fetch_synapse_connections)."""

from __future__ import annotations

from typing import Iterable, TypeVar

T = TypeVar("T")

#: With ``progress=None``, a bar appears once the work has taken this long (s).
DELAY_SECONDS = 1.0

def progress_bar(items: Iterable[T], progress: bool | None, *, desc: str, unit: str,
                 total: int | None = None) -> Iterable[T]:
    """``items``, counted by a tqdm bar (``tqdm.auto``: a widget in notebooks,
    text on stderr in terminals). ``progress``: None shows the bar once the
    work has taken :data:`DELAY_SECONDS`, True at once, False never (then
    ``items`` itself is returned)."""
    if progress is False:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, unit=unit, total=total, leave=False, dynamic_ncols=True,
                delay=0 if progress else DELAY_SECONDS)
