"""Where the tests find the real datasets: ``$CONNECTOGRAPH_DATASETS`` (a
folder holding ``hemibrain-mb``, ``flywire-mb783``... as ``shared/datasets``
does), else ``shared/datasets`` beside the repository. The loader reads the
same variable for the recipes' ``data_dir`` (docs/recipes.md)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("CONNECTOGRAPH_DATASETS")
                or REPO / ".." / "shared" / "datasets").resolve()
