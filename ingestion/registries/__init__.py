"""Config registries: cost centers, mappings, rate cards and cost pools → ``raw.config_*``.

Default source: the versioned CSV files in ``files/``; mappings may instead come from a JSON
registry service (``mappings_url``). Validation is strict and complete; nothing loads on error.
"""

from ingestion.registries.errors import RegistryError, RegistryIssue
from ingestion.registries.load import RegistryLoad, load_registries
from ingestion.registries.validate import FILES_DIR, Registry, validate_registries

__all__ = [
    "FILES_DIR",
    "Registry",
    "RegistryError",
    "RegistryIssue",
    "RegistryLoad",
    "load_registries",
    "validate_registries",
]
