"""Shared shapes of the documents and the API: camelCase JSON, decimal money.

Three schema families, never one: what is stored (`StoredModel`: documents keep every field,
known or not), what a client sends (`RequestModel`) and what a client receives
(`ResponseModel`), so changing a document never changes the public API by accident.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel

# Amounts travel as JSON numbers (DESIGN.md section 5); Decimal keeps the arithmetic exact.
Amount = Annotated[
    Decimal,
    Field(max_digits=14, decimal_places=2),
    PlainSerializer(lambda value: float(value), return_type=float, when_used="json"),
]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")]
ProgramCode = Annotated[
    str,
    Field(pattern=r"^[A-Z0-9]{2,16}$", description="Program code: 2-16 of A-Z and 0-9"),
]


PRINTABLE = r"^[^\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]*$"
"""Text a person reads: no control characters, no bidirectional overrides (which make a
name display as something else in a back office)."""


class CamelModel(BaseModel):
    """camelCase on the wire; unknown fields are dropped (messages between our own parts)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class StoredModel(CamelModel):
    """A document or one of its sections. Fields this code does not know (written by a newer
    instance, or a section another writer owns) are kept and written back unchanged, so a
    read-modify-write never deletes what it did not understand."""

    model_config = ConfigDict(extra="allow")


class RequestModel(CamelModel):
    """A body (or part of one) a client sends; unknown fields are ignored."""


class ResponseModel(CamelModel):
    """A body a client receives."""


class Money(StoredModel):
    amount: Amount
    currency: CurrencyCode

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(amount=Decimal("0.00"), currency=currency)

    def plus(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(amount=self.amount + other.amount, currency=self.currency)
