"""Loaders: recipes → canonical tables → the neuPrint data model in Neo4j.

A load is a pipeline of three steps, each a subpackage: :mod:`.read` (recipe
sources into validated canonical tables), :mod:`.derive` (the graph computed
from them, no database) and :mod:`.write` (the graph written to Neo4j over
Bolt, or as ``neo4j-admin`` import files). The modules here drive them:
:mod:`.engine` (:func:`load`, :func:`check`, :func:`drop`, :func:`datasets`),
:mod:`.preparation` (:func:`prepare`: read and derive), :mod:`.bulk`
(:func:`bulk_load`), and the recipe, conflicts, summary, fingerprint, progress
bars and Arrow memory every step shares.
"""

from .bulk import bulk_load
from .engine import check, datasets, drop, load
from .preparation import prepare
from .recipe import Recipe, check_recipe, load_recipe
from .summary import LoadSummary

__all__ = ["load", "bulk_load", "drop", "datasets", "LoadSummary", "check", "prepare", "Recipe",
           "load_recipe", "check_recipe"]
