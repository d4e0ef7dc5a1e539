"""Loaders: recipes → canonical tables → the neuPrint data model in Neo4j."""

from .bulk import bulk_load
from .engine import LoadSummary, check, datasets, drop, load
from .recipe import Recipe, check_recipe, load_recipe

__all__ = ["load", "bulk_load", "drop", "datasets", "LoadSummary", "check", "Recipe", "load_recipe", "check_recipe"]
