"""A refresh reads one membership's SoR rows through an index on both of its keys, never a
scan of its program (SQLite's planner would otherwise pick a program-wide index)."""

import pytest
import sqlalchemy as sa

from tests.factories import sor_engine

READS = {
    "devices": "SELECT * FROM devices WHERE program = 'SIAM' AND membership_number = 'SIAM-1'",
    "static_vouchers": "SELECT * FROM static_vouchers "
    "WHERE program = 'SIAM' AND membership_number = 'SIAM-1'",
}


@pytest.mark.parametrize("table", sorted(READS))
def test_a_membership_read_searches_by_program_and_membership(tmp_path, table):
    engine = sor_engine(tmp_path)
    with engine.connect() as connection:
        plan = " ".join(
            str(row[-1])
            for row in connection.execute(sa.text("EXPLAIN QUERY PLAN " + READS[table]))
        )
    assert "program=? AND membership_number=?" in plan, plan
