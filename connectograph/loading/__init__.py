"""Loaders: recipes → canonical tables → the neuPrint data model in Neo4j."""

from .engine import LoadSummary, datasets, drop, load
from .recipe import Recipe, check_recipe, load_recipe

__all__ = ["load", "drop", "datasets", "LoadSummary", "Recipe", "load_recipe", "check_recipe"]
