"""Great Expectations suites, checkpoints and reconciliation workflow, as code."""
