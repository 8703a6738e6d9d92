"""Out-of-range input is a 4xx that says what was wrong, never a 500 (issue #10).

Ids past 64 bits in the API's filters, days the date arithmetic cannot hold in
the desk sheets and reports, the admin's changelist filters, a Host header not
in ALLOWED_HOSTS; and the API answers JSON for every error, never a page.
"""

from __future__ import annotations

import logging

import pytest
from django.test import RequestFactory
from django.urls import reverse

from community import api_errors
from tests.petitions.conftest import PetitionWorld

TOO_BIG = "99999999999999999999999"
NOT_IDS = [TOO_BIG, "1e30", "9223372036854775808", "-1", "1.5", "²", "abc"]


@pytest.fixture
def client(client, settings):
    """Messages are matched in English: the language switch's cookie says so."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def quiet_errors():
    """The refusals below log a warning each (django.request, django.security)."""
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


# --- API filters --------------------------------------------------------------------------

FILTERS = [
    ("/api/v1/petitions/", "grid"),
    ("/api/v1/petitions/", "community"),
    ("/api/v1/petitions/", "department"),
    ("/api/v1/patrols/", "grid"),
    ("/api/v1/patrols/", "worker"),
    ("/api/v1/communities/", "street"),
    ("/api/v1/visits/", "resident"),
]


@pytest.mark.parametrize(("url", "name"), FILTERS)
@pytest.mark.parametrize("value", NOT_IDS)
def test_an_id_filter_refuses_what_cannot_be_an_id_with_a_400_naming_it(
    client, pw: PetitionWorld, url, name, value
):
    client.force_login(pw.gw.secretary_x)
    response = client.get(url, {name: value})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {name: ["Enter an id: a whole number from 0 to 9223372036854775807."]}


@pytest.mark.parametrize(("url", "name"), FILTERS)
def test_the_largest_id_is_an_id_that_finds_nothing(client, pw: PetitionWorld, url, name):
    pw.submit()
    client.force_login(pw.gw.secretary_x)
    response = client.get(url, {name: "9223372036854775807"})
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_a_resident_filtering_their_requests_by_a_huge_grid_gets_the_400_too(
    client, pw: PetitionWorld
):
    pw.submit()
    client.force_login(pw.tenant)
    response = client.get("/api/v1/petitions/", {"grid": "1e30"})
    assert response.status_code == 400
    assert "grid" in response.json()
    assert client.get("/api/v1/petitions/", {"grid": pw.gw.grid_1.pk}).json()["count"] == 1


def test_notifications_take_unread_as_a_boolean(client, pw: PetitionWorld):
    pw.submit()  # the grid worker is told
    client.force_login(pw.gw.worker_1)
    everything = client.get("/api/v1/notifications/").json()["count"]
    assert everything >= 1
    assert client.get("/api/v1/notifications/?unread=1").json()["count"] == everything
    client.post("/api/v1/notifications/read-all/")
    assert client.get("/api/v1/notifications/?unread=true").json()["count"] == 0
    assert client.get("/api/v1/notifications/?unread=0").json()["count"] == everything


# --- Days in query strings --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["petitions:summary", "petitions:summary-xlsx"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01", "x"])
def test_the_daily_summary_refuses_a_day_it_cannot_count_with_a_400_saying_so(
    client, pw: PetitionWorld, quiet_errors, name, day
):
    client.force_login(pw.gw.secretary_x)
    response = client.get(reverse(name), {"day": day})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "day must be a date (YYYY-MM-DD) from 1900-01-01 to 2999-12-31." in (
        response.content.decode()
    )


@pytest.mark.parametrize("day", ["1900-01-01", "2999-12-31"])
def test_the_first_and_last_days_it_can_count_are_sheets(client, pw: PetitionWorld, day):
    client.force_login(pw.gw.secretary_x)
    assert client.get(reverse("petitions:summary"), {"day": day}).status_code == 200
    xlsx = client.get(reverse("petitions:summary-xlsx"), {"day": day})
    assert xlsx.status_code == 200
    assert day.replace("-", "") in xlsx["Content-Disposition"]


# --- The admin's changelist filters -------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "created_at__year=99999999999999999999",
    ],
)
def test_an_admin_filter_no_database_can_hold_shows_the_list_with_a_message(
    client, pw: PetitionWorld, query
):
    p = pw.submit()
    client.force_login(pw.gw.admin)
    url = reverse("admin:petitions_petition_changelist")
    response = client.get(f"{url}?{query}")
    assert response.status_code == 302
    assert response["Location"] == f"{url}?e=1"
    listing = client.get(response["Location"])
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "A filter of this list could not be used" in page
    assert p.reference in page


@pytest.mark.parametrize(
    "query",
    [
        # Shanghai's 0001-01-01 starts before year 1 in UTC: SQLite cannot hold it
        # (the message and the whole list), PostgreSQL can (the list, filtered).
        "created_at__gte=0001-01-01+00:00:00%2B08:00",
        "created_at__year=1",
        "due_at__lt=0001-01-01+07:00:00%2B08:00",
        # SQLite's integers end at 2^63-1; PostgreSQL compares it as a numeric.
        "id__in=99999999999999999999",
        "grid__id__in=1,99999999999999999999",
    ],
)
def test_an_admin_filter_a_database_may_not_hold_is_not_a_500(client, pw: PetitionWorld, query):
    pw.submit()
    client.force_login(pw.gw.admin)
    url = reverse("admin:petitions_petition_changelist")
    response = client.get(f"{url}?{query}", follow=True)
    assert response.status_code == 200
    if response.redirect_chain:
        assert response.redirect_chain == [(f"{url}?e=1", 302)]
        assert "A filter of this list could not be used" in response.content.decode()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # a naive datetime: production only warns
@pytest.mark.parametrize("app_model", ["petitions_petition", "community_notification"])
def test_the_issues_admin_filter_is_no_longer_a_500(client, pw: PetitionWorld, app_model):
    client.force_login(pw.gw.admin)
    url = reverse(f"admin:{app_model}_changelist")
    response = client.get(f"{url}?created_at__gte=0001-01-01", follow=True)
    assert response.status_code == 200


def test_a_date_hierarchy_on_the_last_day_there_is_shows_the_list_with_a_message(
    client, pw: PetitionWorld
):
    client.force_login(pw.gw.admin)
    url = reverse("admin:community_notification_changelist")
    query = "created_at__year=9999&created_at__month=12&created_at__day=31"
    response = client.get(f"{url}?{query}", follow=True)  # the day after does not exist
    assert response.status_code == 200
    assert response.redirect_chain == [(f"{url}?e=1", 302)]
    assert "A filter of this list could not be used" in response.content.decode()


# --- Hosts not allowed --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/login/", "/requests/", "/no/such/page/"])
def test_a_host_not_allowed_is_a_400_page(client, pw: PetitionWorld, quiet_errors, path):
    client.force_login(pw.gw.secretary_x)  # a session: the page would read the user
    response = client.get(path, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "The request could not be understood" in response.content.decode()


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/petitions/", "/api/v1/nothing/"])
def test_a_host_not_allowed_is_a_400_in_json_for_the_api(
    client, pw: PetitionWorld, quiet_errors, path
):
    client.force_login(pw.gw.secretary_x)
    response = client.get(path, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "The request could not be understood."}


# --- The API answers JSON ---------------------------------------------------------------------


def test_an_unknown_api_url_is_a_json_404(client, pw: PetitionWorld, quiet_errors):
    client.force_login(pw.gw.secretary_x)
    for path in ("/api/v1/nothing/", "/api/v1/petitions/1.5/", "/api/v2/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Not found."}


def test_a_server_error_under_the_api_is_json_and_a_page_elsewhere():
    request = RequestFactory().get("/api/v1/petitions/")
    response = api_errors.server_error(request)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.content.decode()
    page = api_errors.server_error(RequestFactory().get("/requests/"))
    assert page.status_code == 500
    assert b"<html" in page.content


def test_a_forbidden_api_url_is_json():
    request = RequestFactory().get("/api/v1/petitions/")
    response = api_errors.permission_denied(request, PermissionError())
    assert (response.status_code, response["Content-Type"]) == (403, "application/json")


def test_without_a_token_the_api_answers_401_and_says_how_to_sign_in(client, pw: PetitionWorld):
    response = client.get("/api/v1/petitions/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    wrong = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token not-a-token")
    assert (wrong.status_code, wrong.json()) == (401, {"detail": "Invalid token."})
