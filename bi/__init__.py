"""BI tool connections: starter content for BI tools over the published snapshot."""
