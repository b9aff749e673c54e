"""The program's configuration lives in the SoR: the program refresh takes it from there."""

import json

import pytest

from mosaic.domain.errors import ProgramMisconfigured
from mosaic.domain.membership import VoucherType
from mosaic.domain.program import ContentType, MaxPerDay, ProgramSettings
from mosaic.ports.documents import Container
from mosaic.services.program_refresh import refresh_program
from tests.factories import NOW, embedded_backends, insert_member, sor_engine
from tests.sor_rows import configure_program, insert_offer, link_offer_to_packages


@pytest.fixture
def engine(tmp_path):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    return engine


def test_settings_and_policies_set_in_the_sor_reach_the_program_document(tmp_path, engine):
    configure_program(engine, "settings", json.dumps({"inviteePeriodDays": 10}), NOW)
    policy = {"rules": [{"rule": "maxPerDay", "limit": 1}]}
    configure_program(engine, "policy:food", json.dumps(policy), NOW)
    backends = embedded_backends(tmp_path, engine=engine)

    program = refresh_program(backends, "SIAM", "manual")

    assert program.settings.invitee_period_days == 10
    assert program.settings.invitation_limit == ProgramSettings().invitation_limit
    assert program.policies[VoucherType.FOOD].rules == [MaxPerDay(limit=1)]


def test_the_sor_wins_over_what_the_document_held(tmp_path, engine):
    backends = embedded_backends(tmp_path, engine=engine)
    refresh_program(backends, "SIAM", "manual")
    configure_program(engine, "settings", json.dumps({"pinTtlMinutes": 5}), NOW)

    again = refresh_program(backends, "SIAM", "scheduled")

    assert again.settings.pin_ttl_minutes == 5


def test_a_broken_section_keeps_the_document_and_logs_what_is_wrong(tmp_path, engine):
    backends = embedded_backends(tmp_path, engine=engine)
    refresh_program(backends, "SIAM", "manual")
    before = backends.documents.read(Container.PROGRAMS, "SIAM", "SIAM")
    configure_program(engine, "settings", json.dumps({"inviteePeriodDays": 0}), NOW)

    with pytest.raises(ProgramMisconfigured, match="inviteePeriodDays"):
        refresh_program(backends, "SIAM", "scheduled")

    assert backends.documents.read(Container.PROGRAMS, "SIAM", "SIAM") == before
    logged = [d.body for d in backends.documents.query(Container.REFRESH_LOG, "SIAM")]
    [failed] = [entry for entry in logged if entry["outcome"] == "misconfigured"]
    assert "inviteePeriodDays" in failed["error"]


def test_an_unknown_section_is_refused_not_ignored(tmp_path, engine):
    configure_program(engine, "policy:golf", json.dumps({"rules": []}), NOW)
    backends = embedded_backends(tmp_path, engine=engine)
    with pytest.raises(ProgramMisconfigured, match="policy:golf"):
        refresh_program(backends, "SIAM", "manual")


def test_program_content_says_which_packages_an_offer_is_for(tmp_path, engine):
    from datetime import date

    insert_offer(engine, "OF-ALL", date(2026, 1, 1), date(2027, 12, 31), NOW)
    insert_offer(engine, "OF-GOLD", date(2026, 1, 1), date(2027, 12, 31), NOW)
    link_offer_to_packages(engine, "OF-GOLD", ["SIAM-GOLD"], NOW)
    backends = embedded_backends(tmp_path, engine=engine)

    program = refresh_program(backends, "SIAM", "manual")

    offers = {o.code: o.packages for o in program.content[ContentType.APP].offers}
    assert offers == {"OF-ALL": [], "OF-GOLD": ["SIAM-GOLD"]}
