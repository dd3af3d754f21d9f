"""Benchmarks: each module measures one thing and saves its figures; `python -m bench.run` runs them all."""
