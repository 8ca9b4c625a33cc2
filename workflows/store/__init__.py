"""SQLAlchemy 2 models, one module per concept, each with the queries that answer about it."""
from workflows.store.db import Base, Database

__all__ = ["Base", "Database"]
