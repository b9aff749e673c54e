"""How a member's contact details compare: an email case-blind, a phone by its digits."""

from __future__ import annotations

import re


def normal_email(email: str | None) -> str | None:
    return email.strip().lower() if email and email.strip() else None


def normal_phone(phone: str | None) -> str | None:
    digits = re.sub(r"\D", "", phone or "")
    return digits or None
