"""Benchmarks: each prints its figures and, where it has one, a ratio against a raw baseline."""
