"""Deterministic demo data for the system of record (DESIGN.md section 4)."""
