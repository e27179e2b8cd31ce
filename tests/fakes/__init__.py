"""Test doubles for bookchat's external services (see cohere_server for the fake Cohere API)."""
