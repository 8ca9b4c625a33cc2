"""SQLAlchemy 2 models, one module per concept, each with the queries that answer about it.

May import: `clock`, `errors` (the ground floor) and SQLAlchemy; no context package.
"""
from workflows.store.db import Base, Database

__all__ = ["Base", "Database"]
