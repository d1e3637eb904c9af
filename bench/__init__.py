"""Benchmarks and reliability runs. Run from the repository root, e.g. `.venv/bin/python -m bench.pipeline`."""
