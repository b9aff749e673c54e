"""Voucher refusals as problem+json: their statuses, and the rule a policy refusal names."""

import json

import pytest

from mosaic.domain import errors
from mosaic.functions.problems import PROBLEM_JSON, error_response


def problem(error: Exception) -> tuple[int, dict[str, object]]:
    response = error_response(error)
    assert response.mimetype == PROBLEM_JSON
    return response.status_code, json.loads(response.get_body())


def test_a_policy_refusal_names_its_rule():
    status, body = problem(errors.PolicyRefused("maxPerDay", "at most 2 food vouchers a day"))
    assert status == 422
    assert body == {
        "type": "urn:mosaic:problem:policy-refused",
        "title": "Refused by the redemption policy",
        "status": 422,
        "detail": "at most 2 food vouchers a day",
        "rule": "maxPerDay",
    }


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.VoucherNotFound, 404),
        (errors.VoucherRemoved, 404),
        (errors.VoucherAlreadyRedeemed, 409),
        (errors.VoucherNotRedeemed, 409),
        (errors.VoucherNotRedeemedHere, 409),
        (errors.MembershipNotUsable, 422),
        (errors.VoucherExpired, 422),
        (errors.VoucherCancelled, 422),
        (errors.VoucherNotYetValid, 422),
        (errors.VoucherNotValidHere, 422),
    ],
)
def test_voucher_refusals_have_their_status_and_no_rule(error, status):
    answered, body = problem(error("voucher 100001"))
    assert (answered, body["status"]) == (status, status)
    assert "rule" not in body
