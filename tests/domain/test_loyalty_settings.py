"""The program's loyalty settings: defaults for what older documents lack, and their rules."""

import pytest
from pydantic import ValidationError

from mosaic.domain.program import LoyaltySettings

STORED_BEFORE = {"earningMinimum": {"amount": 100, "currency": "THB"}, "expiryMonths": 4}


def test_settings_stored_before_the_new_fields_read_with_the_defaults():
    settings = LoyaltySettings.model_validate(STORED_BEFORE)

    assert settings.renewal_reminder_days == [30, 7]
    assert settings.reminder_days == 7
    assert (settings.expiry_mode, settings.tier_validity_months) == ("rolling", 4)
    assert settings.migration_month == "2024-09"


def test_renewal_reminder_days_are_kept_once_each_latest_first():
    settings = LoyaltySettings.model_validate(STORED_BEFORE | {"renewalReminderDays": [7, 30, 7]})

    assert settings.renewal_reminder_days == [30, 7]


@pytest.mark.parametrize(
    "broken",
    [
        {"expiryMonths": 0},
        {"expiryMode": "forever"},
        {"renewalReminderDays": [-1]},
        {
            "tiers": [
                {"name": "gold", "threshold": 10, "image": "a"},
                {"name": "gold", "threshold": 20, "image": "b"},
            ]
        },
    ],
)
def test_settings_that_cannot_work_are_refused(broken):
    with pytest.raises(ValidationError):
        LoyaltySettings.model_validate(STORED_BEFORE | broken)
