"""Benchmarks at municipal and prefecture scale (issue #6); see bench/README.md."""
