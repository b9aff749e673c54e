"""POST /api/control/loyalty/expiry and /migrate-expiry, and the daily timer, through the
local host (also on the Azure adapters with --backend azure)."""

from __future__ import annotations

from datetime import datetime

import pytest

from mosaic.domain.loyalty.ledger import Loyalty
from mosaic.localhost import registered_functions
from tests.domain.loyalty_factories import BANGKOK, at, carried_over, earned
from tests.factories import store_program
from tests.functions.conftest import assert_problem
from tests.services.loyalty_world import configure_loyalty, put_membership, read_membership

EXPIRY = "/api/control/loyalty/expiry"
MIGRATE = "/api/control/loyalty/migrate-expiry"


@pytest.fixture
def program(app_backends):
    """Program SIAM in lot mode; the app's clock stands at 21 Nov 2026."""
    store_program(app_backends)
    configure_loyalty(app_backends, expiry_mode="lot")
    return app_backends


def test_the_daily_timer_fires_at_01_00_utc():
    from function_app import app

    [spec] = [s for s in registered_functions(app) if s.name == "loyalty_expiry"]
    assert (spec.kind, spec.schedule) == ("timer", "0 0 1 * * *")


def test_the_expiry_route_runs_the_job_now_and_a_second_run_does_nothing(client, admin, program):
    # June's point expired at the end of October; July's lasts until the end of November.
    put_membership(program, "M1", earned(at(2026, 6, 10), at(2026, 7, 10), mode="lot"))

    first = client.post(EXPIRY, headers=admin)
    again = client.post(EXPIRY, headers=admin, json={"program": "SIAM"})

    assert first.status_code == 200, first.text
    totals = first.json()["totals"]
    assert (totals["examined"], totals["pointsExpired"], totals["entriesWritten"]) == (1, 1, 1)
    assert [p["program"] for p in first.json()["programs"]] == ["SIAM"]
    assert again.status_code == 200, again.text
    assert again.json()["totals"]["examined"] == 0
    assert read_membership(program, "M1").loyalty.balance == 1


def test_the_expiry_route_needs_the_admin_key(client, program):
    put_membership(program, "M1", earned(at(2026, 6, 10), mode="lot"))

    assert_problem(client.post(EXPIRY, headers={"X-Admin-Key": "wrong"}), 401)
    assert read_membership(program, "M1").loyalty.balance == 1


@pytest.mark.parametrize(
    ("body", "field"), [({"program": "not a code"}, "program"), ([1], "body"), ("x", "body")]
)
def test_the_expiry_route_refuses_a_bad_body_naming_the_field(client, admin, program, body, field):
    problem = assert_problem(client.post(EXPIRY, headers=admin, json=body), 400)
    assert [e["field"] for e in problem["errors"]] == [field]


def test_the_expiry_route_answers_404_for_a_program_without_a_document(client, admin, program):
    assert_problem(client.post(EXPIRY, headers=admin, json={"program": "NOPE"}), 404)


def _carried_over() -> Loyalty:
    """3 points from the old system expiring 10 Aug 2024, 2 expiring 10 Nov 2024."""
    return carried_over(
        (3, datetime(2024, 8, 10, tzinfo=BANGKOK)), (2, datetime(2024, 11, 10, tzinfo=BANGKOK))
    )


def test_the_migration_route_reports_what_it_moved_and_a_second_run_nothing(client, admin, program):
    put_membership(program, "M1", _carried_over())
    put_membership(program, "M2")

    first = client.post(MIGRATE, headers=admin, json={"program": "SIAM"})
    again = client.post(MIGRATE, headers=admin, json={"program": "SIAM", "cutoverMonth": "2024-09"})

    assert first.status_code == 200, first.text
    assert first.json() == {
        "program": "SIAM",
        "cutoverMonth": "2024-09",
        "examined": 1,
        "changed": 1,
        "points": 5,
        "memberships": [
            {
                "membershipNumber": "M1",
                "moves": [
                    {
                        "movedFrom": "2024-08-10T00:00:00+07:00",
                        "movedTo": "2024-09-30T23:59:59+07:00",
                        "points": 3,
                    },
                    {
                        "movedFrom": "2024-11-10T00:00:00+07:00",
                        "movedTo": "2024-11-30T23:59:59+07:00",
                        "points": 2,
                    },
                ],
            }
        ],
    }
    assert again.status_code == 200, again.text
    assert (again.json()["changed"], again.json()["memberships"]) == (0, [])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"program": "SIAM", "cutoverMonth": "2024-13"}, "cutoverMonth"),
        ({"program": "SIAM", "cutoverMonth": "Sep 2024"}, "cutoverMonth"),
        ({"cutoverMonth": "2024-09"}, "program"),
    ],
)
def test_the_migration_route_refuses_a_bad_body_naming_the_field(
    client, admin, program, body, field
):
    problem = assert_problem(client.post(MIGRATE, headers=admin, json=body), 400)
    assert [e["field"] for e in problem["errors"]] == [field]


def test_the_migration_route_needs_the_admin_key_and_a_known_program(client, admin, program):
    put_membership(program, "M1", _carried_over())

    assert_problem(client.post(MIGRATE, json={"program": "SIAM"}), 401)
    assert_problem(client.post(MIGRATE, headers=admin, json={"program": "NOPE"}), 404)
    assert read_membership(program, "M1").loyalty.ledger == _carried_over().ledger
