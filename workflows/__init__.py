"""KoopFlow's engine side: process definitions, cases, tasks, time. No Flask in here.

One package per context, on floors (docs/architecture.md, kept by tests/test_layers.py):
a package imports only the floors below it.
"""
