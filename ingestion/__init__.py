"""Data movement into the ccfinops warehouse: simulator, API clients, dlt sources and registries."""
