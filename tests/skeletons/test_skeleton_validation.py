"""validate_skeleton: each defect raises SkeletonError naming body and node."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from connectograph.errors import SkeletonError
from connectograph.skeletons import validate_skeleton


def _df():
    return pd.DataFrame({"rowId": [1, 2, 3, 4, 5], "x": [0.0, 1, 2, 3, 4], "y": 0.0, "z": 0.0,
                         "radius": 1.0, "link": [-1, 1, 2, 3, 3]})


def test_valid_and_fragmented_pass():
    validate_skeleton(_df())
    df = _df()
    df.loc[2, "link"] = -1
    validate_skeleton(df)  # two roots is fine


def test_skeleton_error_is_value_error():
    assert issubclass(SkeletonError, ValueError)


def test_cycle():
    df = _df()
    df.loc[0, "link"] = 5  # 1 -> 5 -> 3 -> 2 -> 1, no root left
    with pytest.raises(SkeletonError, match=r"body 77: node \d is on a cycle") as info:
        validate_skeleton(df, body=77)
    assert "4" not in info.value.args[0].split("cycle")[1]  # node 4 hangs off it, not on it


def test_cycle_beside_a_valid_tree():
    df = _df()
    extra = pd.DataFrame({"rowId": [10, 11], "x": 0.0, "y": 0.0, "z": 0.0, "radius": 1.0, "link": [11, 10]})
    with pytest.raises(SkeletonError, match=r"node 1[01] is on a cycle of links \(1[01], 1[01] -> 1[01]\)"):
        validate_skeleton(pd.concat([df, extra], ignore_index=True))


def test_self_link():
    df = _df()
    df.loc[3, "link"] = 4
    with pytest.raises(SkeletonError, match="node 4 is on a cycle"):
        validate_skeleton(df)


def test_missing_parent():
    df = _df()
    df.loc[4, "link"] = 99
    with pytest.raises(SkeletonError, match="body 8: node 5 links to parent 99"):
        validate_skeleton(df, body=8)


def test_duplicate_ids():
    df = _df()
    df.loc[4, "rowId"] = 2
    with pytest.raises(SkeletonError, match="node id 2 .* more than once"):
        validate_skeleton(df)


@pytest.mark.parametrize("col,value", [("x", np.nan), ("z", np.inf), ("radius", -np.inf)])
def test_non_finite(col, value):
    df = _df()
    df.loc[2, col] = value
    with pytest.raises(SkeletonError, match=f"body 3: node 3 has a non-finite {col}"):
        validate_skeleton(df, body=3)


def test_missing_column():
    with pytest.raises(SkeletonError, match="radius"):
        validate_skeleton(_df().drop(columns="radius"))
