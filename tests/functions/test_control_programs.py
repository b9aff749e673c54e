"""POST /api/control/programs/{program}/refresh through the local host."""

from mosaic.ports.documents import Container
from tests.functions.conftest import assert_problem

REFRESH = "/api/control/programs/{program}/refresh"


def test_refresh_answers_what_the_program_document_now_holds(client, app_backends, admin):
    response = client.post(REFRESH.format(program="SIAM"), headers=admin)

    assert response.status_code == 200, response.text
    answer = response.json()
    stored = app_backends.documents.read(Container.PROGRAMS, "SIAM", "SIAM").body
    assert answer["program"] == "SIAM"
    assert answer["timezone"] == stored["meta"]["timezone"] == "Asia/Bangkok"
    assert answer["hotels"] == len(stored["content"]["app"]["hotels"])
    [logged] = app_backends.documents.query(Container.REFRESH_LOG, "SIAM")
    assert (logged.body["kind"], logged.body["reason"], logged.body["outcome"]) == (
        "program",
        "manual",
        "refreshed",
    )


def test_an_unknown_program_is_a_404_and_a_malformed_one_a_400(client, admin):
    assert_problem(client.post(REFRESH.format(program="NOPE"), headers=admin), 404)
    problem = assert_problem(client.post(REFRESH.format(program="siam!"), headers=admin), 400)
    assert problem["errors"][0]["field"] == "program"


def test_without_the_admin_key_nothing_is_refreshed(client, app_backends):
    assert_problem(client.post(REFRESH.format(program="SIAM")), 401)
    assert app_backends.documents.query(Container.REFRESH_LOG, "SIAM") == []
