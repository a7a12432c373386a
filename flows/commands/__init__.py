"""One module per CLI concern; each exposes ``register(app)``."""
