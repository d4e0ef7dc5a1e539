"""Every error connectograph raises to its user is a ConnectographError
(errors.py's promise): a check of the source for raises of builtin
exceptions, and each error that used to be a builtin one, raised for real
(against the server where the error comes from it). The driver's errors are
tested in test_connection.py."""

from __future__ import annotations

import ast
import builtins
import inspect
from pathlib import Path

import numpy as np
import pytest

import connectograph.errors as errors
from connectograph import fetch_roi_hierarchy, fetch_skeleton
from connectograph.errors import (ConnectographError, InvalidArgumentError,
                                  MissingDependencyError, SkeletonNotFoundError,
                                  SyntheticDataError)

PACKAGE = Path(errors.__file__).parent
KC = 5813078552           # a body with a stored skeleton in the bundle
NO_SKELETON = 300972942   # one without

#: Builtin exceptions the package may raise outside loading/ (the loader's
#: folder is restructured elsewhere), and why each is not the user's to see.
ALLOWED = {
    ("criteria/neuron_criteria.py", "AttributeError"): "__getattr__'s protocol",
    ("criteria/conditions.py", "NotImplementedError"): "an abstract method",
    ("cypher_files.py", "KeyError"): "a statement of ours lacks a label: a bug",
    ("cypher_files.py", "ValueError"): "a block of ours holds several statements: a bug",
    ("text_files.py", "UnicodeError"): "read_text's callers turn it into their own error",
}


def _builtin_raises(path: Path) -> set[str]:
    """Names of builtin exception classes raised in ``path`` (``raise X(...)``
    or ``raise X``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and isinstance(getattr(builtins, exc.id, None), type) \
                    and issubclass(getattr(builtins, exc.id), BaseException):
                found.add(exc.id)
    return found


def test_no_builtin_exception_is_raised_to_the_user():
    raised = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith("loading/"):
            continue
        for name in _builtin_raises(path):
            if (rel, name) not in ALLOWED:
                raised.setdefault(rel, []).append(name)
    assert raised == {}


def test_every_error_class_is_a_connectograph_error():
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass)
               if issubclass(c, BaseException) and c.__module__ == errors.__name__]
    assert len(classes) > 20
    assert all(issubclass(c, ConnectographError) for c in classes)


# -- without a server: arguments checked before anything is read ------------------------------


def test_unknown_formats_are_argument_errors():
    with pytest.raises(InvalidArgumentError, match="'dict', 'text' or 'nx'") as info:
        fetch_roi_hierarchy(format="yaml")
    assert isinstance(info.value, ValueError)
    with pytest.raises(InvalidArgumentError, match="'pandas', 'swc' or 'nx'"):
        fetch_skeleton(KC, format="obj")


def test_synthetic_skeleton_fragments_out_of_range():
    from connectograph.synthetic.skeletons import synthetic_skeleton
    with pytest.raises(SyntheticDataError, match="n_fragments") as info:
        synthetic_skeleton(10, n_fragments=11, seed=0)
    assert isinstance(info.value, ValueError)


def test_fragment_bridges_needs_2d_points():
    from connectograph.skeletons import fragment_bridges
    with pytest.raises(InvalidArgumentError, match="2-D"):
        fragment_bridges(np.zeros(4), np.zeros(4, dtype=int))


def test_navis_missing_is_ours_and_still_an_import_error(monkeypatch):
    import sys

    import pandas as pd

    from connectograph.skeletons import skeleton_df_to_navis
    monkeypatch.setitem(sys.modules, "navis", None)     # import navis → ImportError
    df = pd.DataFrame({"rowId": [1], "x": [0.0], "y": [0.0], "z": [0.0], "radius": [1.0],
                       "link": [-1]})
    with pytest.raises(MissingDependencyError, match="connectograph\\[navis\\]") as info:
        skeleton_df_to_navis(df)
    assert isinstance(info.value, ImportError)


# -- against the server -----------------------------------------------------------------------


@pytest.mark.neo4j
def test_root_of_the_wrong_kind_without_healing(client):
    with pytest.raises(InvalidArgumentError, match="root must be") as info:
        fetch_skeleton(KC, root="largest", client=client)
    assert isinstance(info.value, ValueError)


@pytest.mark.neo4j
def test_per_node_form_of_a_missing_skeleton(client):
    from connectograph.fetch.skeleton_storage import store_skeleton_nodes
    with pytest.raises(SkeletonNotFoundError, match=f"no skeleton for body {NO_SKELETON}") \
            as info:
        store_skeleton_nodes(NO_SKELETON, client=client)
    assert isinstance(info.value, LookupError)


@pytest.mark.neo4j
def test_per_node_form_larger_than_allowed(client):
    from connectograph.fetch.skeleton_storage import store_skeleton_nodes
    with pytest.raises(InvalidArgumentError, match="more than max_nodes=100"):
        store_skeleton_nodes(KC, client=client, max_nodes=100)
    assert client.read(f"MATCH (n:{client.dataset.label('SkelNode')}) RETURN count(n) AS n"
                       ) == [{"n": 0}]
