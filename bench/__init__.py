"""Benchmarks: synthetic district-sized parcel layers, timings, memory and map payloads.

Run ``python -m bench.run --sizes 1000 10000 100000``; results go to
``bench/results/results.json`` and ``bench/results/results.md``.
"""
