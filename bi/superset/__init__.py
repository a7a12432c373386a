"""Apache Superset: an importable bundle (datasets, charts, dashboard) over the BI snapshot's marts."""
