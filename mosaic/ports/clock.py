"""Clock port: the business's idea of now (frozen by MOSAIC_NOW on the embedded backend)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime in UTC."""
        ...
