"""Brochure-ware: anyone reads a program's content, cacheable with ETags."""

import pytest

from tests.functions.conftest import assert_problem
from tests.functions.mobile_world import add_catalog

CONTENT = "/api/mobile/programs/SIAM/content"


@pytest.fixture
def program(client, admin, tmp_path):
    add_catalog(tmp_path)
    assert client.post("/api/control/programs/SIAM/refresh", headers=admin).status_code == 200


def test_content_needs_no_token_and_lists_hotels_and_offers(client, program):
    response = client.get(CONTENT)
    assert response.status_code == 200, response.text
    content = response.json()
    assert content["type"] == "app"
    assert [h["code"] for h in content["hotels"]] == ["SIAM-H01"]
    assert [o["code"] for o in content["offers"]] == ["SPA20"]
    assert response.headers["cache-control"].startswith("public")


def test_an_unchanged_content_revalidates_as_304(client, program):
    etag = client.get(CONTENT).headers["etag"]
    not_modified = client.get(CONTENT, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    weak = client.get(CONTENT, headers={"If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    assert client.get(CONTENT, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_site_content_has_its_own_etag(client, program):
    app = client.get(CONTENT)
    site = client.get(CONTENT, params={"type": "site"})
    assert site.json()["type"] == "site"
    assert site.headers["etag"] != app.headers["etag"]


def test_an_unknown_content_type_names_the_parameter(client, program):
    problem = assert_problem(client.get(CONTENT, params={"type": "tv"}), 400)
    assert problem["errors"][0]["field"] == "type"


def test_an_unknown_program_is_a_404(client, program):
    assert_problem(client.get("/api/mobile/programs/NOPE/content"), 404)
    problem = assert_problem(client.get("/api/mobile/programs/no%20pe/content"), 400)
    assert problem["errors"][0]["field"] == "program"


def test_routes_match_whatever_their_case(client, program):
    assert client.get("/API/Mobile/Programs/SIAM/CONTENT").status_code == 200
