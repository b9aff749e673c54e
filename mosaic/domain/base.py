"""Shared shapes of the documents and the API: camelCase JSON, decimal money."""

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


class CamelModel(BaseModel):
    """Base of every document section and API body: camelCase on the wire."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class Money(CamelModel):
    amount: Amount
    currency: CurrencyCode

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(amount=Decimal("0.00"), currency=currency)

    def plus(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(amount=self.amount + other.amount, currency=self.currency)
