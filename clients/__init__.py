"""Clients of the outside world built from settings: Cohere, the offline embedder, Qdrant,
Postgres, and the transports and SDK patches under them."""
