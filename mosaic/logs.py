"""Logging the app configures where it owns the process (the CLI, the local host)."""

from __future__ import annotations

import logging


def quiet_azure_sdk() -> None:
    """The Azure SDKs log every HTTP request and response at INFO: warnings and errors only."""
    logging.getLogger("azure").setLevel(logging.WARNING)
