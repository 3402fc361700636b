"""Benchmark harness: synthetic corpus, build figures, and wrk runs against three servers.

Run ``python -m bench.run`` from the repository root (``--smoke`` for the CI variant);
``bench/README.md`` explains every number.
"""
