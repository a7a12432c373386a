"""Prefect flows, deployments and the ``ccfinops`` command line."""
