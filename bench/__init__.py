"""Benchmarks of bookchat's own cost on top of the model: see bench/README.md."""
