"""The health check, the API's schema and docs, paging and errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_in_process_tasks(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "in-process", "status": "ok"}


def test_openapi_schema_describes_the_api(client, world):
    client.force_login(world.worker_x)
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/communities/" in paths
    assert "/api/v1/notifications/{id}/read/" in paths
    assert "/api/v1/auth/token/" in paths


def test_api_docs_page_loads_everything_from_our_own_server(client, world):
    client.force_login(world.worker_x)
    page = client.get(reverse("api-docs")).content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower()
    assert "https://" not in page


def test_page_size_is_capped(client, world):
    from community.models import Community
    from tests.community.factories import CommunityFactory

    CommunityFactory.create_batch(130, street=world.street_a)
    client.force_login(world.dispatcher_a)
    data = client.get("/api/v1/communities/?page_size=1000").json()
    assert data["count"] == Community.objects.filter(street=world.street_a).count()
    assert len(data["results"]) == 100


def test_communities_api_query_count_does_not_grow(client, world, django_assert_num_queries):
    from tests.community.factories import CommunityFactory

    CommunityFactory.create_batch(40, street=world.street_a)
    client.force_login(world.dispatcher_a)
    # session, user, memberships (admin check), count, page rows with their street
    with django_assert_num_queries(5):
        response = client.get("/api/v1/communities/")
    assert len(response.json()["results"]) == 20


def test_api_errors_are_json_not_pages(client, world):
    client.force_login(world.worker_x)
    response = client.get("/api/v1/communities/999999/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_unknown_page_is_a_friendly_404(client, world):
    client.force_login(world.worker_x)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
