"""Management of a local Neo4j 5.26 LTS server built from Maven artifacts."""

from .install import install, is_installed
from .process import fresh_instance, free_port, load_settings, run_admin, start, status, stop
from .settings import APOC_VERSION, BROWSER_VERSION, NEO4J_VERSION, InstanceSettings

__all__ = ["install", "is_installed", "start", "stop", "status", "run_admin", "free_port",
           "fresh_instance",
           "load_settings", "InstanceSettings", "NEO4J_VERSION", "APOC_VERSION",
           "BROWSER_VERSION"]
