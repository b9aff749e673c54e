"""The system of record through SQLAlchemy Core: SQLite embedded, Oracle in production."""
