"""The only package that talks to SpiffWorkflow: parsing diagrams and running instances.

May import: `clock`, `errors` and SpiffWorkflow; no context package, no `store`.
"""
