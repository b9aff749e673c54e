"""Adapters: the embedded (SQLite) and production (Azure, Oracle) implementations of the ports."""
