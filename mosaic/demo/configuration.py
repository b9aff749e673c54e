"""A demo program's configuration (the SoR's `program_configuration`) and which packages its
offers are for. Nothing here draws from the random generator, so the rest of the data set
stays what the seed made it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

from mosaic.demo.network import Network, Row


def configuration_rows(program: str, today: date) -> list[Row]:
    """Member-facing settings and the redemption policies of DESIGN section 6, as the back
    office would have set them a month ago."""
    at = datetime.combine(today - timedelta(days=30), time(9), tzinfo=UTC)
    sections: dict[str, object] = {
        "settings": {
            "inviteePeriodDays": 7,
            "invitationActivationDays": 30,
            "invitationLimit": 5,
            "discountCodeTtlDays": 30,
            "pinTtlMinutes": 15,
            "pinMaxAttempts": 5,
            "referralVoucher": {"title": "Thank you for your referral", "validDays": 90},
        },
        "policy:room": {"rules": [{"rule": "maxOutOfNetworkPerHotel", "limit": 1}]},
        "policy:food": {"rules": [{"rule": "maxPerDay", "limit": 2}]},
        "policy:spa": {"rules": [{"rule": "minDaysBetween", "days": 7}]},
    }
    return [
        {"program": program, "section": section, "body": json.dumps(body), "updated_at": at}
        for section, body in sections.items()
    ]


def offer_package_rows(net: Network, offers: list[Row]) -> list[Row]:
    """Every third offer is for the program's top package only; the others for everyone."""
    top = net.packages[-1].code
    return [
        {"program": net.code, "offer": o["code"], "package": top, "updated_at": o["updated_at"]}
        for i, o in enumerate(offers)
        if i % 3 == 2
    ]
