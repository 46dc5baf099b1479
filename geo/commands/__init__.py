"""Subcommands of ``python -m geo``, one module each.

Each module exposes ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int``; :mod:`geo.cli` discovers them. These modules are the
CLI's shell: like ``pages/`` they compose ``layers`` (the plan's data) with the
engine; the engine modules of ``geo`` import neither.
"""
